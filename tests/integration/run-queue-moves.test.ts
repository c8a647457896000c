/**
 * The queue panel's API on a real studio (issue 15 §5): waiting runs moved up / down / to the top
 * start in the new order (asserted on their recorded start times, not on sleeps), the order is
 * announced as `queue.changed`, and a failed run resumes with only its unfinished nodes executed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import fs from 'node:fs';
import path from 'node:path';
import { GraphBuilder, txt2imgChain } from '../helpers/graph-builder';
import { fakeSafetensors, SD_MODEL } from '../helpers/temp-home';

describe('queue moves and resume', () => {
  let s: TestStudio;
  beforeAll(async () => {
    s = await startTestStudio({ stepMs: 40 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('reorders waiting runs; they start in the new order', async () => {
    const submit = async (text: string, steps = 2) =>
      (await s.http.post('/api/runs', { graph: txt2imgChain({ text, steps }).finalize() })).json
        .runId as string;
    const busy = await submit('keeps the queue busy', 40);
    const [a, b, c] = [await submit('a'), await submit('b'), await submit('c')];
    const moved = await s.http.post(`/api/runs/${c}/move`, { to: 'top' });
    expect(moved.status).toBe(200);
    expect(moved.json.queued).toEqual([c, a, b]);
    expect((await s.http.post(`/api/runs/${a}/move`, { to: 'down' })).json.queued).toEqual([
      c,
      b,
      a,
    ]);
    expect((await s.http.post(`/api/runs/${a}/move`, { to: 'up' })).json.queued).toEqual([c, a, b]);
    const q = (await s.http.get('/api/runs')).json.queue;
    expect(q.queued).toEqual([c, a, b]);
    // The running one cannot move; a bad direction is a 400.
    const r409 = await s.http.post(`/api/runs/${busy}/move`, { to: 'top' });
    expect(r409.status).toBe(409);
    expect(r409.json.error.code).toBe('RUN_NOT_QUEUED');
    expect((await s.http.post(`/api/runs/${a}/move`, { to: 'sideways' })).status).toBe(400);

    const done = await Promise.all([busy, c, a, b].map((id) => s.waitRun(id, 60_000)));
    expect(done.map((r) => r.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    const started = done.map((r) => r.view.startedAt as number);
    expect([...started].sort((x, y) => x - y)).toEqual(started);
    const ev = s.studio.store.events
      .since(0, 10_000)
      .filter((e: any) => e.type === 'queue.changed');
    expect(ev.map((e: any) => e.payload.queued)).toEqual([
      [c, a, b],
      [c, b, a],
      [c, a, b],
    ]);
  });

  it('a failed run resumes: the finished nodes come from the cache, the failed one executes', async () => {
    // refine's model is broken (a stand-in fault word: "tensor not in model"), then repaired.
    const flaky = path.join(s.home.models, 'flaky.safetensors');
    fs.writeFileSync(flaky, fakeSafetensors('sdcpp-standin: missing-tensor'));
    const g = new GraphBuilder('fails at refine');
    const p = g.node('prompt', { text: 'resume a failure' }, {}, 'prompt');
    const sampling = { width: 64, height: 64, steps: 2, cfgScale: 7, seed: 3 };
    const fast = g.node(
      'txt2img',
      { model: SD_MODEL, ...sampling },
      { prompt: p.out('text') },
      'fast',
    );
    const saveFast = g.node(
      'save',
      { filenamePrefix: 'fast' },
      { image: fast.out('image') },
      'saveFast',
    );
    const refine = g.node(
      'img2img',
      { model: 'flaky.safetensors', ...sampling, strength: 0.5 },
      { image: saveFast.out('image'), prompt: p.out('text') },
      'refine',
    );
    g.node('save', { filenamePrefix: 'refined' }, { image: refine.out('image') }, 'saveRefined');
    const r1 = await s.run(g.finalize(), undefined, 30_000);
    expect(r1.status).toBe('failed');
    const statuses = (r: { view: any }) =>
      Object.fromEntries(
        Object.entries(r.view.nodes).map(([id, n]: [string, any]) => [id, n.status]),
      );
    expect(statuses(r1)).toEqual({
      prompt: 'completed',
      fast: 'completed',
      saveFast: 'completed',
      refine: 'failed',
      saveRefined: 'skipped',
    });

    fs.writeFileSync(flaky, fakeSafetensors());
    const res = await s.http.post(`/api/runs/${r1.id}/resume`);
    expect(res.status).toBe(202);
    const r2 = await s.waitRun(res.json.runId, 30_000);
    expect(r2.status).toBe('completed');
    expect(statuses(r2)).toEqual({
      prompt: 'cached',
      fast: 'cached',
      saveFast: 'cached',
      refine: 'completed',
      saveRefined: 'completed',
    });
    expect(r2.ran()).toEqual(['refine', 'saveRefined']);
  });

  it('"Clear finished" hides finished runs from the list, keeps them readable, and not the waiting ones', async () => {
    const busy = (
      await s.http.post('/api/runs', {
        graph: txt2imgChain({ text: 'busy while clearing', steps: 30 }).finalize(),
      })
    ).json.runId;
    const before = (await s.http.get('/api/runs')).json.items.map((i: any) => i.id);
    expect(before.length).toBeGreaterThan(3);
    const r = await s.http.post('/api/runs/clear-finished');
    expect(r.status).toBe(200);
    expect(r.json.cleared).toBe(before.length - 1);
    const after = (await s.http.get('/api/runs')).json.items.map((i: any) => i.id);
    expect(after).toEqual([busy]);
    expect((await s.http.get(`/api/runs/${before[1]}`)).status).toBe(200);
    await s.waitRun(busy, 60_000);
  });
});
