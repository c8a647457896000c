/**
 * Runs: POST /api/runs, GET /api/runs[?cursor=], GET /api/runs/:id, POST /api/runs/:id/cancel,
 * POST /api/runs/:id/rerun (design.md §8, §10 for the GET shape); POST /api/runs/:id/resume and
 * POST /api/runs/:id/move (issue 15: the queue panel).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { UserError } from '../../errors';
import type {
  CancelResponse,
  MoveResponse,
  RerunResponse,
  ResumeResponse,
  RunStartResponse,
} from '../../../wire/api';
import type { Studio } from '../../studio';
import { appOverrides, checkModelRefs, prepareGraph } from '../graph-input';
import { OFF_THREAD_MIN_CHARS } from '../validation/pool';

const submitBody = z
  .object({
    graph: z.unknown().optional(),
    graphId: z.string().optional(),
    overrides: z.record(z.string(), z.unknown()).optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => b.graph !== undefined || b.graphId !== undefined, {
    message: 'give "graph" or "graphId"',
  });

/** The public run shape (design.md §10). */
export function runView(s: Studio, id: string) {
  const run = s.store.runs.get(id);
  if (!run) throw new UserError('NOT_FOUND', `no run ${id}`, undefined, 404);
  const nodes: Record<string, unknown> = {};
  const outputs: {
    nodeId: string;
    port: string;
    artifactId: string;
    kind: string;
    path?: string;
    text?: string;
    url?: string;
    info?: unknown;
  }[] = [];
  for (const n of s.store.runs.nodes(id)) {
    nodes[n.nodeId] = {
      type: n.type,
      status: n.status,
      startedAt: n.startedAt,
      finishedAt: n.finishedAt,
      ms: n.startedAt && n.finishedAt ? n.finishedAt - n.startedAt : null,
      cached: n.status === 'cached',
      ...(n.error ? { error: n.error } : {}),
      params: n.params,
      outputs: n.outputs ?? {},
    };
    for (const [port, artifactId] of Object.entries(n.outputs ?? {})) {
      const a = s.store.artifacts.get(artifactId);
      if (!a) continue;
      outputs.push({
        nodeId: n.nodeId,
        port,
        artifactId,
        kind: a.kind,
        ...(a.path ? { path: a.path, url: `/api/artifacts/${a.id}` } : {}),
        ...(a.kind === 'text' ? { text: String(a.value?.text ?? '') } : {}),
        // An image's info (save: generationUuid, file, seed) as node.completed carries it.
        ...(a.kind === 'image' && a.value?.info ? { info: a.value.info } : {}),
      });
    }
  }
  return {
    id: run.id,
    status: run.status,
    ...(run.error ? { error: run.error } : {}),
    graphId: run.graphId,
    rerunOf: run.rerunOf,
    resumeOf: s.store.queue.resumeOf(run.id),
    resumedBy: s.store.queue.resumedBy(run.id),
    currentNode: run.currentNode,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    nodes,
    outputs,
    graph: run.graph,
  };
}

/** The run routes above, mounted at /api/runs. A submit answers 202 `{runId, status}` once the graph passed validation and model checks (400 GRAPH_INVALID otherwise). */
export function runRoutes(s: Studio): Hono {
  const app = new Hono();
  app.post('/', async (c) => {
    // A large inline graph is parsed and validated in the validation thread (issue 18 #9): the
    // event loop keeps answering meanwhile. Anything the thread does not settle is handled here.
    const text = await c.req.text();
    if (s.services.validation && text.length >= OFF_THREAD_MIN_CHARS) {
      const answer = await s.services.validation.prepare(text);
      if (answer && 'error' in answer) throw answer.error;
      if (answer) {
        checkModelRefs(answer.graph, s.catalog, s.models.resolve);
        const run = s.queue.submit(answer.graph, { graphId: answer.graphId, validated: true });
        return c.json({ runId: run.id, status: run.status } satisfies RunStartResponse, 202);
      }
    }
    const b = submitBody.parse(await c.req.json());
    let input = b.graph;
    if (input === undefined) {
      const saved = s.store.graphs.get(b.graphId!);
      if (!saved) throw new UserError('NOT_FOUND', `no saved graph ${b.graphId}`, undefined, 404);
      input = saved.graph;
    }
    // App field names (issue 20) resolve to node params first; explicit node-param overrides win.
    const fromApp =
      b.inputs && Object.keys(b.inputs).length
        ? appOverrides(input, s.catalog, b.inputs)
        : undefined;
    const graph = prepareGraph(
      input,
      s.catalog,
      fromApp ? { ...fromApp, ...b.overrides } : b.overrides,
    );
    checkModelRefs(graph, s.catalog, s.models.resolve);
    const run = s.queue.submit(graph, { graphId: b.graphId ?? null, validated: true });
    return c.json({ runId: run.id, status: run.status } satisfies RunStartResponse, 202);
  });
  app.get('/', (c) => {
    const limit = Math.min(Number(c.req.query('limit') ?? 50) || 50, 200);
    const cursor = c.req.query('cursor');
    if (cursor !== undefined && !/^\d+$/.test(cursor))
      throw new UserError('BAD_CURSOR', 'cursor is not one this API returned');
    const runs = s.store.runs.list(limit, cursor ? Number(cursor) : undefined);
    // Runs hidden by "Clear finished" (issue 15) are left out; the cursor still pages on seq.
    const cleared = s.store.queue.clearedAmong(runs.map((r) => r.id));
    return c.json({
      items: runs
        .filter((r) => !cleared.has(r.id))
        .map((r) => ({
          id: r.id,
          status: r.status,
          createdAt: r.createdAt,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          name: (r.graph as { name?: string }).name ?? null,
          ...(r.error ? { error: r.error } : {}),
          resumeOf: s.store.queue.resumeOf(r.id),
          resumedBy: s.store.queue.resumedBy(r.id),
        })),
      nextCursor: runs.length === limit ? String(runs.at(-1)!.seq) : null,
      queue: s.queue.snapshot(),
    });
  });
  app.post('/clear-finished', (c) => c.json({ cleared: s.store.queue.clearFinished() }));
  app.get('/:id', (c) => c.json(runView(s, c.req.param('id'))));
  app.get('/:id/events', (c) =>
    c.json({ events: s.store.events.forRun(c.req.param('id')).map((e) => e.payload) }),
  );
  app.post('/:id/cancel', (c) => {
    const id = c.req.param('id');
    const cancelled = s.queue.cancel(id);
    return c.json(
      { runId: id, cancelled, status: s.store.runs.get(id)!.status } satisfies CancelResponse,
      cancelled ? 202 : 409,
    );
  });
  app.post('/:id/rerun', (c) => {
    const run = s.queue.rerun(c.req.param('id'));
    return c.json(
      { runId: run.id, status: run.status, rerunOf: c.req.param('id') } satisfies RerunResponse,
      202,
    );
  });
  app.post('/:id/resume', (c) => {
    const run = s.queue.resume(c.req.param('id'));
    return c.json(
      { runId: run.id, status: run.status, resumeOf: c.req.param('id') } satisfies ResumeResponse,
      202,
    );
  });
  app.post('/:id/move', async (c) => {
    const b = moveBody.parse(await c.req.json());
    return c.json({ queued: s.queue.move(c.req.param('id'), b.to) } satisfies MoveResponse);
  });
  return app;
}

const moveBody = z.object({ to: z.enum(['up', 'down', 'top', 'bottom']) });
