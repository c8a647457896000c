/**
 * Node outputs (`artifacts`), their lineage (`artifact_parents`) and the persistent output cache
 * (`node_cache`: cache key → {port: artifactId}). An artifact row is written only after its file
 * is in place (temp → fsync → rename → row), so a row never points at a missing file.
 */
import type { Db } from './db';

export interface ArtifactRow {
  id: string;
  kind: 'text' | 'image' | 'tags';
  runId: string | null;
  nodeId: string | null;
  port: string | null;
  /** Relative to the data directory. */
  path: string | null;
  sha256: string | null;
  bytes: number | null;
  value: Record<string, unknown> | null;
  createdAt: number;
}

interface Raw {
  id: string;
  kind: ArtifactRow['kind'];
  run_id: string | null;
  node_id: string | null;
  port: string | null;
  path: string | null;
  sha256: string | null;
  bytes: number | null;
  value_json: string | null;
  created_at: number;
}

const toRow = (r: Raw): ArtifactRow => ({
  id: r.id,
  kind: r.kind,
  runId: r.run_id,
  nodeId: r.node_id,
  port: r.port,
  path: r.path,
  sha256: r.sha256,
  bytes: r.bytes,
  value: r.value_json ? JSON.parse(r.value_json) : null,
  createdAt: r.created_at,
});

/**
 * A new artifact with the ids of what it was made from (input port → parent artifact ids).
 * `runId`/`nodeId` are null for artifacts no node made (an upload from the user's disk, a painted
 * mask); `port` then names what it is (`upload`, `mask`).
 */
export interface NewArtifact {
  id: string;
  kind: ArtifactRow['kind'];
  runId: string | null;
  nodeId: string | null;
  port: string;
  path?: string | null;
  sha256?: string | null;
  bytes?: number | null;
  value?: Record<string, unknown> | null;
  parents: { port: string; parentId: string }[];
}

export class ArtifactStore {
  private readonly s;
  constructor(private readonly db: Db) {
    this.s = {
      insert:
        db.prepare(`INSERT INTO artifacts (id, kind, run_id, node_id, port, path, sha256, bytes, value_json, created_at)
        VALUES (@id, @kind, @runId, @nodeId, @port, @path, @sha256, @bytes, @value, @now)`),
      parent: db.prepare(
        'INSERT OR IGNORE INTO artifact_parents (artifact_id, parent_id, port) VALUES (?, ?, ?)',
      ),
      get: db.prepare<[string], Raw>('SELECT * FROM artifacts WHERE id = ?'),
      cacheGet: db.prepare<[string], { outputs_json: string }>(
        'SELECT outputs_json FROM node_cache WHERE cache_key = ?',
      ),
      cacheJoin: db.prepare<[string], Raw & { cache_port: string }>(`
        SELECT j.key AS cache_port, a.* FROM node_cache c, json_each(c.outputs_json) j
        LEFT JOIN artifacts a ON a.id = j.value WHERE c.cache_key = ?`),
      cacheJoinMany: db.prepare<[string], Raw & { cache_key: string; cache_port: string }>(`
        SELECT c.cache_key, j.key AS cache_port, a.* FROM node_cache c, json_each(c.outputs_json) j
        LEFT JOIN artifacts a ON a.id = j.value WHERE c.cache_key IN (SELECT value FROM json_each(?))`),
      // One statement for a run's hits; a key hit twice in the run counts twice (UPDATE … FROM, SQLite ≥ 3.33).
      cacheHitMany: db.prepare(`UPDATE node_cache SET hits = hits + k.n, last_hit_at = ?
        FROM (SELECT value AS key, COUNT(*) AS n FROM json_each(?) GROUP BY value) k WHERE node_cache.cache_key = k.key`),
      cachePut:
        db.prepare(`INSERT INTO node_cache (cache_key, type, outputs_json, created_at, last_hit_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(cache_key) DO UPDATE SET outputs_json = excluded.outputs_json, last_hit_at = excluded.last_hit_at`),
      cacheDel: db.prepare('DELETE FROM node_cache WHERE cache_key = ?'),
      paths: db.prepare<[], { path: string }>('SELECT path FROM artifacts WHERE path IS NOT NULL'),
      ancestors: db.prepare<[string, number], Raw & { depth: number }>(`
        WITH RECURSIVE up(id, depth) AS (
          SELECT parent_id, 1 FROM artifact_parents WHERE artifact_id = ?
          UNION SELECT p.parent_id, up.depth + 1 FROM artifact_parents p JOIN up ON p.artifact_id = up.id WHERE up.depth < ?
        ) SELECT a.*, MIN(up.depth) AS depth FROM up JOIN artifacts a ON a.id = up.id GROUP BY a.id ORDER BY depth`),
      descendants: db.prepare<[string, number], Raw & { depth: number }>(`
        WITH RECURSIVE down(id, depth) AS (
          SELECT artifact_id, 1 FROM artifact_parents WHERE parent_id = ?
          UNION SELECT p.artifact_id, down.depth + 1 FROM artifact_parents p JOIN down ON p.parent_id = down.id WHERE down.depth < ?
        ) SELECT a.*, MIN(down.depth) AS depth FROM down JOIN artifacts a ON a.id = down.id GROUP BY a.id ORDER BY depth`),
      parentsOf: db.prepare<[string], { parent_id: string; port: string }>(
        'SELECT parent_id, port FROM artifact_parents WHERE artifact_id = ?',
      ),
    };
  }

