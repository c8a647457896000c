/**
 * Issue 18 #5: the runtime died after every node of a run completed but before the run's own
 * final status was written. Start-up recovery must report it `completed` (its outputs exist),
 * not `interrupted`; a run that really stopped midway is still `interrupted`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../../runtime/store';
import { openDb } from '../../../runtime/store/db';
import { EventBus } from '../../../runtime/engine/events';
import { RunQueue } from '../../../runtime/engine/run-queue';
import type { EngineDeps } from '../../../runtime/engine/deps';
import { txt2imgChain } from '../../helpers/graph-builder';

let dir: string;
let store: Store;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-recover-'));
  store = new Store(openDb(path.join(dir, 'db.sqlite')));
});
afterEach(() => {
  store.db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function startedRun(finishedNodes: string[]): string {
  const graph = txt2imgChain().finalize();
  const run = store.runs.create({ id: randomUUID(), graph, graphId: null, rerunOf: null });
  store.runs.markStarted(run.id);
  for (const n of graph.nodes) {
    if (!finishedNodes.includes(n.id)) continue;
    store.runs.nodeStarted(run.id, n.id, n.type, null, n.params);
    store.runs.nodeFinished(run.id, n.id, {
      status: n.id === 'prompt' ? 'cached' : 'completed',
      type: n.type,
      outputs: {},
    });
  }
  return run.id;
}

describe('start-up recovery: completed vs interrupted (issue 18 #5)', () => {
  it('a run whose nodes all completed before the kill is completed; a half-done run is interrupted', () => {
    const done = startedRun(['prompt', 'gen', 'up', 'save']);
    const half = startedRun(['prompt', 'gen']);
    const bus = new EventBus(store.events);
    const seen: string[] = [];
    bus.on((e) => seen.push(`${e.type}:${(e as { runId?: string }).runId}`));
    const queue = new RunQueue({ store, bus } as unknown as EngineDeps);
    const r = queue.recover();
    expect(store.runs.get(done)!.status).toBe('completed');
    expect(store.runs.get(done)!.error).toBeNull();
    expect(store.runs.get(half)!.status).toBe('interrupted');
    expect(r.interrupted).toEqual([half]);
    expect(seen).toEqual(
      expect.arrayContaining([`run.completed:${done}`, `run.interrupted:${half}`]),
    );
    expect(seen).not.toContain(`run.interrupted:${done}`);
    expect(
      store.runs
        .nodes(done)
        .map((n) => n.status)
        .sort(),
    ).toEqual(['cached', 'completed', 'completed', 'completed']);
  });
});
