/**
 * Large submits are validated in the validation thread (runtime/server/validation; issue 18 #9,
 * issue 19 #3) with exactly the answers of the inline path: the same prepared graph, the same
 * GRAPH_INVALID issues, nothing written for a refused graph, and the inline path taking over when
 * the thread dies mid-request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { GraphBuilder } from '../helpers/graph-builder';
import { prepareGraph } from '../../runtime/server/graph-input';
import { OFF_THREAD_MIN_CHARS, type ThreadAnswer } from '../../runtime/server/validation/pool';
import type { UserError } from '../../runtime/errors';

/** `n` prompt nodes of ~120 characters each (runtime-side nodes: the run is quick). */
function bigGraph(n: number, label: string) {
  const g = new GraphBuilder(`offthread ${label}`);
  for (let i = 0; i < n; i++)
    g.node('prompt', { text: `${label} ${i} ${'a lighthouse at dusk, '.repeat(3)}` });
  return g.finalize();
}

describe('off-thread validation of large submits', () => {
  let s: TestStudio;
  const answers: ThreadAnswer[] = [];
  beforeAll(async () => {
    s = await startTestStudio({ stepMs: 5 });
    const pool = s.studio.services.validation!;
    expect(pool).toBeTruthy();
    const prepare = pool.prepare.bind(pool);
    pool.prepare = async (body: string) => {
      const a = await prepare(body);
      answers.push(a);
      return a;
    };
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a large valid graph: 202, the thread prepared it, the stored graph is the inline result', async () => {
    const graph = bigGraph(3_000, 'valid');
    const body = JSON.stringify({ graph });
    expect(body.length).toBeGreaterThan(OFF_THREAD_MIN_CHARS);
    answers.length = 0;
    const r = await s.http.post('/api/runs', body);
    expect(r.status, r.text.slice(0, 300)).toBe(202);
    expect(answers).toHaveLength(1);
    expect(answers[0] && 'graph' in answers[0]).toBe(true);
    const run = await s.waitRun(r.json.runId, 60_000);
    expect(run.status).toBe('completed');
    expect(s.studio.store.runs.get(r.json.runId)!.graph).toEqual(
      prepareGraph(graph, s.studio.catalog),
    );
  }, 90_000);

  it('a large invalid graph: 400 GRAPH_INVALID with the inline issues, no run written', async () => {
    const graph = bigGraph(3_000, 'invalid');
    graph.nodes[10]!.params = { text: 42 };
    graph.edges.push({
      id: 'dangling',
      source: graph.nodes[0]!.id,
      sourceHandle: 'text',
      target: 'nowhere',
      targetHandle: 'text',
    });
    let inline: UserError | undefined;
    try {
      prepareGraph(graph, s.studio.catalog);
    } catch (err) {
      inline = err as UserError;
    }
    expect(inline?.code).toBe('GRAPH_INVALID');
    const before = s.studio.store.runs.list(10_000).length;
    answers.length = 0;
    const r = await s.http.post('/api/runs', JSON.stringify({ graph }));
    expect(r.status).toBe(400);
    expect(answers[0] && 'error' in answers[0]).toBe(true);
    expect(r.json).toEqual(JSON.parse(JSON.stringify(inline!.toJSON())));
    expect(s.studio.store.runs.list(10_000).length).toBe(before);
  }, 60_000);

  it('the thread dying mid-request: the request is validated inline and accepted; the next one starts a new thread', async () => {
    const pool = s.studio.services.validation!;
    const internals = pool as unknown as { worker: { terminate(): Promise<number> } | null };
    const wrapped = pool.prepare;
    // End the thread right after the request is posted to it, before it can answer.
    pool.prepare = (body: string) => {
      const answer = wrapped(body);
      void internals.worker?.terminate();
      pool.prepare = wrapped;
      return answer;
    };
    answers.length = 0;
    const r = await s.http.post('/api/runs', JSON.stringify({ graph: bigGraph(3_000, 'dying') }));
    expect(r.status, r.text.slice(0, 300)).toBe(202);
    expect(answers).toEqual([null]); // the thread never answered: validated inline
    expect((await s.waitRun(r.json.runId, 60_000)).status).toBe('completed');
    answers.length = 0;
    const again = await s.http.post(
      '/api/runs',
      JSON.stringify({ graph: bigGraph(3_000, 'after') }),
    );
    expect(again.status, again.text.slice(0, 300)).toBe(202);
    expect(answers[0] && 'graph' in answers[0]).toBe(true);
  }, 90_000);
});
