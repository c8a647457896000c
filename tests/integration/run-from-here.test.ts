/**
 * "Run from here" on a real studio (issue 15 §4): POST /api/runs `force` executes the named nodes
 * and everything downstream even when the cache holds their outputs; upstream nodes still come
 * from the cache. "Run to here" is the editor sending the node and its ancestors only
 * (editor/src/queue/run-scope.ts): the cut graph reuses the full graph's cache entries.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';
import { ancestorsDoc } from '../../editor/src/queue/run-scope';

describe('run from here / run to here', () => {
  let s: TestStudio;
  beforeAll(async () => {
    s = await startTestStudio();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('force re-executes the node and its descendants; ancestors stay cached', async () => {
    const g = txt2imgChain({ text: 'run from here' }).finalize();
    const r1 = await s.run(g);
    expect(r1.ran()).toEqual(['gen', 'prompt', 'save', 'up']);
    const sub = await s.http.post('/api/runs', { graph: g, force: ['up'] });
    expect(sub.status).toBe(202);
    const r2 = await s.waitRun(sub.json.runId);
    expect(r2.status).toBe('completed');
    expect(r2.cached()).toEqual(['gen', 'prompt']);
    expect(r2.ran()).toEqual(['save', 'up']);
    expect(r2.view.nodes.up.outputs.image).not.toBe(r1.view.nodes.up.outputs.image);
    // Without force the same graph is all cache.
    expect((await s.run(g)).ran()).toEqual([]);
    const bad = await s.http.post('/api/runs', { graph: g, force: ['nope'] });
    expect(bad.status).toBe(400);
  });

  it("run to here: the node and its ancestors only, served from the full graph's cache", async () => {
    const b = txt2imgChain({ text: 'run to here' });
    b.node('prompt', { text: 'unrelated branch' }, {}, 'other');
    const full = b.finalize();
    const cut = ancestorsDoc(full as never, ['gen']);
    expect(cut.nodes.map((n) => n.id)).toEqual(['prompt', 'gen']);
    const r1 = await s.run(cut as never);
    expect(r1.ran()).toEqual(['gen', 'prompt']);
    const r2 = await s.run(full);
    expect(r2.cached()).toEqual(['gen', 'prompt']);
    expect(r2.ran()).toEqual(['other', 'save', 'up']);
  });
});
