/**
 * The one-statement batch writes/reads an unchanged rerun uses (runtime/store): each must store and
 * return exactly what its per-row counterpart does (nodeFinished, append, cacheEntry, hit counts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../runtime/store';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-batch-'));
  store = Store.open(path.join(dir, 'db.sqlite'));
});
afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('batch store statements equal their per-row forms', () => {
  it('nodesFinished writes the same run_nodes rows as nodeFinished', () => {
    const graph = {
      nodes: [
        { id: 'a', type: 't' },
        { id: 'b', type: 't' },
      ],
    };
    store.runs.create({ id: 'one', graph });
    store.runs.create({ id: 'many', graph });
    const rows: {
      nodeId: string;
      status: 'cached';
      type: string;
      cacheKey: string;
      params: Record<string, unknown>;
      outputs: Record<string, string>;
    }[] = [
      {
        nodeId: 'a',
        status: 'cached',
        type: 't',
        cacheKey: 'k1',
        params: { seed: 12345678901, s: 'x"y' },
        outputs: { text: 'art1' },
      },
      {
        nodeId: 'b',
        status: 'cached',
        type: 't',
        cacheKey: 'k2',
        params: { nested: { z: [1, 2.5, null] } },
        outputs: { a: 'art2', b: 'art3' },
      },
    ];
    for (const r of rows) store.runs.nodeFinished('one', r.nodeId, r, 1000);
    store.runs.nodesFinished('many', rows, 1000);
    expect(store.runs.nodes('many')).toEqual(store.runs.nodes('one'));
    expect(store.runs.node('many', 'b')).toMatchObject({
      status: 'cached',
      cacheKey: 'k2',
      params: rows[1]!.params,
      outputs: rows[1]!.outputs,
      startedAt: 1000,
      finishedAt: 1000,
      error: null,
    });
  });

  it('appendMany logs the same events as append, under their seqs', () => {
    const ev = (seq: number) => ({
      type: 'node.cached',
      runId: seq % 2 ? 'r1' : null,
      payload: { seq, nodeId: `n${seq}`, outputs: { text: { kind: 'text', text: `t"${seq}` } } },
      ts: 5000 + seq,
      seq,
    });
    for (const seq of [1, 2]) {
      const e = ev(seq);
      store.events.append(e.type, e.runId, e.payload, e.ts, e.seq);
    }
    store.events.appendMany([ev(3), ev(4)]);
    const got = store.events.since(0);
    expect(got.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(got[2]).toEqual({
      seq: 3,
      type: 'node.cached',
      runId: 'r1',
      payload: ev(3).payload,
      ts: 5003,
    });
    expect(got[3]!.runId).toBeNull();
    expect(store.events.lastSeq()).toBe(4);
  });

  it('cacheEntries returns what cacheEntry returns per key (missing artifacts undefined, misses absent) and cacheTouch counts repeats', () => {
    store.runs.create({ id: 'r', graph: { nodes: [] } });
    store.artifacts.insertMany([
      {
        id: 'x1',
        kind: 'text',
        runId: 'r',
        nodeId: 'n',
        port: 'text',
        value: { text: 'hi' },
        parents: [],
      },
      {
        id: 'x2',
        kind: 'text',
        runId: 'r',
        nodeId: 'n',
        port: 'b',
        value: { text: 'yo' },
        parents: [],
      },
    ]);
    store.artifacts.cacheStore('k1', 't', { text: 'x1' });
    store.artifacts.cacheStore('k2', 't', { a: 'x2', gone: 'nope' });
    const m = store.artifacts.cacheEntries(['k1', 'k2', 'miss']);
    expect([...m.keys()].sort()).toEqual(['k1', 'k2']);
    const sortPorts = (e: { port: string }[] | undefined) =>
      [...(e ?? [])].sort((p, q) => p.port.localeCompare(q.port));
    expect(sortPorts(m.get('k1'))).toEqual(sortPorts(store.artifacts.cacheEntry('k1')));
    expect(sortPorts(m.get('k2'))).toEqual(sortPorts(store.artifacts.cacheEntry('k2')));
    expect(m.get('k2')!.find((e) => e.port === 'gone')!.artifact).toBeUndefined();
    store.artifacts.cacheTouch(['k1', 'k2', 'k1'], 9000);
    const hits = store.db
      .prepare('SELECT cache_key, hits, last_hit_at FROM node_cache ORDER BY cache_key')
      .all();
    expect(hits).toEqual([
      { cache_key: 'k1', hits: 2, last_hit_at: 9000 },
      { cache_key: 'k2', hits: 1, last_hit_at: 9000 },
    ]);
  });
});
