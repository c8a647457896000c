/**
 * The coarse Hamming pass of nearest-neighbour search above EXACT_SCAN_MAX (runtime/store/
 * bit-index.ts + VectorStore): the in-memory index quantizes exactly like sqlite-vec, finds the
 * same candidates as sqlite-vec's own vec0 KNN, and stays current through writes by this
 * connection, by a second VectorStore on it, and by another connection.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../../runtime/store/db';
import { BitIndex } from '../../../runtime/store/bit-index';
import {
  EXACT_SCAN_MAX,
  VectorStore,
  loadVec,
  quantizeBinary,
} from '../../../runtime/store/vectors';
import { rng } from '../../helpers/rng';
import { populate } from '../../bench/gallery-bench';

const DIM = 24;
const r = rng(11);
const randVec = () => Float32Array.from({ length: DIM }, () => r() * 2 - 1);

function hamming(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) for (let x = a[i]! ^ b[i]!; x; x &= x - 1) s++;
  return s;
}

describe('quantizeBinary', () => {
  it('gives the bytes sqlite-vec’s vec_quantize_binary gives (zeros and negatives included)', () => {
    const db = openDb(':memory:');
    loadVec(db);
    const q = db.prepare<[Buffer], { b: Buffer }>('SELECT vec_quantize_binary(?) AS b');
    for (const dim of [8, 24, 768]) {
      for (let t = 0; t < 20; t++) {
        const v = Float32Array.from({ length: dim }, (_, i) => (i % 7 === 0 ? 0 : r() * 2 - 1));
        const sql = new Uint8Array(q.get(Buffer.from(v.buffer))!.b);
        expect(quantizeBinary(v, dim)).toEqual(sql);
      }
    }
    db.close();
  });
});

describe('BitIndex', () => {
  it('returns the k smallest Hamming distances; replace and delete keep it exact', () => {
    const index = new BitIndex(64);
    const stored = new Map<number, Uint8Array>();
    for (let id = 1; id <= 3000; id++) {
      const b = Uint8Array.from({ length: 8 }, () => Math.floor(r() * 256));
      stored.set(id, b);
      index.set(id, b);
    }
    for (let id = 1; id <= 3000; id += 3) {
      const b = Uint8Array.from({ length: 8 }, () => Math.floor(r() * 256));
      stored.set(id, b);
      index.set(id, b); // replace
    }
    for (let id = 2; id <= 3000; id += 10) {
      stored.delete(id);
      index.delete(id);
    }
    expect(index.size).toBe(stored.size);
    for (let t = 0; t < 10; t++) {
      const q = Uint8Array.from({ length: 8 }, () => Math.floor(r() * 256));
      const k = 5 + t * 37;
      const got = index.nearest(q, k);
      expect(new Set(got).size).toBe(k);
      const all = [...stored].map(([id, b]) => ({ id, d: hamming(q, b) }));
      all.sort((a, b) => a.d - b.d || b.id - a.id);
      expect(got.sort((a, b) => a - b)).toEqual(
        all
          .slice(0, k)
          .map((x) => x.id)
          .sort((a, b) => a - b),
      );
    }
  });
});

describe('VectorStore above EXACT_SCAN_MAX', () => {
  let dir: string;
  let file: string;
  let db: Db;
  let vs: VectorStore;
  let spaceId: number;
  const N = EXACT_SCAN_MAX + 1500;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-knn-'));
    file = path.join(dir, 'lib.db');
    db = openDb(file);
    populate(db, N + 10);
    vs = new VectorStore(db);
    spaceId = vs.space('knn@1', 'knn').id;
    const rows = [];
    for (let id = 1; id <= N; id++) rows.push({ generationId: id, sha1: 'x', vector: randVec() });
    vs.put(spaceId, rows);
  });
  afterAll(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('takes the same Hamming candidates as sqlite-vec’s vec0 KNN', () => {
    const knn = db.prepare<[Buffer, number], { rowid: number; distance: number }>(
      `SELECT rowid, distance FROM vec_space_${spaceId} WHERE bin MATCH vec_quantize_binary(?) AND k = ?`,
    );
    const bins = new Map(
      db
        .prepare<[], { id: number; bin: Buffer }>(
          `SELECT rowid AS id, bin FROM vec_space_${spaceId}`,
        )
        .all()
        .map((x) => [x.id, new Uint8Array(x.bin)]),
    );
    const index = new BitIndex(DIM);
    for (const [id, bin] of bins) index.set(id, bin);
    for (let t = 0; t < 5; t++) {
      const q = randVec();
      const k = 300;
      const theirs = knn.all(Buffer.from(q.buffer), k);
      const ours = index.nearest(quantizeBinary(q, DIM), k);
      // Same distances (ties at the cut may pick other ids of equal distance).
      const qb = quantizeBinary(q, DIM);
      const dOurs = ours.map((id) => hamming(qb, bins.get(id)!)).sort((a, b) => a - b);
      expect(dOurs).toEqual(theirs.map((x) => x.distance).sort((a, b) => a - b));
    }
  });

  it('sees a vector written after the index was loaded: by this store, another store, another connection', () => {
    const q = randVec();
    vs.nearest(spaceId, q, 10); // loads the index
    const same = Float32Array.from(q);
    vs.put(spaceId, [{ generationId: N + 1, sha1: 'y', vector: same }]);
    expect(vs.nearest(spaceId, q, 10)[0]!.generationId).toBe(N + 1);

    const other = new VectorStore(db);
    other.put(spaceId, [{ generationId: N + 2, sha1: 'y', vector: same }]);
    expect(
      vs
        .nearest(spaceId, q, 10)
        .slice(0, 2)
        .map((n) => n.generationId)
        .sort(),
    ).toEqual([N + 1, N + 2].sort());

    const db2 = openDb(file);
    try {
      new VectorStore(db2).put(spaceId, [{ generationId: N + 3, sha1: 'y', vector: same }]);
    } finally {
      db2.close();
    }
    expect(
      vs
        .nearest(spaceId, q, 10)
        .slice(0, 3)
        .map((n) => n.generationId)
        .sort(),
    ).toEqual([N + 1, N + 2, N + 3].sort());
  });

  it('a failed batch (wrong dimension) leaves neither the database nor the index changed', () => {
    const q = randVec();
    vs.nearest(spaceId, q, 10);
    expect(() =>
      vs.put(spaceId, [
        { generationId: N + 4, sha1: 'z', vector: Float32Array.from(q) },
        { generationId: N + 5, sha1: 'z', vector: new Float32Array(DIM + 1) },
      ]),
    ).toThrow(/dimensions/);
    expect(vs.nearest(spaceId, q, 10).map((n) => n.generationId)).not.toContain(N + 4);
  });
});
