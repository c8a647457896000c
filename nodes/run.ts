/**
 * Executors of the core node types — runtime only (they import node:fs, sharp, worker clients).
 * The editor imports nodes/index.ts, never this file.
 */
import type { Implementation } from '../runtime/engine/executor';
import prompt from './text/prompt.run';
import llmEnhance from './text/llm-enhance.run';
import tag from './text/tag.run';
import txt2img from './diffusion/txt2img.run';
import img2img from './diffusion/img2img.run';
import upscale from './diffusion/upscale.run';
import save from './image/save.run';
import loadImage from './image/load-image.run';

// Each Implementation<S> takes its own spec's params, so it does not widen to Implementation<NodeSpec>;
// the engine pairs an implementation with params of its own spec.type, which keeps the cast sound.
const all = [prompt, llmEnhance, tag, txt2img, img2img, upscale, save, loadImage] as unknown as Implementation[];

/** type → implementation. */
export const executors: ReadonlyMap<string, Implementation> = new Map(all.map((i) => [i.spec.type, i]));
