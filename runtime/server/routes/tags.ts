/**
 * The tag taxonomy API (issue 17 §6), mounted at /api/tags (runtime/store/taxonomy.ts):
 * - `GET /` `?q&limit` → `{tags: [{id, name, category, count, aliases}], categories}`
 * - `PATCH /:id` `{name?, category?}` → the tag (rename records the old name as an alias;
 *   409 TAG_EXISTS when the new name is taken — merge instead)
 * - `POST /merge` `{from: number[], into: number}` → `{tag, relabelled}`
 * - `DELETE /:id` → `{deleted: true}`
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { Studio } from '../../studio';
import { TaxonomyStore } from '../../store/taxonomy';
import { mergeLlmConfig } from '../../llm/defaults';
import { UserError } from '../../errors';

const id = z.coerce.number().int().min(1);
const patchBody = z
  .object({
    name: z.string().min(1).max(100).optional(),
    category: z.string().max(64).nullable().optional(),
  })
  .strict();
const mergeBody = z
  .object({
    from: z.array(z.number().int().min(1)).min(1).max(1000),
    into: z.number().int().min(1),
  })
  .strict();

export function tagRoutes(s: Studio): Hono {
  const app = new Hono();
  const tax = new TaxonomyStore(s.store.db);
  const categories = () => mergeLlmConfig(s.config.llm).taxonomy;

  app.get('/', (c) => {
    const q = z
      .object({
        q: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(5000).optional(),
      })
      .parse(c.req.query());
    return c.json({
      tags: tax.list({ ...(q.q ? { q: q.q } : {}), ...(q.limit ? { limit: q.limit } : {}) }),
      categories: categories(),
    });
  });

  app.patch('/:id', async (c) => {
    const tagId = id.parse(c.req.param('id'));
    const b = patchBody.parse(await c.req.json());
    if (b.category !== undefined && b.category !== null && !categories().includes(b.category)) {
      throw new UserError(
        'BAD_REQUEST',
        `category "${b.category}" is not in the taxonomy (${categories().join(', ')})`,
      );
    }
    let tag = tax.get(tagId);
    if (b.name !== undefined) tag = tax.rename(tagId, b.name);
    if (b.category !== undefined) tag = tax.recategorize(tagId, b.category);
    return c.json(tag);
  });

  app.post('/merge', async (c) => {
    const b = mergeBody.parse(await c.req.json());
    return c.json(tax.merge([...new Set(b.from)], b.into));
  });

  app.delete('/:id', (c) => {
    tax.delete(id.parse(c.req.param('id')));
    return c.json({ deleted: true });
  });
  return app;
}
