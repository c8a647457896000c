/**
 * Turning executor results into artifacts, and cached artifacts back into port values.
 *
 * Order on disk and in SQLite (issue 2 §5): a new image is fsynced and renamed into the
 * content-addressed store `artifacts/<sha[0..2]>/<sha>.png` first, then its row and lineage are
 * inserted in one transaction (with the executor's commit hooks: a saved generation, its tags).
 * A crash in between leaves an unreferenced file that the start-up sweep removes — never a row
 * without its file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { moveFileDurable } from '../fs/atomic';
import { relativeInside } from '../fs/safe-path';
import { UnexpectedError } from '../errors';
import type { Store } from '../store';
import type { ExecutorOutput, PortValue } from './values';
import type { EngineDeps } from './deps';
import { writePoint } from '../fs/write-points';

export type NodeOutputs = Map<string, { artifactId: string; value: PortValue }>;

/** Absolute path of an artifact file stored relative to the data directory. */
export const absPath = (home: string, p: string): string => (path.isAbsolute(p) ? p : path.join(home, p));

/**
 * Outputs of a cache entry, or undefined on a miss — also when an image file has disappeared
 * (then the entry is forgotten so the node recomputes).
 */
export function loadCachedOutputs(store: Store, key: string, home: string): NodeOutputs | undefined {
  const entry = store.artifacts.cacheEntry(key);
  if (!entry) return undefined;
  const out: NodeOutputs = new Map();
  for (const { port, artifact: a } of entry) {
    if (!a) return forget(store, key);
    const artifactId = a.id;
    if (a.kind === 'image') {
      if (!a.path || !fs.existsSync(absPath(home, a.path))) return forget(store, key);
      const info = (a.value ?? {}) as { width?: number; height?: number; info?: Record<string, unknown> };
      out.set(port, {
        artifactId,
        value: { kind: 'image', path: absPath(home, a.path), sha256: a.sha256 ?? '', ...(info.width ? { width: info.width } : {}), ...(info.height ? { height: info.height } : {}), ...(info.info ? { info: info.info } : {}) },
      });
    } else if (a.kind === 'text') {
      out.set(port, { artifactId, value: { kind: 'text', text: String(a.value?.text ?? '') } });
    } else {
      out.set(port, { artifactId, value: { kind: 'tags', tags: (a.value?.tags ?? []) as never } });
    }
  }
  return out;
}

function forget(store: Store, key: string): undefined {
  store.artifacts.cacheForget(key);
  return undefined;
}

/** Stores a node's result as artifacts (files first, then rows + hooks in one transaction). */
export function persistOutputs(
  deps: Pick<EngineDeps, 'store' | 'config'>,
  r: {
    runId: string;
    nodeId: string;
    result: Record<string, ExecutorOutput>;
    parents: { port: string; parentId: string }[];
    hooks: ((ids: Record<string, string>) => void)[];
  },
): NodeOutputs {
  const home = deps.config.paths.home;
  const out: NodeOutputs = new Map();
  const rows: Parameters<Store['artifacts']['insertMany']>[0] = [];
  for (const [port, v] of Object.entries(r.result)) {
    const id = randomUUID();
    const base = { id, runId: r.runId, nodeId: r.nodeId, port, parents: r.parents };
    if (v.kind === 'image') {
      let abs: string;
      let sha: string;
      if ('tempPath' in v) {
        // The producer's hash (the worker's, for sd.cpp images): hashing again here would block the event loop.
        if (!/^[0-9a-f]{64}$/.test(v.sha256)) throw new UnexpectedError(`node ${r.nodeId} returned an image on ${port} without its sha256`);
        sha = v.sha256;
        abs = path.join(deps.config.paths.artifacts, sha.slice(0, 2), `${sha}.png`);
        if (fs.existsSync(abs)) fs.rmSync(v.tempPath, { force: true });
        else {
          moveFileDurable(v.tempPath, abs);
          writePoint('artifact.file');
        }
      } else {
        abs = v.path;
        sha = v.sha256;
      }
      const stored = relativeInside(abs, home) ?? abs;
      const value = { ...(v.width ? { width: v.width } : {}), ...(v.height ? { height: v.height } : {}), ...(v.info ? { info: v.info } : {}) };
      rows.push({ ...base, kind: 'image', path: stored, sha256: sha, bytes: fs.statSync(abs).size, value });
      out.set(port, { artifactId: id, value: { kind: 'image', path: abs, sha256: sha, ...value } });
    } else if (v.kind === 'text') {
      rows.push({ ...base, kind: 'text', value: { text: v.text } });
      out.set(port, { artifactId: id, value: v });
    } else if (v.kind === 'tags') {
      rows.push({ ...base, kind: 'tags', value: { tags: v.tags } });
      out.set(port, { artifactId: id, value: v });
    } else {
      throw new UnexpectedError(`node ${r.nodeId} returned an unknown output kind on ${port}`);
    }
  }
  const ids = Object.fromEntries(rows.map((a) => [a.port, a.id]));
  deps.store.db.transaction(() => {
    deps.store.artifacts.insertMany(rows);
    for (const h of r.hooks) h(ids);
    writePoint('artifact.rows');
  })();
  return out;
}

/** Outputs as events and the API describe them: images by URL, text and tags inline. */
export function describeOutputs(outputs: Map<string, { artifactId: string; value: PortValue }>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [port, { artifactId, value }] of outputs) {
    if (value.kind === 'image') out[port] = { kind: 'image', artifactId, url: `/api/artifacts/${artifactId}`, width: value.width, height: value.height, ...(value.info ? { info: value.info } : {}) };
    else if (value.kind === 'text') out[port] = { kind: 'text', artifactId, text: value.text };
    else out[port] = { kind: 'tags', artifactId, tags: value.tags };
  }
  return out;
}
