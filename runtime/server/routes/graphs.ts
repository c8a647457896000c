/** Saved workflows: GET|POST /api/graphs, GET|PUT|DELETE /api/graphs/:id (design.md §8). */
import { Hono } from 'hono';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../../errors';
import type { Studio } from '../../studio';
import { graphApp, loadOrThrow } from '../graph-input';
import { appJsonSchema } from '../../../nodes/core/app';

const body = z.object({ name: z.string().min(1).max(256).optional(), graph: z.unknown() });

/** The saved-workflow routes above, mounted at /api/graphs; bodies are `{name?, graph}`, graphs are loaded (not run-checked) before saving. */
export function graphRoutes(s: Studio): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const limit = Math.min(Number(c.req.query('limit') ?? 50) || 50, 200);
    const cursor = c.req.query('cursor');
    let after: { updatedAt: number; id: string } | undefined;
    if (cursor) {
      const [t, id] = cursor.split('_');
      if (!t || !id || !Number.isFinite(Number(t)))
        throw new UserError('BAD_CURSOR', 'cursor is not one this API returned');
      after = { updatedAt: Number(t), id };
    }
    const items = s.store.graphs.list(limit, after);
    const last = items.at(-1);
    return c.json({
      items: items.map((g) => ({
        id: g.id,
        name: g.name,
        updatedAt: g.updatedAt,
        createdAt: g.createdAt,
        nodes: (g.graph as { nodes?: unknown[] }).nodes?.length ?? 0,
      })),
      nextCursor: items.length === limit && last ? `${last.updatedAt}_${last.id}` : null,
    });
  });
  app.post('/', async (c) => {
    const b = body.parse(await c.req.json());
    const graph = loadOrThrow(b.graph, s.catalog);
    const id = graph.id && !s.store.graphs.get(graph.id) ? graph.id : randomUUID();
    const name = b.name ?? graph.name;
    const saved = s.store.graphs.save(id, name, { ...graph, id, name });
    return c.json(saved, 201);
  });
  app.get('/:id', (c) => {
    const g = s.store.graphs.get(c.req.param('id'));
    if (!g) throw new UserError('NOT_FOUND', `no graph ${c.req.param('id')}`, undefined, 404);
    return c.json(g);
  });
  // The App-mode form as JSON Schema (issue 20): the names POST /api/runs `inputs` accepts.
  app.get('/:id/app', (c) => {
    const g = s.store.graphs.get(c.req.param('id'));
    if (!g) throw new UserError('NOT_FOUND', `no graph ${c.req.param('id')}`, undefined, 404);
    const graph = loadOrThrow(g.graph, s.catalog);
    return c.json(appJsonSchema(graph, graphApp(graph, s.catalog)));
  });
  app.put('/:id', async (c) => {
    const id = c.req.param('id');
    const b = body.parse(await c.req.json());
    const graph = loadOrThrow(b.graph, s.catalog);
    const name = b.name ?? graph.name;
    return c.json(s.store.graphs.save(id, name, { ...graph, id, name }));
  });
  app.delete('/:id', (c) => {
    if (!s.store.graphs.delete(c.req.param('id')))
      throw new UserError('NOT_FOUND', `no graph ${c.req.param('id')}`, undefined, 404);
    return c.body(null, 204);
  });
  return app;
}
