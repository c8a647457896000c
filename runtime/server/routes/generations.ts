/**
 * The gallery API (design.md §8, issue 8), mounted at /api/generations:
 *
 * - `GET /` `?cursor&limit&q&tag&tagSource&model&from&to&favorite&minWidth&minHeight&maxWidth&maxHeight&collection&trash&missing&mode&window`
 *   → `{items, nextCursor, mode}` (keyset pages, newest first; `mode=semantic|hybrid` ranks by
 *   meaning, runtime/search/semantic.ts, and adds `embedding: {model, embedded, total}`)
 * - `GET /:uuid/similar` → the nearest generations by embedding ("more like this")
 * - `GET /facets` → models, top tags, counts;  `GET /jobs` → background job counts;  `POST /rescan`
 * - `GET /:uuid` → the generation with files, tags (with source), collections and lineage
 *   `{ancestors, descendants}`;  `GET /:uuid/workflow` → `{graph}`
 * - `PATCH /:uuid` `{favorite?, addTags?, removeTags?, addToCollections?, removeFromCollections?}`
 * - `DELETE /:uuid` → trash;  `POST /:uuid/restore`;  `POST /batch` `{uuids, action, …}`;
 *   `DELETE /trash` → empties the trash, removing files inside the data directory
 * - `GET /:uuid/image`, `GET /:uuid/thumb` → files through safePath + sendFile
 */
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { z } from 'zod';
import { UserError } from '../../errors';
import { safePath, isInside } from '../../fs/safe-path';
import type { Studio } from '../../studio';
import { sendFile } from './files';
import { galleryStores, type GalleryStores } from '../../store/gallery-stores';
import type { GalleryFilter } from '../../store/gallery';
import type { GalleryJobs } from '../../jobs';
import { THUMB_JOB } from '../../jobs/schedule';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const bool = z.enum(['1', '0', 'true', 'false']).transform((v) => v === '1' || v === 'true');
const int = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** A time as ms since epoch or an ISO date (`2026-05-01`, `2026-05-01T10:00:00Z`). */
const time = z.string().transform((v, ctx) => {
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) {
    ctx.addIssue({ code: 'custom', message: `not a date: ${v}` });
    return z.NEVER;
  }
  return n;
});

/** Query-string filters (all optional). Exported for the gallery UI's types and tests. */
export const listQuery = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
  q: z.string().max(500).optional(),
  tag: z.string().max(200).optional(),
  tagSource: z.enum(['user', 'llm_auto', 'import']).optional(),
  model: z.string().max(1000).optional(),
  from: time.optional(),
  to: time.optional(),
  favorite: bool.optional(),
  minWidth: int.optional(),
  minHeight: int.optional(),
  maxWidth: int.optional(),
  maxHeight: int.optional(),
  collection: int.optional(),
  trash: bool.optional(),
  missing: bool.optional(),
  /** Issue 17: `text` (FTS5), `semantic` (embeddings) or `hybrid` (both, RRF); default hybrid once an embedding model is set. */
  mode: z.enum(['text', 'semantic', 'hybrid']).optional(),
  /** Candidates per ranked list (semantic/hybrid), 1..1000, default 200. */
  window: z.coerce.number().int().min(1).max(1000).optional(),
});

/** A smart collection's saved query: the same filters minus paging. */
export const filterSchema = z
  .object({
    q: z.string().max(500).optional(),
    tag: z.string().max(200).optional(),
    tagSource: z.enum(['user', 'llm_auto', 'import']).optional(),
    model: z.string().max(1000).optional(),
    from: z.number().optional(),
    to: z.number().optional(),
    favorite: z.boolean().optional(),
    minWidth: z.number().int().optional(),
    minHeight: z.number().int().optional(),
    maxWidth: z.number().int().optional(),
    maxHeight: z.number().int().optional(),
    collection: z.number().int().optional(),
    trash: z.boolean().optional(),
  })
  .strict();

const tagNames = z.array(z.string().min(1).max(100)).max(100);
const patchBody = z
  .object({
    favorite: z.boolean().optional(),
    addTags: tagNames.optional(),
    removeTags: tagNames.optional(),
    addToCollections: z.array(z.number().int()).max(100).optional(),
    removeFromCollections: z.array(z.number().int()).max(100).optional(),
  })
  .strict();
