/**
 * Embedding vectors in the library database (issue 17; schema in migrations/0070_semantic.sql).
 *
 * Per embedding space (one embedding model) two copies of each generation's vector:
 * - `generation_embeddings.vector`: float32, L2-normalized — exact cosine re-scoring and
 *   "similar images";
 * - `vec_space_<id>`: a sqlite-vec `vec0` table with a `bit[D]` column (sign quantization,
 *   `vec_quantize_binary`), rowid = generation id — the coarse Hamming KNN that makes 100 k
 *   vectors searchable in milliseconds (github.com/asg017/sqlite-vec, "binary quantization").
 *
 * Nearest-neighbour search ({@link VectorStore.nearest}) scans the floats exactly while a space
 * holds at most {@link EXACT_SCAN_MAX} vectors, and above that takes `k × oversample` Hamming
 * candidates and re-scores them with the float cosine (recall measured by
 * `npm run bench -- --only=search`). The Hamming pass runs over an in-memory copy of the vec0
 * bits ({@link BitIndex}: sqlite-vec's KNN costs grow with k, see bit-index.ts), loaded on the
 * first search of a space and kept current by this store's writes; a commit by another
 * connection (`PRAGMA data_version`) makes it reload. A query always names one space, so vectors of two models are
 * never compared. sqlite-vec is loaded into the connection on first use.
 */
import { createHash } from 'node:crypto';
import * as sqliteVec from 'sqlite-vec';
import type { Db } from './db';
import { UserError } from '../errors';
import { BitIndex } from './bit-index';

/** Up to this many vectors a space is searched by an exact float scan. */
export const EXACT_SCAN_MAX = 10_000;
/**
 * Hamming candidates per wanted neighbour before the float re-score (at least k + 100). The
 * search bench (clustered 768-d data, 100 k) measured recall@50 = 1.0 with 4× and 0.94 with 2×.
 */
export const DEFAULT_OVERSAMPLE = 4;

export interface EmbeddingSpace {
  id: number;
  modelKey: string;
  modelId: string;
  /** Null until the first vector is stored. */
  dimension: number | null;
  state: 'building' | 'ready' | 'retired';
}

export interface PendingText {
  generationId: number;
  /** What is embedded: prompt, then tag names (empty when the generation has neither). */
  text: string;
  sha1: string;
}

export interface Neighbour {
  generationId: number;
  /** Cosine distance, 0 (same direction) .. 2. */
  distance: number;
}

const loaded = new WeakSet<Db>();

/** Per connection: the in-memory Hamming indexes of its spaces (shared by every VectorStore on it). */
const bitCaches = new WeakMap<Db, { dataVersion: number; spaces: Map<number, BitIndex> }>();

/**
 * Sign quantization exactly as sqlite-vec's `vec_quantize_binary`: bit i (LSB first within
 * byte i/8) is 1 when element i > 0 (sqlite-vec.c, `vec_quantize_binary`).
 */
