/**
 * The output cache over HTTP on a real studio (real SQLite, real sd worker + sd.cpp stand-in),
 * asserted the way ComfyUI's test_execution.py does: exactly which nodes ran and which were cached.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';
import { makeTempHome, type TempHome } from '../helpers/temp-home';

const ALL = ['gen', 'prompt', 'save', 'up'];

describe('output cache', () => {
  let home: TempHome;
  let s: TestStudio;

  beforeAll(async () => {
    home = makeTempHome();
    s = await startTestStudio({ home });
  });
  afterAll(async () => {
    await s?.close();
    home?.cleanup();
  });

  it('runs every node the first time and none the second time (all node.cached)', async () => {
    const g = txt2imgChain({ text: 'full cache' }).finalize();
    const r1 = await s.run(g);
    expect(r1.status).toBe('completed');
    expect(r1.ran()).toEqual(ALL);
    expect(r1.cached()).toEqual([]);

    const r2 = await s.run(g);
    expect(r2.status).toBe('completed');
    for (const id of ALL)
      expect(r2.didRun(id), `node ${id} ran, but should have been cached`).toBe(false);
    expect(r2.cached()).toEqual(ALL);
    // Cached outputs are the very same artifacts.
    expect(r2.view.nodes.save.outputs).toEqual(r1.view.nodes.save.outputs);
    expect(Object.values(r2.view.nodes).every((n: any) => n.cached)).toBe(true);
  });

  it('changing one downstream param re-executes exactly that node and its descendants', async () => {
    const b = txt2imgChain({ text: 'partial cache' });
    const r1 = await s.run(b.finalize());
    expect(r1.ran()).toEqual(ALL);

    b.set('up', { scale: 3 });
    const r2 = await s.run(b.finalize());
    expect(r2.status).toBe('completed');
    expect(r2.ran()).toEqual(['save', 'up']);
    expect(r2.cached()).toEqual(['gen', 'prompt']);
    expect(r2.view.nodes.up.outputs.image).not.toBe(r1.view.nodes.up.outputs.image);

    // Changing the prompt text invalidates everything downstream of it.
    b.set('prompt', { text: 'partial cache, changed' });
    const r3 = await s.run(b.finalize());
    expect(r3.ran()).toEqual(ALL);
  });

  it('resolves seed "random", records it, and a rerun reuses the cached outputs', async () => {
    const g = txt2imgChain({ text: 'random seed', seed: 'random' }).finalize();
    const r1 = await s.run(g);
    expect(r1.status).toBe('completed');
    const seed = r1.view.nodes.gen.params.seed;
    // Random seeds are exact decimal strings 0 … 2^63−1 (nodes/core/seed.ts).
    expect(seed).toMatch(/^(0|[1-9][0-9]{0,18})$/);
    expect(BigInt(seed) < 2n ** 63n).toBe(true);

    const rr = await s.http.post(`/api/runs/${r1.id}/rerun`);
    expect(rr.status).toBe(202);
    expect(rr.json.rerunOf).toBe(r1.id);
    const r2 = await s.waitRun(rr.json.runId);
    expect(r2.status).toBe('completed');
    expect(r2.ran()).toEqual([]);
    expect(r2.cached()).toEqual(ALL);
    expect(r2.view.nodes.gen.params.seed).toBe(seed);
    expect(r2.view.rerunOf).toBe(r1.id);

    // Submitting the same graph again (still "random") draws a new seed, so gen runs again.
    const r3 = await s.run(g);
    expect(r3.didRun('gen')).toBe(true);
    expect(r3.view.nodes.gen.params.seed).not.toBe(seed);
  });

  it('still hits the cache after a restart on the same MYSTI_HOME', async () => {
    const g = txt2imgChain({ text: 'survives restart' }).finalize();
    const r1 = await s.run(g);
    expect(r1.ran()).toEqual(ALL);
    await s.close();
    s = await startTestStudio({ home });
    const r2 = await s.run(g);
    expect(r2.status).toBe('completed');
    expect(r2.ran()).toEqual([]);
    expect(r2.cached()).toEqual(ALL);
  });
});
