/**
 * The SQLite store on real files (runtime/store/): pragmas, forward-only migrations keyed on
 * `PRAGMA user_version` (idempotent, each in a transaction), and the run / artifact / graph stores.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listMigrations, migrate, openDb } from '../../../runtime/store/db';
import { Store } from '../../../runtime/store';

let dir: string;
const toClose: { close(): void }[] = [];
const track = <T extends { close(): void }>(x: T) => (toClose.push(x), x);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-store-'));
});
afterEach(() => {
  for (const c of toClose.splice(0)) c.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('openDb and migrations', () => {
  it('opens with WAL, foreign keys and a busy timeout, migrated to the newest version', () => {
    const db = track(openDb(path.join(dir, 'sub', 'db.sqlite')));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
    const newest = listMigrations().at(-1)!.version;
    expect(db.pragma('user_version', { simple: true })).toBe(newest);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('migrations are numbered, unique and sorted', () => {
    const ms = listMigrations();
    expect(ms.length).toBeGreaterThan(0);
    expect(ms[0]!.name).toBe('0001_init.sql');
    const versions = ms.map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
  });

  it('is idempotent: reopening or migrating again applies nothing and keeps the data', () => {
    const file = path.join(dir, 'db.sqlite');
    const s1 = Store.open(file);
    s1.graphs.save('g1', 'kept', { nodes: [] });
    const schema = () =>
      new Database(file, { readonly: true })
        .prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name')
        .all();
    s1.close();
    const before = schema();
    const db = track(openDb(file));
    expect(migrate(db)).toEqual([]);
    expect(migrate(db)).toEqual([]);
    expect(schema()).toEqual(before);
    expect(new Store(db).graphs.get('g1')?.name).toBe('kept');
  });

  it('applies only files above user_version, in order, each in its own transaction; a failing one rolls back', () => {
    const mdir = path.join(dir, 'migrations');
    fs.mkdirSync(mdir);
    fs.writeFileSync(path.join(mdir, '0001_a.sql'), 'CREATE TABLE a (x INTEGER);');
    fs.writeFileSync(
      path.join(mdir, '0003_b.sql'),
      'CREATE TABLE b (x INTEGER); INSERT INTO a VALUES (1);',
    );
    fs.writeFileSync(path.join(mdir, 'README.md'), 'not a migration');
    const db = track(new Database(path.join(dir, 'm.sqlite')));
    expect(migrate(db, mdir)).toEqual(['0001_a.sql', '0003_b.sql']);
    expect(db.pragma('user_version', { simple: true })).toBe(3);

    // A broken migration: its first statement must not survive, user_version stays 3.
    fs.writeFileSync(
      path.join(mdir, '0004_bad.sql'),
      'CREATE TABLE c (x INTEGER); INSERT INTO nowhere VALUES (1);',
    );
    expect(() => migrate(db, mdir)).toThrow(/nowhere/);
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'c'").get()).toBeUndefined();

    fs.writeFileSync(path.join(mdir, '0004_bad.sql'), 'CREATE TABLE c (x INTEGER);');
    expect(migrate(db, mdir)).toEqual(['0004_bad.sql']);
    expect(db.prepare('SELECT COUNT(*) AS n FROM a').get()).toEqual({ n: 1 });
  });
});

describe('RunStore', () => {
  it('creates a queued run whose nodes read as pending, and walks it through its states', () => {
    const store = track(Store.open(path.join(dir, 'db.sqlite')));
    const graph = {
      nodes: [
        { id: 'p', type: 'prompt' },
        { id: 'g', type: 'txt2img' },
        { id: 's', type: 'save' },
      ],
    };
    const run = store.runs.create({ id: 'r1', graph, graphId: null });
    expect(run).toMatchObject({
      id: 'r1',
      status: 'queued',
      seq: 1,
      graph,
      currentNode: null,
      startedAt: null,
    });
    expect(
      store.runs
        .nodes('r1')
        .map((n) => [n.nodeId, n.type, n.status])
        .sort(),
    ).toEqual([
      ['g', 'txt2img', 'pending'],
      ['p', 'prompt', 'pending'],
      ['s', 'save', 'pending'],
    ]);
    expect(store.runs.create({ id: 'r2', graph }).seq).toBe(2);

    expect(store.runs.markStarted('r1', 1000)).toBe(true);
    expect(store.runs.markStarted('r1', 1001)).toBe(false); // only from queued
    store.runs.nodeFinished(
      'r1',
      'p',
      {
        status: 'cached',
        type: 'prompt',
        cacheKey: 'k1',
        params: { text: 'x' },
        outputs: { text: 'a1' },
      },
      1002,
    );
    store.runs.nodeStarted('r1', 'g', 'txt2img', 'k2', { seed: 42 }, 1003);
    expect(store.runs.node('r1', 'g')).toMatchObject({
      status: 'running',
      cacheKey: 'k2',
      params: { seed: 42 },
      startedAt: 1003,
    });
    expect(store.runs.withStatus('running').map((r) => r.id)).toEqual(['r1']);
    expect(store.runs.withStatus('queued').map((r) => r.id)).toEqual(['r2']);

    store.runs.markInterrupted('r1', 2000);
    const r1 = store.runs.get('r1')!;
    expect(r1).toMatchObject({
      status: 'interrupted',
      currentNode: 'g',
      finishedAt: 2000,
      error: { code: 'INTERRUPTED', details: { nodeId: 'g' } },
    });
    expect(Object.fromEntries(store.runs.nodes('r1').map((n) => [n.nodeId, n.status]))).toEqual({
      p: 'cached',
      g: 'interrupted',
      s: 'interrupted',
    });
    expect(store.runs.node('r1', 'p')).toMatchObject({
      outputs: { text: 'a1' },
      params: { text: 'x' },
    });

    store.runs.markFinished('r2', 'failed', { code: 'X', message: 'm' });
    expect(store.runs.nodes('r2').every((n) => n.status === 'skipped')).toBe(true);
    expect(store.runs.get('nope')).toBeUndefined();
  });

  it('lists newest first with a keyset cursor', () => {
    const store = track(Store.open(path.join(dir, 'db.sqlite')));
    for (let i = 1; i <= 5; i++) store.runs.create({ id: `r${i}`, graph: { nodes: [] } });
    const page1 = store.runs.list(2);
    expect(page1.map((r) => r.id)).toEqual(['r5', 'r4']);
    const page2 = store.runs.list(2, page1.at(-1)!.seq);
    expect(page2.map((r) => r.id)).toEqual(['r3', 'r2']);
    expect(store.runs.list(10, 2).map((r) => r.id)).toEqual(['r1']);
  });
});

describe('ArtifactStore', () => {
  it('stores artifacts with lineage in one transaction and walks it both ways', () => {
    const store = track(Store.open(path.join(dir, 'db.sqlite')));
    store.runs.create({ id: 'r', graph: { nodes: [] } });
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    store.artifacts.insertMany([
      {
        id: a,
        kind: 'text',
        runId: 'r',
        nodeId: 'p',
        port: 'text',
        value: { text: 'hi' },
        parents: [],
      },
      {
        id: b,
        kind: 'image',
        runId: 'r',
        nodeId: 'g',
        port: 'image',
        path: 'artifacts/ab/x.png',
        sha256: 'ab',
        bytes: 10,
        value: { width: 64 },
        parents: [{ port: 'prompt', parentId: a }],
      },
    ]);
    store.artifacts.insertMany([
      {
        id: c,
        kind: 'image',
        runId: 'r',
        nodeId: 's',
        port: 'image',
        path: 'outputs/d/y.png',
        sha256: 'cd',
        bytes: 11,
        parents: [{ port: 'image', parentId: b }],
      },
    ]);
    expect(store.artifacts.get(b)).toMatchObject({
      kind: 'image',
      path: 'artifacts/ab/x.png',
      bytes: 10,
      value: { width: 64 },
      runId: 'r',
    });
    expect(store.artifacts.get(a)!.value).toEqual({ text: 'hi' });
    expect(store.artifacts.ancestors(c).map((x) => [x.id, x.depth])).toEqual([
      [b, 1],
      [a, 2],
    ]);
    expect(store.artifacts.descendants(a).map((x) => [x.id, x.depth])).toEqual([
      [b, 1],
      [c, 2],
    ]);
    expect(store.artifacts.parentsOf(b)).toEqual([{ parentId: a, port: 'prompt' }]);
    expect(store.artifacts.allPaths()).toEqual(new Set(['artifacts/ab/x.png', 'outputs/d/y.png']));
  });

  it('a failing row rolls back the whole batch (no half-written lineage)', () => {
    const store = track(Store.open(path.join(dir, 'db.sqlite')));
    store.runs.create({ id: 'r', graph: { nodes: [] } });
    const id = randomUUID();
    expect(() =>
      store.artifacts.insertMany([
        { id, kind: 'text', runId: 'r', nodeId: 'p', port: 'text', parents: [] },
        {
          id: randomUUID(),
          kind: 'video' as never,
          runId: 'r',
          nodeId: 'p',
          port: 'x',
          parents: [],
        },
      ]),
    ).toThrow();
    expect(store.artifacts.get(id)).toBeUndefined();
  });

  it('the output cache: store, look up (counting hits), forget', () => {
    const store = track(Store.open(path.join(dir, 'db.sqlite')));
    expect(store.artifacts.cacheLookup('k')).toBeUndefined();
    store.artifacts.cacheStore('k', 'prompt', { text: 'a1' });
    expect(store.artifacts.cacheLookup('k')).toEqual({ text: 'a1' });
    store.artifacts.cacheStore('k', 'prompt', { text: 'a2' });
    expect(store.artifacts.cacheLookup('k')).toEqual({ text: 'a2' });
    store.artifacts.cacheForget('k');
    expect(store.artifacts.cacheLookup('k')).toBeUndefined();
  });

  it('the cache survives reopening the database file', () => {
    const file = path.join(dir, 'db.sqlite');
    const s1 = Store.open(file);
    s1.artifacts.cacheStore('persist', 'prompt', { text: 'a1' });
    s1.close();
    expect(track(Store.open(file)).artifacts.cacheLookup('persist')).toEqual({ text: 'a1' });
  });
});

describe('GraphStore', () => {
  it('saves, updates, lists by (updated_at, id) keyset, deletes', () => {
    const store = track(Store.open(path.join(dir, 'db.sqlite')));
    store.graphs.save('a', 'A', { n: 1 }, 1000);
    store.graphs.save('b', 'B', { n: 2 }, 2000);
    store.graphs.save('c', 'C', { n: 3 }, 2000);
    store.graphs.save('a', 'A2', { n: 4 }, 3000);
    expect(store.graphs.get('a')).toMatchObject({
      name: 'A2',
      graph: { n: 4 },
      createdAt: 1000,
      updatedAt: 3000,
    });
    const p1 = store.graphs.list(2);
    expect(p1.map((g) => g.id)).toEqual(['a', 'c']);
    expect(
      store.graphs.list(2, { updatedAt: p1[1]!.updatedAt, id: p1[1]!.id }).map((g) => g.id),
    ).toEqual(['b']);
    expect(store.graphs.delete('b')).toBe(true);
    expect(store.graphs.delete('b')).toBe(false);
  });
});
