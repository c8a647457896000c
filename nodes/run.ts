/**
 * Executors of the core node types — runtime only (they import node:fs, sharp, worker clients).
 * The editor imports nodes/index.ts, never this file. The registry is derived from the
 * declarations (nodes/index.ts `specs`): every declared type must have exactly one executor here.
 */
import type { NodeSpec } from './core/define-node';
import type { Implementation } from '../runtime/engine/executor';
import { OperationalError } from '../runtime/errors';
import { specs } from './index';
import prompt from './text/prompt.run';
import llmEnhance from './text/llm-enhance.run';
import tag from './text/tag.run';
import txt2img from './diffusion/txt2img.run';
import img2img from './diffusion/img2img.run';
import upscale from './diffusion/upscale.run';
import save from './image/save.run';
import loadImage from './image/load-image.run';

/** Every core executor. */
export const implementations: readonly Implementation[] = [
  prompt,
  llmEnhance,
  tag,
  txt2img,
  img2img,
  upscale,
  save,
  loadImage,
];

/**
 * type → implementation for each declared spec, in declaration order.
 * @throws OperationalError NO_EXECUTOR naming every declared type without an executor (or bound to another declaration
 *   of that type), and every executor whose type is not declared or that is listed twice
 */
export function executorRegistry(
  declared: readonly NodeSpec[],
  impls: readonly Implementation[],
): ReadonlyMap<string, Implementation> {
  const byType = new Map<string, Implementation>();
  const problems: string[] = [];
  for (const i of impls) {
    if (byType.has(i.spec.type)) problems.push(`node type "${i.spec.type}" has two executors`);
    byType.set(i.spec.type, i);
  }
  const out = new Map<string, Implementation>();
  for (const spec of declared) {
    const impl = byType.get(spec.type);
    if (!impl) problems.push(`node type "${spec.type}" is declared but has no executor`);
    else if (impl.spec !== spec)
      problems.push(
        `the executor of "${spec.type}" is bound to a different declaration of that type`,
      );
    else out.set(spec.type, impl);
    byType.delete(spec.type);
  }
  for (const type of byType.keys()) problems.push(`executor "${type}" has no node declaration`);
  if (problems.length) {
    throw new OperationalError(
      'NO_EXECUTOR',
      `node catalog and executors do not match: ${problems.join('; ')} (declarations: nodes/index.ts, executors: nodes/run.ts)`,
      { problems },
    );
  }
  return out;
}

/** The core catalog's declarations and executors, as the studio starts with them (runtime/main.ts). */
export const coreNodes = { specs, implementations };
