/**
 * Live behaviour on a real server with a slow sd.cpp stand-in (100 ms per sampling step):
 * cancelling a running sd node, and a WebSocket client that drops mid-run and resumes with
 * `?since=<seq>` without a gap (anchors-reliability.md §7, invariant I6).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';
import { sdStandins, waitFor } from '../helpers/procs';
import { connectWs } from '../helpers/ws';

describe('live runs (slow stand-in)', () => {
  let s: TestStudio;
  const standins = () => sdStandins(s.home.home);

  beforeAll(async () => {
    s = await startTestStudio({ stepMs: 100 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('cancelling a running sd node ends the run within 1 s and stops the sd.cpp process', async () => {
    const sub = await s.http.post('/api/runs', {
      graph: txt2imgChain({ text: 'to be cancelled', steps: 60 }).finalize(),
    });
    expect(sub.status).toBe(202);
    const runId = sub.json.runId as string;
    await waitFor(() => standins().length > 0, 15_000, 'the sd.cpp stand-in to start');
    await new Promise((r) => setTimeout(r, 300)); // well into sampling

    const t0 = Date.now();
    const c = await s.http.post(`/api/runs/${runId}/cancel`);
    expect(c.status).toBe(202);
    const run = await s.waitRun(runId, 5_000);
    const elapsed = Date.now() - t0;
    expect(run.status).toBe('cancelled');
    expect(elapsed).toBeLessThan(1_000);
    expect(run.events.map((e) => e.type)).toContain('run.cancelled');
    expect(run.view.nodes.gen.status).toBe('cancelled');
    expect(run.didRun('save')).toBe(false);
    await waitFor(() => standins().length === 0, 1_000, 'the sd.cpp stand-in to exit');

    // Cancelling a finished run is refused (409), and the worker still serves the next run.
    expect((await s.http.post(`/api/runs/${runId}/cancel`)).status).toBe(409);
    const next = await s.run(txt2imgChain({ text: 'after cancel', steps: 2 }).finalize());
    expect(next.status).toBe('completed');
  });

  it('a WebSocket client that reconnects with ?since=<seq> gets every missed event, no gap, no duplicate', async () => {
    const c1 = await connectWs(s.port, '/ws');
    const hello1 = await c1.next((m) => m.type === 'hello');
    const sub = await s.http.post('/api/runs', {
      graph: txt2imgChain({ text: 'ws resume', steps: 12 }).finalize(),
    });
    const runId = sub.json.runId as string;
    await c1.next(
      (m) =>
        m.type === 'node.progress' &&
        m.runId === runId &&
        m.nodeId === 'gen' &&
        m.phase === 'sampling' &&
        m.step >= 2,
    );
    await c1.close();
    const seen1 = c1.messages.filter((m) => m.type !== 'hello');
    const lastSeen = Math.max(...seen1.map((m) => m.seq));

    await new Promise((r) => setTimeout(r, 400)); // the run goes on while nobody listens
    const c2 = await connectWs(s.port, `/ws?since=${lastSeen}`);
    const hello2 = await c2.next((m) => m.type === 'hello');
    await c2.next((m) => m.type === 'run.completed' && m.runId === runId, 15_000);
    await c2.close();
    const seen2 = c2.messages.filter((m) => m.type !== 'hello');

    expect(hello2.seq).toBeGreaterThan(lastSeen); // events did happen while disconnected
    expect(seen2[0].seq).toBe(lastSeen + 1);
    const seqs = [...seen1, ...seen2].map((m) => m.seq);
    expect(seqs[0]).toBe(hello1.seq + 1);
    expect(new Set(seqs).size).toBe(seqs.length);
    for (let i = 1; i < seqs.length; i++)
      expect(seqs[i], `gap after seq ${seqs[i - 1]}`).toBe(seqs[i - 1]! + 1);

    // Per-run sequence numbers are contiguous too, from run.queued to run.completed.
    const mine = [...seen1, ...seen2].filter((m) => m.runId === runId);
    expect(mine[0].type).toBe('run.queued');
    expect(mine.at(-1).type).toBe('run.completed');
    expect(mine.map((m) => m.runSeq)).toEqual(mine.map((_, i) => i + 1));
  });

  it('/ws?runId= limits the replay to one run', async () => {
    const r = await s.run(txt2imgChain({ text: 'filtered', steps: 2 }).finalize());
    const c = await connectWs(s.port, `/ws?since=0&runId=${r.id}`);
    await c.next((m) => m.type === 'run.completed');
    await c.close();
    const events = c.messages.filter((m) => m.type !== 'hello');
    expect(events.length).toBeGreaterThan(4);
    expect(events.every((m) => m.runId === r.id)).toBe(true);
  });
});
