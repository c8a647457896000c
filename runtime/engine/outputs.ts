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
import type { BatchImage, ExecutorImage, ExecutorOutput, ImageValue, PortValue } from './values';
import type { EngineDeps } from './deps';
import { writePoint } from '../fs/write-points';

type CacheEntry = NonNullable<ReturnType<Store['artifacts']['cacheEntry']>>;

export type NodeOutputs = Map<string, { artifactId: string; value: PortValue }>;

/** Absolute path of an artifact file stored relative to the data directory. */
export const absPath = (home: string, p: string): string =>
  path.isAbsolute(p) ? p : path.join(home, p);

/**
 * Outputs of a cache entry, or undefined on a miss — also when an image file has disappeared
 * (then the entry is forgotten so the node recomputes).
 */
export function loadCachedOutputs(
  store: Store,
  key: string,
  home: string,
): NodeOutputs | undefined {
  const entry = store.artifacts.cacheEntry(key);
  return entry ? cachedOutputsOf(store, key, entry, home) : undefined;
}

/**
 * Port values of an already loaded cache entry ({@link ArtifactStore.cacheEntries}), or undefined
 * when an artifact row or image file is gone (then the entry is forgotten, as in loadCachedOutputs).
 */
export function cachedOutputsOf(
  store: Store,
  key: string,
  entry: CacheEntry,
  home: string,
): NodeOutputs | undefined {
  const out: NodeOutputs = new Map();
  for (const { port, artifact: a } of entry) {
    if (!a) return forget(store, key);
    const artifactId = a.id;
    if (a.kind === 'image') {
      if (!a.path || !fs.existsSync(absPath(home, a.path))) return forget(store, key);
      const info = (a.value ?? {}) as {
        width?: number;
        height?: number;
        info?: Record<string, unknown>;
        batch?: Omit<BatchImage, 'kind'>[];
      };
      const batch: BatchImage[] = [];
      for (const b of info.batch ?? []) {
        if (!fs.existsSync(absPath(home, b.path))) return forget(store, key);
        batch.push({
          kind: 'image',
          artifactId: b.artifactId,
          path: absPath(home, b.path),
          sha256: b.sha256,
          ...(b.width ? { width: b.width } : {}),
          ...(b.height ? { height: b.height } : {}),
          ...(b.info ? { info: b.info } : {}),
        });
      }
      out.set(port, {
        artifactId,
        value: {
          kind: 'image',
          path: absPath(home, a.path),
          sha256: a.sha256 ?? '',
          ...(info.width ? { width: info.width } : {}),
          ...(info.height ? { height: info.height } : {}),
          ...(info.info ? { info: info.info } : {}),
          ...(batch.length ? { batch } : {}),
        },
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

type Row = Parameters<Store['artifacts']['insertMany']>[0][number];
type Parents = { port: string; parentId: string }[];

/** Moves one image into the artifact store (or keeps a file already in place) and describes its row. */
function storeImage(
  deps: Pick<EngineDeps, 'config'>,
  v: ExecutorImage,
  base: Omit<Row, 'kind'>,
): { row: Row; value: ImageValue } {
  let abs: string;
  let sha: string;
  if ('tempPath' in v) {
    // The producer's hash (the worker's, for sd.cpp images): hashing again here would block the event loop.
    if (!/^[0-9a-f]{64}$/.test(v.sha256))
      throw new UnexpectedError(
        `node ${base.nodeId} returned an image on ${base.port} without its sha256`,
      );
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
  const stored = rowPath(deps, abs);
  const value = {
    ...(v.width ? { width: v.width } : {}),
    ...(v.height ? { height: v.height } : {}),
    ...(v.info ? { info: v.info } : {}),
  };
  return {
    row: { ...base, kind: 'image', path: stored, sha256: sha, bytes: fs.statSync(abs).size, value },
    value: { kind: 'image', path: abs, sha256: sha, ...value },
  };
}

/**
 * The further images of a batch (images 1 … N−1) a node produced, by port, with the lineage and
 * commit hooks of each (runtime/engine/batch.ts). `parents[j]` / `hooks[j]` belong to image j+1.
 */
export interface BatchOutputs {
  images: Record<string, ExecutorImage[]>;
  parents: Parents[];
  hooks: ((ids: Record<string, string>) => void)[][];
}

/**
 * Stores a node's result as artifacts (files first, then rows + hooks in one transaction).
 * Images 1 … N−1 of a batch (`r.batch`, or a NewImage's own `batch`) become artifacts of their
 * own, listed in image 0's value (`batch`, with their artifact ids) so the port carries N images.
 */
export function persistOutputs(
  deps: Pick<EngineDeps, 'store' | 'config'>,
  r: {
    runId: string;
    nodeId: string;
    result: Record<string, ExecutorOutput>;
    parents: Parents;
    hooks: ((ids: Record<string, string>) => void)[];
    batch?: BatchOutputs;
  },
): NodeOutputs {
  const out: NodeOutputs = new Map();
  const rows: Row[] = [];
  const batchIds: Record<string, string[]> = {};
  for (const [port, v] of Object.entries(r.result)) {
    const id = randomUUID();
    const base = { id, runId: r.runId, nodeId: r.nodeId, port, parents: r.parents };
    if (v.kind === 'image') {
      const { row, value } = storeImage(deps, v, base);
      rows.push(row);
      const extra = [
        ...('batch' in v && v.batch ? (v.batch as ExecutorImage[]) : []),
        ...(r.batch?.images[port] ?? []),
      ];
      if (extra.length) {
        const ids: string[] = (batchIds[port] = []);
        value.batch = extra.map((b, j) => {
          const bid = randomUUID();
          ids.push(bid);
          const stored = storeImage(deps, b, {
            id: bid,
            runId: r.runId,
            nodeId: r.nodeId,
            port,
            parents: r.batch?.parents[j] ?? r.parents,
          });
          rows.push(stored.row);
          const { batch: _b, ...plain } = stored.value;
          return { ...plain, artifactId: bid };
        });
        // The batch list lives in image 0's stored value, so a cache hit restores all N images.
        (row.value as Record<string, unknown>).batch = value.batch.map((b) => ({
          artifactId: b.artifactId,
          path: rowPath(deps, b.path),
          sha256: b.sha256,
          width: b.width,
          height: b.height,
          info: b.info,
        }));
      }
      out.set(port, { artifactId: id, value });
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
  const ids = Object.fromEntries([...out].map(([port, o]) => [port, o.artifactId]));
  deps.store.db.transaction(() => {
    deps.store.artifacts.insertMany(rows);
    for (const h of r.hooks) h(ids);
    r.batch?.hooks.forEach((hooks, j) => {
      const at = Object.fromEntries(
        Object.entries(ids).map(([port, id]) => [port, batchIds[port]?.[j] ?? id]),
      );
      for (const h of hooks) h(at);
    });
    writePoint('artifact.rows');
  })();
  return out;
}

/** Path as stored in an artifact row: relative to the data directory when inside it. */
function rowPath(deps: Pick<EngineDeps, 'config'>, abs: string): string {
  return relativeInside(abs, deps.config.paths.home) ?? abs;
}

/** Outputs as events and the API describe them: images by URL, text and tags inline. */
export function describeOutputs(
  outputs: Map<string, { artifactId: string; value: PortValue }>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [port, { artifactId, value }] of outputs) {
    if (value.kind === 'image') {
      const batch = value.batch?.map((b) => ({
        artifactId: b.artifactId,
        url: `/api/artifacts/${b.artifactId}`,
        width: b.width,
        height: b.height,
        ...(b.info ? { info: b.info } : {}),
      }));
      out[port] = {
        kind: 'image',
        artifactId,
        url: `/api/artifacts/${artifactId}`,
        width: value.width,
        height: value.height,
        ...(value.info ? { info: value.info } : {}),
        ...(batch?.length ? { batch } : {}),
      };
    } else if (value.kind === 'text') out[port] = { kind: 'text', artifactId, text: value.text };
    else out[port] = { kind: 'tags', artifactId, tags: value.tags };
  }
  return out;
}
