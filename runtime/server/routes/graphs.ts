/**
 * Saved workflows: GET|POST /api/graphs, GET|PUT|DELETE /api/graphs/:id (design.md §8); the
 * workflow library (issue 15 §6): GET /api/graphs?q=&sort=opened|updated|name&templates=1 (search,
 * sort by last opened, thumbnail of the latest run's image), PATCH /api/graphs/:id {name?,
 * template?} (rename, mark as template), POST /api/graphs/:id/duplicate, POST /api/graphs/:id/opened.
 */
import { Hono } from 'hono';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../../errors';
import type { Studio } from '../../studio';
import { graphApp, loadOrThrow } from '../graph-input';
import { appJsonSchema } from '../../../nodes/core/app';

const body = z.object({ name: z.string().min(1).max(256).optional(), graph: z.unknown() });
const patchBody = z
  .object({ name: z.string().trim().min(1).max(256).optional(), template: z.boolean().optional() })
  .refine((b) => b.name !== undefined || b.template !== undefined, {
    message: 'give "name" and/or "template"',
  });
const sortParam = z.enum(['opened', 'updated', 'name']).default('opened');

/** The library facts of a saved graph: last opened, template flag, thumbnail URL of its latest run's last image. */
export function libraryFacts(s: Studio, id: string) {
  const m = s.store.workflows.get(id);
  let thumbnail: string | null = null;
  if (m?.lastRunId) {
    // The run's last image output (its save, usually): outputs are listed in graph order.
    for (const n of s.store.runs.nodes(m.lastRunId).reverse()) {
      const art = Object.values(n.outputs ?? {})
        .map((a) => s.store.artifacts.get(a))
        .find((a) => a?.kind === 'image');
      if (art) {
        thumbnail = `/api/artifacts/${art.id}`;
        break;
      }
    }
  }
  return {
    lastOpenedAt: m?.lastOpenedAt ?? null,
    template: m?.template ?? false,
    lastRunId: m?.lastRunId ?? null,
    thumbnail,
  };
}

/** The saved-workflow routes above, mounted at /api/graphs; bodies are `{name?, graph}`, graphs are loaded (not run-checked) before saving. */
export function graphRoutes(s: Studio): Hono {
  const app = new Hono();
  app.get('/', (c) => {
    const limit = Math.min(Number(c.req.query('limit') ?? 50) || 50, 200);
    const q = c.req.query('q');
    const sort = c.req.query('sort');
    const templates = c.req.query('templates') === '1';
    if (q !== undefined || sort !== undefined || templates) {
      // The library view: search by name, sorted, paged by offset (`cursor` = the next offset).
      const cursor = c.req.query('cursor');
      if (cursor !== undefined && !/^\d+$/.test(cursor))
        throw new UserError('BAD_CURSOR', 'cursor is not one this API returned');
      const offset = cursor ? Number(cursor) : 0;
      const items = s.store.workflows.search({
        q: q ?? '',
        sort: sortParam.parse(sort),
        templatesOnly: templates,
        limit,
        offset,
      });
      return c.json({
        items: items.map((g) => ({
          id: g.id,
          name: g.name,
          updatedAt: g.updatedAt,
          createdAt: g.createdAt,
          ...libraryFacts(s, g.id),
        })),
        nextCursor: items.length === limit ? String(offset + limit) : null,
      });
    }
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
  app.patch('/:id', async (c) => {
    const id = c.req.param('id');
    const g = s.store.graphs.get(id);
    if (!g) throw new UserError('NOT_FOUND', `no graph ${id}`, undefined, 404);
    const b = patchBody.parse(await c.req.json());
    if (b.name !== undefined && b.name !== g.name)
      s.store.graphs.save(id, b.name, { ...(g.graph as object), name: b.name });
    if (b.template !== undefined) s.store.workflows.setTemplate(id, b.template);
    const now = s.store.graphs.get(id)!;
    return c.json({ id, name: now.name, updatedAt: now.updatedAt, ...libraryFacts(s, id) });
  });
  app.post('/:id/duplicate', (c) => {
    const g = s.store.graphs.get(c.req.param('id'));
    if (!g) throw new UserError('NOT_FOUND', `no graph ${c.req.param('id')}`, undefined, 404);
    const id = randomUUID();
    const name = `${g.name} (copy)`.slice(0, 256);
    return c.json(s.store.graphs.save(id, name, { ...(g.graph as object), id, name }), 201);
  });
  app.post('/:id/opened', (c) => {
    const id = c.req.param('id');
    if (!s.store.graphs.get(id)) throw new UserError('NOT_FOUND', `no graph ${id}`, undefined, 404);
    s.store.workflows.markOpened(id);
    return c.body(null, 204);
  });
  app.delete('/:id', (c) => {
    if (!s.store.graphs.delete(c.req.param('id')))
      throw new UserError('NOT_FOUND', `no graph ${c.req.param('id')}`, undefined, 404);
    return c.body(null, 204);
  });
  return app;
}
