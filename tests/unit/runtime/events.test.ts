/**
 * The event bus (runtime/engine/events.ts): global seq and per-run runSeq, `since()` served from
 * the in-memory ring and, for older or pre-restart events, from event_log in SQLite; seqs never
 * reused after a restart (a client resuming with `?since=` would otherwise drop new events).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus, type MystiEvent } from '../../../runtime/engine/events';
import { Store } from '../../../runtime/store';

let dir: string;
let file: string;
const open: Store[] = [];
const openStore = () => {
  const s = Store.open(file);
  open.push(s);
  return s;
};
const seqs = (es: MystiEvent[]) => es.map((e) => e.seq);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-events-'));
  file = path.join(dir, 'db.sqlite');
});
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('EventBus', () => {
  it('numbers events globally and per run, and delivers them to listeners', () => {
    const bus = new EventBus(openStore().events);
    const got: MystiEvent[] = [];
    const off = bus.on((e) => got.push(e));
    const a = bus.emit('run.queued', { runId: 'r1' });
    const b = bus.emit('worker.status', { worker: 'sd', state: 'ready' });
    const c = bus.emit('run.started', { runId: 'r1' });
    const d = bus.emit('run.queued', { runId: 'r2' });
    off();
    bus.emit('run.completed', { runId: 'r1' });
    expect([b.seq, c.seq, d.seq]).toEqual([a.seq + 1, a.seq + 2, a.seq + 3]);
    expect([a.runSeq, c.runSeq, d.runSeq]).toEqual([1, 2, 1]);
    expect(b.runSeq).toBeUndefined();
    expect(got.map((e) => e.type)).toEqual([
      'run.queued',
      'worker.status',
      'run.started',
      'run.queued',
    ]);
    expect(a.ts).toBeTypeOf('number');
  });

  it('a throwing listener does not stop the others or the emitter', () => {
    const bus = new EventBus(openStore().events);
    const got: string[] = [];
    bus.on(() => {
      throw new Error('closed socket');
    });
    bus.on((e) => got.push(e.type));
    expect(() => bus.emit('system.alert', { code: 'X' })).not.toThrow();
    expect(got).toEqual(['system.alert']);
  });

  it('since() replays from the ring, progress included, optionally for one run', () => {
    const bus = new EventBus(openStore().events);
    const first = bus.emit('run.started', { runId: 'r1' });
    bus.emit('node.progress', { runId: 'r1', nodeId: 'g', step: 1, steps: 2 });
    bus.emit('run.started', { runId: 'r2' });
    bus.emit('node.progress', { runId: 'r1', nodeId: 'g', step: 2, steps: 2 });
    const all = bus.since(first.seq - 1);
    expect(all.map((e) => e.type)).toEqual([
      'run.started',
      'node.progress',
      'run.started',
      'node.progress',
    ]);
    expect(seqs(bus.since(first.seq + 1))).toEqual([first.seq + 2, first.seq + 3]);
    expect(bus.since(first.seq - 1, 'r2').map((e) => e.runId)).toEqual(['r2']);
    expect(bus.since(bus.lastSeq())).toEqual([]);
  });

  it('since() reaches past the ring into event_log, without gaps or duplicates', () => {
    const bus = new EventBus(openStore().events, 5);
    const emitted = Array.from({ length: 20 }, (_, i) =>
      bus.emit('node.completed', { runId: 'r', nodeId: `n${i}` }),
    );
    const from = emitted[2]!.seq;
    const replay = bus.since(from);
    expect(seqs(replay)).toEqual(seqs(emitted.slice(3)));
    expect(replay.map((e) => e.nodeId)).toEqual(emitted.slice(3).map((e) => e.nodeId));
  });

  it('after a restart, since() serves the previous session from event_log (progress is not persisted)', () => {
    const s1 = openStore();
    const bus1 = new EventBus(s1.events);
    const q = bus1.emit('run.queued', { runId: 'r1' });
    bus1.emit('node.progress', { runId: 'r1', nodeId: 'g', step: 1 });
    const done = bus1.emit('run.completed', { runId: 'r1', outputs: [{ nodeId: 'g' }] });
    s1.close();

    const bus2 = new EventBus(openStore().events);
    const replay = bus2.since(q.seq - 1);
    expect(replay.map((e) => e.type)).toEqual(['run.queued', 'run.completed']);
    expect(replay[1]).toMatchObject({
      seq: done.seq,
      runId: 'r1',
      runSeq: 3,
      outputs: [{ nodeId: 'g' }],
      ts: done.ts,
    });
    const next = bus2.emit('run.queued', { runId: 'r2' });
    expect(next.seq).toBeGreaterThan(done.seq);
    expect(seqs(bus2.since(q.seq - 1))).toEqual([q.seq, done.seq, next.seq]);
  });

  it('never reuses a seq after a crash that followed unpersisted progress events', () => {
    const s1 = openStore();
    const bus1 = new EventBus(s1.events);
    bus1.emit('node.started', { runId: 'r1', nodeId: 'g' });
    let lastSeen = 0;
    for (let i = 0; i < 200; i++)
      lastSeen = bus1.emit('node.progress', { runId: 'r1', nodeId: 'g', step: i }).seq;
    s1.close(); // the process dies here: nothing more is written

    const bus2 = new EventBus(openStore().events);
    const interrupted = bus2.emit('run.interrupted', { runId: 'r1', nodeId: 'g' });
    expect(interrupted.seq).toBeGreaterThan(lastSeen);
    // A client that saw the last progress event resumes and gets the new event.
    expect(bus2.since(lastSeen).map((e) => e.type)).toEqual(['run.interrupted']);
  });
});