  /** Inserts artifacts with their lineage edges in one transaction. */
  insertMany(items: NewArtifact[], now = Date.now()): void {
    this.db.transaction(() => {
      for (const a of items) {
        this.s.insert.run({
          id: a.id,
          kind: a.kind,
          runId: a.runId,
          nodeId: a.nodeId,
          port: a.port,
          path: a.path ?? null,
          sha256: a.sha256 ?? null,
          bytes: a.bytes ?? null,
          value: a.value ? JSON.stringify(a.value) : null,
          now,
        });
        for (const p of a.parents) this.s.parent.run(a.id, p.parentId, p.port);
      }
    })();
  }

  /**
   * Adds one lineage edge `artifactId` ← `parentId` (through input `port`); a no-op when it
   * exists. For a node whose output comes from an artifact it did not receive on a port (Load
   * image of a gallery image or upload): the caller runs it inside the output's transaction.
   */
  link(artifactId: string, parentId: string, port: string): void {
    this.s.parent.run(artifactId, parentId, port);
  }

  get(id: string): ArtifactRow | undefined {
    const r = this.s.get.get(id);
    return r ? toRow(r) : undefined;
  }

  /**
   * Cached outputs for a key ({port: artifactId}); undefined on a miss. Read-only: hits are
   * counted in bulk by {@link cacheTouch} once per run, so a 500-node cached rerun is not 500 writes.
   */
  cacheLookup(key: string): Record<string, string> | undefined {
    const r = this.s.cacheGet.get(key);
    return r ? (JSON.parse(r.outputs_json) as Record<string, string>) : undefined;
  }

  /**
   * A cache entry with its artifact rows in one query: `[{port, artifact}]` (artifact undefined
   * when its row is gone), or undefined on a miss.
   */
  cacheEntry(key: string): { port: string; artifact: ArtifactRow | undefined }[] | undefined {
    const rows = this.s.cacheJoin.all(key);
    if (!rows.length) return undefined;
    return rows.map((r) => ({ port: r.cache_port, artifact: r.id ? toRow(r) : undefined }));
  }

  /**
   * {@link cacheEntry} for many keys in ONE query: key → entry, keys that miss absent. A rerun
   * loads every entry it may need at once instead of one query per node.
   */
  cacheEntries(
    keys: readonly string[],
  ): Map<string, { port: string; artifact: ArtifactRow | undefined }[]> {
    const out = new Map<string, { port: string; artifact: ArtifactRow | undefined }[]>();
    if (!keys.length) return out;
    for (const r of this.s.cacheJoinMany.all(JSON.stringify(keys))) {
      let e = out.get(r.cache_key);
      if (!e) out.set(r.cache_key, (e = []));
      e.push({ port: r.cache_port, artifact: r.id ? toRow(r) : undefined });
    }
    return out;
  }

  /** Counts one hit for each key and stamps last_hit_at (for LRU eviction of the cache). */
  cacheTouch(keys: readonly string[], now = Date.now()): void {
    if (!keys.length) return;
    this.s.cacheHitMany.run(now, JSON.stringify(keys));
  }

  /** Records (or replaces) the output-cache entry `key` → {port: artifactId} for a node of `type`; `now` ms since epoch. */
  cacheStore(key: string, type: string, outputs: Record<string, string>, now = Date.now()): void {
    this.s.cachePut.run(key, type, JSON.stringify(outputs), now, now);
  }

  /** Drops a cache entry whose artifacts are gone (file deleted by the user, say). */
  cacheForget(key: string): void {
    this.s.cacheDel.run(key);
  }

  /** Every artifact file path (relative), for the start-up orphan sweep. */
  allPaths(): Set<string> {
    return new Set(this.s.paths.all().map((r) => r.path));
  }

  /** Ancestors up to `maxDepth` hops, nearest first. */
  ancestors(id: string, maxDepth = 64): (ArtifactRow & { depth: number })[] {
    return this.s.ancestors.all(id, maxDepth).map((r) => ({ ...toRow(r), depth: r.depth }));
  }

  /** Artifacts made from `id`, transitively up to `maxDepth` hops, each with its smallest depth (1 = direct). */
  descendants(id: string, maxDepth = 64): (ArtifactRow & { depth: number })[] {
    return this.s.descendants.all(id, maxDepth).map((r) => ({ ...toRow(r), depth: r.depth }));
  }

  /** The direct inputs of artifact `id` and the port each came in on. */
  parentsOf(id: string): { parentId: string; port: string }[] {
    return this.s.parentsOf.all(id).map((r) => ({ parentId: r.parent_id, port: r.port }));
  }
}