export function quantizeBinary(v: ArrayLike<number>, bitDim: number): Uint8Array {
  const out = new Uint8Array(bitDim / 8);
  for (let i = 0; i < v.length; i++) if (v[i]! > 0) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** Loads the sqlite-vec extension into `db` once (idempotent). */
export function loadVec(db: Db): void {
  if (loaded.has(db)) return;
  sqliteVec.load(db);
  loaded.add(db);
}

/** SHA-1 hex of an embedding text (change detection only, not security). */
export const textSha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** The text a generation is embedded from: its prompt and its tag names. */
export function embeddingText(prompt: string | null, tags: string | null): string {
  return [prompt?.trim(), tags?.trim()].filter(Boolean).join('\n');
}

const vecTable = (spaceId: number) => `vec_space_${Math.trunc(spaceId)}`;
/** Bits stored per vector: the dimension rounded up to whole bytes (vec_quantize_binary needs that). */
const bitDim = (d: number) => Math.ceil(d / 8) * 8;

function toBlob(v: ArrayLike<number>, dim = v.length): Buffer {
  const f = new Float32Array(dim);
  for (let i = 0; i < v.length; i++) f[i] = v[i]!;
  return Buffer.from(f.buffer);
}

interface RawSpace {
  id: number;
  model_key: string;
  model_id: string;
  dimension: number | null;
  state: EmbeddingSpace['state'];
}
const toSpace = (r: RawSpace): EmbeddingSpace => ({
  id: r.id,
  modelKey: r.model_key,
  modelId: r.model_id,
  dimension: r.dimension,
  state: r.state,
});

export class VectorStore {
  private readonly s;

  constructor(private readonly db: Db) {
    loadVec(db);
    this.s = {
      spaceByKey: db.prepare<[string], RawSpace>(
        'SELECT * FROM embedding_spaces WHERE model_key = ?',
      ),
      spaceById: db.prepare<[number], RawSpace>('SELECT * FROM embedding_spaces WHERE id = ?'),
      insertSpace: db.prepare(
        "INSERT INTO embedding_spaces (model_key, model_id, state, created_at, updated_at) VALUES (?, ?, 'building', ?, ?)",
      ),
      setDim: db.prepare(
        'UPDATE embedding_spaces SET dimension = ?, updated_at = ? WHERE id = ? AND dimension IS NULL',
      ),
      setState: db.prepare('UPDATE embedding_spaces SET state = ?, updated_at = ? WHERE id = ?'),
      others: db.prepare<[number], RawSpace>('SELECT * FROM embedding_spaces WHERE id <> ?'),
      all: db.prepare<[], RawSpace>('SELECT * FROM embedding_spaces ORDER BY id'),
      deleteSpace: db.prepare('DELETE FROM embedding_spaces WHERE id = ?'),
      pending: db.prepare<
        [number, number, number],
        { id: number; prompt: string | null; tags: string | null; sha1: string | null }
      >(
        `SELECT g.id, g.prompt, tt.tags, e.text_sha1 AS sha1 FROM generations g
         LEFT JOIN generation_tag_text tt ON tt.generation_id = g.id
         LEFT JOIN generation_embeddings e ON e.space_id = ? AND e.generation_id = g.id
         WHERE g.id > ? ORDER BY g.id LIMIT ?`,
      ),
      upsert:
        db.prepare(`INSERT INTO generation_embeddings (space_id, generation_id, text_sha1, vector, embedded_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(space_id, generation_id) DO UPDATE SET text_sha1 = excluded.text_sha1, vector = excluded.vector, embedded_at = excluded.embedded_at`),
      count: db.prepare<[number], { n: number }>(
        'SELECT count(*) AS n FROM generation_embeddings INDEXED BY generation_embeddings_space WHERE space_id = ?',
      ),
      total: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM generations'),
      maxId: db.prepare<[], { m: number | null }>('SELECT max(id) AS m FROM generations'),
      vector: db.prepare<[number, number], { vector: Buffer }>(
        'SELECT vector FROM generation_embeddings WHERE space_id = ? AND generation_id = ?',
      ),
      exact: db.prepare<[Buffer, number, number], { id: number; d: number }>(
        `SELECT generation_id AS id, vec_distance_cosine(vector, ?) AS d FROM generation_embeddings
         WHERE space_id = ? ORDER BY d, generation_id DESC LIMIT ?`,
      ),
      dataVersion: db.prepare<[], { data_version: number }>('PRAGMA data_version'),
      rescore: db.prepare<[Buffer, number, string], { id: number; d: number }>(
        `SELECT generation_id AS id, vec_distance_cosine(vector, ?) AS d FROM generation_embeddings
         WHERE space_id = ? AND generation_id IN (SELECT value FROM json_each(?))`,
      ),
    };
  }

  /** The space of `modelKey`, created (state `building`) when new. */
  space(modelKey: string, modelId: string, now = Date.now()): EmbeddingSpace {
    const r = this.s.spaceByKey.get(modelKey);
    if (r) return toSpace(r);
    this.s.insertSpace.run(modelKey, modelId, now, now);
    return toSpace(this.s.spaceByKey.get(modelKey)!);
  }

  get(spaceId: number): EmbeddingSpace | undefined {
    const r = this.s.spaceById.get(spaceId);
    return r ? toSpace(r) : undefined;
  }

  /** Every space, oldest first. */
  spaces(): EmbeddingSpace[] {
    return this.s.all.all().map(toSpace);
  }

  setState(spaceId: number, state: EmbeddingSpace['state'], now = Date.now()): void {
    this.s.setState.run(state, now, spaceId);
  }

  /** Drops every space except `keepId` with its vectors and vec0 table (after the new model's back-fill completed). */
  dropOthers(keepId: number): number {
    const others = this.s.others.all(keepId);
    this.db.transaction(() => {
      for (const o of others) {
        this.dropIndex(o.id);
        this.db.exec(`DROP TABLE IF EXISTS ${vecTable(o.id)}`);
        this.s.deleteSpace.run(o.id);
      }
    })();
    return others.length;
  }

  /**
   * The next `limit` generations after `afterId` (id order) whose embedding in the space is
   * missing or stale (its text changed), plus the last id looked at (the back-fill's resume point).
   */
  pending(
    spaceId: number,
    afterId: number,
    limit: number,
  ): { items: PendingText[]; lastId: number | null; scanned: number } {
    // Look at up to 4× the batch so a mostly embedded library advances quickly.
    const rows = this.s.pending.all(spaceId, afterId, limit * 4);
    const items: PendingText[] = [];
    let lastId: number | null = null;
    for (const r of rows) {
      lastId = r.id;
      const text = embeddingText(r.prompt, r.tags);
      const sha1 = textSha1(text);
      if (r.sha1 !== sha1) items.push({ generationId: r.id, text, sha1 });
      if (items.length >= limit) break;
    }
    return { items, lastId, scanned: rows.length };
  }

  /**
   * Stores vectors (one transaction): the float copy and the binary vec0 copy. The first vector
   * fixes the space's dimension and creates its vec0 table.
   * @throws UserError EMBEDDING_DIMENSION when a vector's length differs from the space's
   */
  put(
    spaceId: number,
    rows: readonly { generationId: number; sha1: string; vector: ArrayLike<number> }[],
    now = Date.now(),
  ): void {
    if (!rows.length) return;
    this.db.transaction(() => {
      let dim = this.get(spaceId)?.dimension ?? null;
      if (dim === null) {
        dim = rows[0]!.vector.length;
        this.s.setDim.run(dim, now, spaceId);
        this.db.exec(
          `CREATE VIRTUAL TABLE IF NOT EXISTS ${vecTable(spaceId)} USING vec0(bin bit[${bitDim(dim)}])`,
        );
      }
      const del = this.db.prepare(`DELETE FROM ${vecTable(spaceId)} WHERE rowid = ?`);
      const ins = this.db.prepare(
        `INSERT INTO ${vecTable(spaceId)} (rowid, bin) VALUES (?, vec_quantize_binary(?))`,
      );
      for (const r of rows) {
        if (r.vector.length !== dim) {
          throw new UserError(
            'EMBEDDING_DIMENSION',
            `embedding of generation ${r.generationId} has ${r.vector.length} dimensions, the space has ${dim}`,
          );
        }
        this.s.upsert.run(spaceId, r.generationId, r.sha1, toBlob(r.vector), now);
        del.run(BigInt(r.generationId));
        ins.run(BigInt(r.generationId), toBlob(r.vector, bitDim(dim)));
      }
    })();
    // Only after the commit: a rolled-back batch must not reach the cache.
    const index = this.cachedIndex(spaceId);
    if (index)
      for (const r of rows) index.set(r.generationId, quantizeBinary(r.vector, index.bitDim));
  }

  /** The space's loaded Hamming index, or undefined (dropped when another connection committed). */
  private cachedIndex(spaceId: number): BitIndex | undefined {
    const c = bitCaches.get(this.db);
    if (!c) return undefined;
    const v = this.s.dataVersion.get()!.data_version;
    if (v !== c.dataVersion) {
      c.spaces.clear();
      c.dataVersion = v;
    }
    return c.spaces.get(spaceId);
  }

  /** The space's Hamming index, loaded from vec0 when not cached (~250 ms per 100 000 vectors). */
  private bitIndex(spaceId: number, dim: number): BitIndex {
    const hit = this.cachedIndex(spaceId);
    if (hit) return hit;
    const index = new BitIndex(bitDim(dim));
    for (const r of this.db
      .prepare<[], { id: number; bin: Buffer }>(`SELECT rowid AS id, bin FROM ${vecTable(spaceId)}`)
      .iterate())
      index.set(r.id, r.bin);
    let c = bitCaches.get(this.db);
    if (!c) {
      c = { dataVersion: this.s.dataVersion.get()!.data_version, spaces: new Map() };
      bitCaches.set(this.db, c);
    }
    c.spaces.set(spaceId, index);
    return index;
  }

  private dropIndex(spaceId: number): void {
    bitCaches.get(this.db)?.spaces.delete(spaceId);
  }

  /** Removes vec0 rows whose generation is gone (generation_embeddings cascades; vec0 cannot). */
  prune(spaceId: number): number {
    if (this.get(spaceId)?.dimension == null) return 0;
    this.dropIndex(spaceId);
    return this.db
      .prepare(
        `DELETE FROM ${vecTable(spaceId)} WHERE rowid NOT IN (SELECT generation_id FROM generation_embeddings WHERE space_id = ?)`,
      )
      .run(spaceId).changes;
  }

  /** {embedded, total}: vectors in the space and generations in the library. */
  coverage(spaceId: number): { embedded: number; total: number } {
    return { embedded: this.s.count.get(spaceId)!.n, total: this.s.total.get()!.n };
  }

  /** The highest generation id (0 for an empty library): ranked search's snapshot bound. */
  maxGenerationId(): number {
    return this.s.maxId.get()!.m ?? 0;
  }

  /** A generation's stored float vector in the space, or undefined. */
  vector(spaceId: number, generationId: number): Float32Array | undefined {
    const r = this.s.vector.get(spaceId, generationId);
    return r
      ? new Float32Array(
          r.vector.buffer.slice(r.vector.byteOffset, r.vector.byteOffset + r.vector.byteLength),
        )
      : undefined;
  }

  /**
   * The `k` nearest generations to `query` in one space, nearest first (ties: newer id first).
   * @param o.oversample Hamming candidates per result above {@link EXACT_SCAN_MAX} (default 4, at least k + 100)
   * @param o.exact force the exact float scan
   * @throws UserError EMBEDDING_DIMENSION when the query's length differs from the space's
   */
  nearest(
    spaceId: number,
    query: ArrayLike<number>,
    k: number,
    o: { oversample?: number; exact?: boolean } = {},
  ): Neighbour[] {
    const space = this.get(spaceId);
    if (!space || space.dimension === null) return [];
    if (query.length !== space.dimension) {
      throw new UserError(
        'EMBEDDING_DIMENSION',
        `the query vector has ${query.length} dimensions, space ${spaceId} has ${space.dimension}`,
      );
    }
    const q = toBlob(query);
    const n = this.s.count.get(spaceId)!.n;
    let rows: { id: number; d: number }[];
    if (o.exact || n <= EXACT_SCAN_MAX) {
      rows = this.s.exact.all(q, spaceId, k);
    } else {
      const want = Math.max(k * (o.oversample ?? DEFAULT_OVERSAMPLE), k + 100);
      const index = this.bitIndex(spaceId, space.dimension);
      const cand = index.nearest(quantizeBinary(query, index.bitDim), Math.min(4096, want));
      rows = this.s.rescore.all(q, spaceId, JSON.stringify(cand));
      rows.sort((a, b) => a.d - b.d || b.id - a.id);
      rows = rows.slice(0, k);
    }
    return rows.map((r) => ({ generationId: r.id, distance: r.d }));
  }
}