const batchBody = z
  .object({
    uuids: z.array(z.string().regex(UUID)).min(1).max(5000),
    action: z.enum([
      'favorite',
      'unfavorite',
      'trash',
      'restore',
      'addTags',
      'removeTags',
      'addToCollection',
      'removeFromCollection',
    ]),
    tags: tagNames.optional(),
    collectionId: z.number().int().optional(),
  })
  .strict();

/** Drops undefined keys so a smart query's saved values are not overwritten by "absent". */
const defined = <T extends object>(o: T): T =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

/** The gallery routes listed above, mounted at /api/generations. */
export function generationRoutes(s: Studio): Hono {
  const app = new Hono();
  const g: GalleryStores = galleryStores(s.store.db);
  const jobs = () => s.services.galleryJobs as GalleryJobs | undefined;
  const home = s.config.paths.home;
  const roots = [home, ...s.config.watchFolders];

  const idOf = (uuid: string): number => {
    const id = UUID.test(uuid) ? g.library.idOf(uuid) : undefined;
    if (id === undefined) throw new UserError('NOT_FOUND', `no generation ${uuid}`, undefined, 404);
    return id;
  };
  const idsOf = (uuids: readonly string[]) =>
    uuids.map((u) => g.library.idOf(u)).filter((x): x is number => x !== undefined);

  const search = () => s.services.search;

  app.get('/', async (c) => {
    const { cursor, limit, mode, window, ...filters } = listQuery.parse(c.req.query());
    const f = defined(filters) as GalleryFilter;
    const se = search();
    const m = mode ?? se?.defaultMode() ?? 'text';
    if (m === 'text' || !se) {
      if (m !== 'text')
        throw new UserError(
          'EMBEDDINGS_OFF',
          `mode=${m} needs an embedding model: set "search": {"embeddingModel": "<gguf>"} in config.json`,
          undefined,
          409,
        );
      return c.json({
        ...g.queries.list(f, { cursor: cursor ?? null, limit: limit ?? 50 }),
        mode: 'text',
      });
    }
    return c.json(
      await se.search(
        f,
        m,
        { cursor: cursor ?? null, limit: limit ?? 50, ...(window ? { window } : {}) },
        c.req.raw.signal,
      ),
    );
  });

  app.get('/facets', (c) => c.json(g.library.facets()));
  app.get('/jobs', (c) =>
    c.json({ jobs: g.jobs.counts(), active: jobs()?.runner.activeCount ?? 0 }),
  );
  app.post('/rescan', (c) => {
    const j = jobs();
    if (!j)
      throw new UserError('JOBS_OFF', 'the background job runner is not running', undefined, 503);
    j.rescan();
    return c.json({ queued: true }, 202);
  });

  // Registered before DELETE /:uuid so "trash" is never read as an id.
  app.delete('/trash', (c) => {
    let removed = 0;
    let filesRemoved = 0;
    const kept: string[] = [];
    for (;;) {
      const batch = g.library.purge(Date.now(), 500);
      removed += batch.length;
      for (const p of batch.flatMap((b) => b.files)) {
        // Only files inside the data directory are ours to delete; imported originals elsewhere stay.
        const abs = path.resolve(home, p);
        if (!isInside(abs, home)) {
          kept.push(p);
          continue;
        }
        try {
          fs.rmSync(safePath(p, home), { force: true });
          filesRemoved++;
        } catch {
          /* already gone */
        }
      }
      if (batch.length < 500) break;
    }
    return c.json({ removed, filesRemoved, kept });
  });

  app.post('/batch', async (c) => {
    const b = batchBody.parse(await c.req.json());
    const ids = idsOf(b.uuids);
    const need = (v: unknown, what: string) => {
      if (v === undefined) throw new UserError('BAD_REQUEST', `action ${b.action} needs ${what}`);
    };
    let changed = 0;
    switch (b.action) {
      case 'favorite':
        changed = g.library.setFavorite(ids, true);
        break;
      case 'unfavorite':
        changed = g.library.setFavorite(ids, false);
        break;
      case 'trash':
        changed = g.library.trash(ids);
        break;
      case 'restore':
        changed = g.library.restore(ids);
        break;
      case 'addTags':
        need(b.tags, 'tags');
        changed = g.library.addTags(ids, b.tags!);
        break;
      case 'removeTags':
        need(b.tags, 'tags');
        changed = g.library.removeTags(ids, b.tags!);
        break;
      case 'addToCollection':
        need(b.collectionId, 'collectionId');
        changed = g.collections.add(b.collectionId!, ids);
        break;
      case 'removeFromCollection':
        need(b.collectionId, 'collectionId');
        changed = g.collections.remove(b.collectionId!, ids);
        break;
    }
    return c.json({ matched: ids.length, changed });
  });

  app.get('/:uuid', (c) => c.json(detail(s, g, idOf(c.req.param('uuid')))));

  /** "More like this" (issue 17): `?limit&cursor&window` plus the list filters; ranked by cosine similarity. */
  app.get('/:uuid/similar', (c) => {
    const id = idOf(c.req.param('uuid'));
    const { cursor, limit, mode: _m, window, ...filters } = listQuery.parse(c.req.query());
    const se = search();
    if (!se)
      throw new UserError(
        'EMBEDDINGS_OFF',
        'similar images need an embedding model: set "search": {"embeddingModel": "<gguf>"} in config.json',
        undefined,
        409,
      );
    return c.json(
      se.similar(id, defined(filters) as GalleryFilter, {
        cursor: cursor ?? null,
        limit: limit ?? 50,
        ...(window ? { window } : {}),
      }),
    );
  });

  app.get('/:uuid/workflow', (c) => {
    const id = idOf(c.req.param('uuid'));
    const graph = g.library.workflow(id);
    if (!graph)
      throw new UserError(
        'NO_WORKFLOW',
        'this image carries no workflow (imported without one)',
        undefined,
        404,
      );
    return c.json({ graph });
  });

  app.patch('/:uuid', async (c) => {
    const id = idOf(c.req.param('uuid'));
    const b = patchBody.parse(await c.req.json());
    s.store.db.transaction(() => {
      if (b.favorite !== undefined) g.library.setFavorite([id], b.favorite);
      if (b.addTags?.length) g.library.addTags([id], b.addTags);
      if (b.removeTags?.length) g.library.removeTags([id], b.removeTags);
      for (const col of b.addToCollections ?? []) g.collections.add(col, [id]);
      for (const col of b.removeFromCollections ?? []) g.collections.remove(col, [id]);
    })();
    return c.json(detail(s, g, id));
  });

  app.delete('/:uuid', (c) => {
    const id = idOf(c.req.param('uuid'));
    g.library.trash([id]);
    return c.json({ trashed: true });
  });

  app.post('/:uuid/restore', (c) => {
    const id = idOf(c.req.param('uuid'));
    g.library.restore([id]);
    return c.json({ restored: true });
  });

  app.get('/:uuid/image', (c) => {
    const row = s.store.generations.byUuid(c.req.param('uuid'));
    if (!row)
      throw new UserError('NOT_FOUND', `no generation ${c.req.param('uuid')}`, undefined, 404);
    // A generation's image never changes its bytes (a new image is a new generation).
    return sendFile(safePath(row.filePath, roots, { allowAbsolute: true }), true);
  });

  app.get('/:uuid/thumb', (c) => {
    const id = idOf(c.req.param('uuid'));
    const thumb = g.files.get(id, 'thumb');
    if (thumb) {
      try {
        return sendFile(safePath(thumb.path, home), true);
      } catch (err) {
        if (!(err instanceof UserError && err.code === 'NOT_FOUND')) throw err;
      }
    }
    // No thumbnail yet: queue one and serve the image itself, uncached, meanwhile.
    g.jobs.enqueue(THUMB_JOB(id));
    jobs()?.runner.kick();
    const src = g.files.source(id)!;
    return sendFile(safePath(src.filePath, roots, { allowAbsolute: true }), false);
  });

  return app;
}

/** GET /api/generations/:uuid body. */
function detail(s: Studio, g: GalleryStores, id: number) {
  const src = g.files.source(id)!;
  const row = s.store.generations.byUuid(src.uuid)!;
  const { filePath: _internalPath, ...pub } = row;
  return {
    ...pub,
    file: path.basename(row.filePath),
    files: s.store.generations
      .files(id)
      .map((f) => ({ role: f.role, bytes: f.bytes, name: path.basename(f.path) })),
    tags: g.library.tags(id).map((t) => ({
      name: t.name,
      category: t.category,
      source: t.source,
      confidence: t.confidence,
    })),
    collections: g.collections.ofGeneration(id),
    hasWorkflow: g.library.workflow(id) !== null,
    lineage: { ancestors: g.library.ancestors(id), descendants: g.library.descendants(id) },
    imageUrl: `/api/generations/${row.uuid}/image`,
    thumbUrl: `/api/generations/${row.uuid}/thumb`,
  };
}
