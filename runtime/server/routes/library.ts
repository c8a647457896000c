/**
 * Collections (`/api/collections`) and prompt templates (`/api/prompt-templates`), issue 8.
 *
 * - `GET /api/collections` → `{collections}`; `POST` `{name, kind: 'manual'|'smart', query?}`;
 *   `PATCH /:id` `{name?, query?}`; `DELETE /:id` (the images stay);
 *   `POST /:id/items` / `DELETE /:id/items` `{uuids}` (manual collections)
 * - `GET /api/prompt-templates` → `{templates}`; `POST` `{name, category?, prompt, negativePrompt?}`;
 *   `PUT /:id`; `DELETE /:id`; `POST /:id/apply` `{text, negative?}` → `{prompt, negativePrompt}`
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { UserError } from '../../errors';
import type { Studio } from '../../studio';
import { galleryStores } from '../../store/gallery-stores';
import { applyTemplate } from '../../store/prompt-templates';
import { filterSchema } from './generations';

const idParam = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new UserError('NOT_FOUND', `no such id ${v}`, undefined, 404);
  return n;
};

const collectionBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(['manual', 'smart']).default('manual'),
    query: filterSchema.optional(),
  })
  .strict();
const collectionPatch = z
  .object({ name: z.string().trim().min(1).max(200).optional(), query: filterSchema.optional() })
  .strict();
const itemsBody = z.object({ uuids: z.array(z.string().max(64)).min(1).max(5000) }).strict();
const templateBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    category: z.string().max(100).nullable().optional(),
    prompt: z.string().max(20_000),
    negativePrompt: z.string().max(20_000).nullable().optional(),
  })
  .strict();

/** The `/api/collections` routes listed above. */
export function collectionRoutes(s: Studio): Hono {
  const app = new Hono();
  const g = galleryStores(s.store.db);
  const need = (id: number) => {
    const c = g.collections.get(id);
    if (!c) throw new UserError('NOT_FOUND', `no collection ${id}`, undefined, 404);
    return c;
  };
  const ids = (uuids: string[]) =>
    uuids.map((u) => g.library.idOf(u)).filter((x): x is number => x !== undefined);

  app.get('/', (c) => c.json({ collections: g.collections.list() }));
  app.post('/', async (c) => {
    const b = collectionBody.parse(await c.req.json());
    return c.json(g.collections.create(b.name, b.kind, b.query ?? null), 201);
  });
  app.get('/:id', (c) => c.json(need(idParam(c.req.param('id')))));
  app.patch('/:id', async (c) =>
    c.json(
      g.collections.update(idParam(c.req.param('id')), collectionPatch.parse(await c.req.json())),
    ),
  );
  app.delete('/:id', (c) => {
    if (!g.collections.delete(idParam(c.req.param('id'))))
      throw new UserError('NOT_FOUND', `no collection ${c.req.param('id')}`, undefined, 404);
    return c.json({ deleted: true });
  });
  app.post('/:id/items', async (c) =>
    c.json({
      added: g.collections.add(
        idParam(c.req.param('id')),
        ids(itemsBody.parse(await c.req.json()).uuids),
      ),
    }),
  );
  app.delete('/:id/items', async (c) =>
    c.json({
      removed: g.collections.remove(
        idParam(c.req.param('id')),
        ids(itemsBody.parse(await c.req.json()).uuids),
      ),
    }),
  );
  return app;
}

/** The `/api/prompt-templates` routes listed above. */
export function promptTemplateRoutes(s: Studio): Hono {
  const app = new Hono();
  const t = galleryStores(s.store.db).templates;
  const need = (id: number) => {
    const x = t.get(id);
    if (!x) throw new UserError('NOT_FOUND', `no prompt template ${id}`, undefined, 404);
    return x;
  };
  app.get('/', (c) => c.json({ templates: t.list() }));
  app.post('/', async (c) => c.json(t.create(templateBody.parse(await c.req.json())), 201));
  app.get('/:id', (c) => c.json(need(idParam(c.req.param('id')))));
  app.put('/:id', async (c) =>
    c.json(t.update(idParam(c.req.param('id')), templateBody.partial().parse(await c.req.json()))),
  );
  app.delete('/:id', (c) => {
    if (!t.delete(idParam(c.req.param('id'))))
      throw new UserError('NOT_FOUND', `no prompt template ${c.req.param('id')}`, undefined, 404);
    return c.json({ deleted: true });
  });
  app.post('/:id/apply', async (c) => {
    const b = z
      .object({ text: z.string().max(20_000), negative: z.string().max(20_000).optional() })
      .parse(await c.req.json());
    return c.json(applyTemplate(need(idParam(c.req.param('id'))), b.text, b.negative ?? ''));
  });
  return app;
}
