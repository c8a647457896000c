/**
 * Param resolution for dispatch: which params are seeds and models (read from the declaration's
 * UI hints), defaults applied, random seeds made concrete, and the model-file identity that goes
 * into cache keys.
 */
import fs from 'node:fs';
import { randomSeed } from '../../nodes/core/seed';
import type { NodeSpec } from '../../nodes/core/define-node';
import type { ResolvedModel } from './executor';

const widgetCache = new WeakMap<NodeSpec, Map<string, { name: string; modelKind?: string }[]>>();

/** Param names whose UI hint marks them as a given widget (`seed`, `model`); memoized per spec. */
export function paramsWithWidget(
  spec: NodeSpec,
  widget: string,
): { name: string; modelKind?: string }[] {
  let bySpec = widgetCache.get(spec);
  if (!bySpec) widgetCache.set(spec, (bySpec = new Map()));
  const hit = bySpec.get(widget);
  if (hit) return hit;
  const out: { name: string; modelKind?: string }[] = [];
  bySpec.set(widget, out);
  for (const [name, schema] of Object.entries(spec.params.shape)) {
    const meta = (schema as { meta?: () => Record<string, unknown> | undefined }).meta?.();
    if (meta?.widget === widget)
      out.push({
        name,
        ...(typeof meta.modelKind === 'string' ? { modelKind: meta.modelKind } : {}),
      });
  }
  return out;
}

/**
 * A model file's identity for cache keys: registry id + size + mtime. Deliberately not the sha256
 * the registry computes in the background — a key must not change when hashing finishes, or the
 * first rerun after a restart would miss the cache.
 */
export function fileIdentity(m: ResolvedModel): string {
  try {
    const st = fs.statSync(m.path);
    return `${m.id}:${st.size}:${Math.trunc(st.mtimeMs)}`;
  } catch {
    return `${m.id}:${m.identity}`;
  }
}

/** Params with defaults applied and every `seed: "random"` made concrete (recorded, then hashed). */
export function resolveParams(
  spec: NodeSpec,
  raw: Record<string, unknown>,
): Record<string, unknown> {
  const params = spec.params.parse(raw) as Record<string, unknown>;
  for (const { name } of paramsWithWidget(spec, 'seed')) {
    // Exact 63-bit seeds (nodes/core/seed.ts); decimal text, since JSON numbers stop being exact at 2^53.
    if (params[name] === 'random') params[name] = randomSeed();
  }
  return params;
}
