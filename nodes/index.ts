/**
 * The node catalog: every core node type, browser-safe. The editor and the runtime both import
 * this; executors live in `nodes/run.ts`, which only the runtime imports.
 */
import type { NodeSpec } from './core/define-node';
import { prompt } from './text/prompt';
import { llmEnhance } from './text/llm-enhance';
import { tag } from './text/tag';
import { txt2img } from './diffusion/txt2img';
import { img2img } from './diffusion/img2img';
import { upscale } from './diffusion/upscale';
import { save } from './image/save';
import { loadImage } from './image/load-image';

export * from './core/define-node';
export * from './core/graph';
export * from './core/validate';
export * from './core/topo';
export * from './core/catalog-json';
export * from './core/seed';
export * from './core/app';
export * from './core/modes';
export { SAMPLERS, SCHEDULERS, alignTo64 } from './diffusion/sampling';

/** All core node specs, in palette order. */
export const specs: readonly NodeSpec[] = [
  prompt,
  llmEnhance,
  txt2img,
  img2img,
  upscale,
  tag,
  save,
  loadImage,
];

/** Lookup by type name. */
export const catalog: ReadonlyMap<string, NodeSpec> = new Map(specs.map((s) => [s.type, s]));

/** True for a core type declared `role: 'generator'` (samples a new image: txt2img, img2img). */
export const isGenerator = (type: string): boolean => catalog.get(type)?.role === 'generator';

/** True for a core type declared `role: 'output'` (stores its input: save). */
export const isOutput = (type: string): boolean => catalog.get(type)?.role === 'output';

export { prompt, llmEnhance, tag, txt2img, img2img, upscale, save, loadImage };
