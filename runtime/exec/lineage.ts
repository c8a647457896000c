/**
 * Lineage of an sd.cpp image (issue 4 item 8), recorded in the artifact's `info` by the diffusion
 * executors: the engine version string, the exact argv with machine-specific paths made portable
 * (inside a model folder → `<models>/rel/path`, inside the data folder → relative to it), the
 * hashes of every model file used (sha256 when the registry has computed it, else null with the
 * size:mtime identity) and, beside it in `info.seed`, the seed sd.cpp actually used.
 */
import path from 'node:path';
import type { ExecContext, ResolvedModel } from '../engine/executor';
import { relativeInside } from '../fs/safe-path';

/** One model file as recorded in lineage. */
export interface LineageModel {
  /** Registry id (path relative to its model folder). */
  id: string;
  /** `<models>/…` form of the path. */
  file: string;
  sha256: string | null;
  /** First 10 hex digits of sha256 (A1111/Civitai "AutoV2"), null when not hashed yet. */
  autoV2: string | null;
  /** The cache identity used (`sha256:…` or `size:mtimeMs`). */
  identity: string;
}

function inside(root: string, p: string): string | null {
  const rel = relativeInside(p, root);
  return rel ? rel.split(path.sep).join('/') : null;
}

/**
 * Rewrites absolute paths in an argv: model folders first (they may live inside the data folder),
 * then the data folder; other arguments (prompts, numbers, foreign paths) are kept as they are.
 */
export function portableArgv(
  argv: readonly string[],
  home: string,
  modelFolders: readonly string[],
): string[] {
  return argv.map((a) => portablePath(a, home, modelFolders));
}

/** One path made portable as in {@link portableArgv}; non-absolute strings are returned unchanged. */
export function portablePath(p: string, home: string, modelFolders: readonly string[]): string {
  if (!path.isAbsolute(p)) return p;
  for (const f of modelFolders) {
    const rel = inside(f, p);
    if (rel) return `<models>/${rel}`;
    if (path.resolve(p) === path.resolve(f)) return '<models>';
  }
  return inside(home, p) ?? (path.resolve(p) === path.resolve(home) ? '.' : p);
}

/** The model folders known to the runtime (the registry port's). */
export function modelFolders(ctx: Pick<ExecContext, 'registry'>): readonly string[] {
  return ctx.registry.folders;
}

/** Lineage entries for the models a node used, keyed by role (`model`, `vae`, `lora:<name>`, …). */
export function lineageModels(
  ctx: Pick<ExecContext, 'registry' | 'paths'>,
  used: Record<string, ResolvedModel>,
): Record<string, LineageModel> {
  const folders = modelFolders(ctx);
  const out: Record<string, LineageModel> = {};
  for (const [role, m] of Object.entries(used)) {
    // Only a hash the registry vouches for as current (resolve() checks size + mtime) is recorded.
    const sha256 = m.identity.startsWith('sha256:') ? m.identity.slice(7) : null;
    out[role] = {
      id: m.id,
      file: portablePath(m.path, ctx.paths.home, folders),
      sha256,
      autoV2: sha256 ? sha256.slice(0, 10) : null,
      identity: m.identity,
    };
  }
  return out;
}
