/**
 * Output cache keys (design.md §5): sha256 over the node type and declaration version, its
 * resolved params in canonical JSON, the identity of every model file it uses, an external
 * fingerprint (file-reading nodes) and the cache keys of its upstream inputs — ComfyUI's
 * input-signature scheme (comfy_execution/caching.py), so a change anywhere upstream changes every
 * key downstream, and nothing else does.
 */
import { hash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted, no whitespace, `undefined` dropped — the same value always
 * serializes to the same string (RFC 8785's key ordering without its number rules, which our
 * params do not need: they are JSON numbers produced by JSON.parse/zod).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++)
      out += (i ? ',' : '') + (value[i] === undefined ? 'null' : canonicalJson(value[i]));
    return `${out}]`;
  }
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort();
  let out = '{';
  for (const k of keys) {
    if (obj[k] === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonicalJson(obj[k])}`;
  }
  return `${out}}`;
}

export interface CacheKeyInput {
  type: string;
  version: number;
  params: Record<string, unknown>;
  /** param name → model identity (sha256 or size:mtime). */
  models: Record<string, string>;
  /** input port → upstream node's cache key + output port. */
  inputs: Record<string, string>;
  fingerprint?: string;
}

/** Hex sha256 of the canonical form of the input. */
export function cacheKey(k: CacheKeyInput): string {
  // crypto.hash: one-shot, ~3× cheaper than createHash for short inputs (Node ≥ 20.12).
  return hash('sha256', canonicalJson(k), 'hex');
}
