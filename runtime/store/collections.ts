/**
 * Collections (issue 8): manual ones hold generations (`collection_items`, kept in gallery order
 * by the generation's created_at copied in); smart ones are saved gallery queries
 * (`query_json` = a {@link GalleryFilter}) evaluated on every listing.
 */
import type { Db } from './db';
import type { GalleryFilter } from './gallery';
import { UserError } from '../errors';

export interface Collection {
  id: number;
  name: string;
  kind: 'manual' | 'smart';
  query: GalleryFilter | null;
  /** Manual: item count; smart: null (it is a query). */
  items: number | null;
  createdAt: number;
  updatedAt: number;
}

interface Raw {
  id: number;
  name: string;
  kind: 'manual' | 'smart';
  query_json: string | null;
  items: number | null;
  created_at: number;
  updated_at: number;
}

const toCollection = (r: Raw): Collection => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  query: r.query_json ? (JSON.parse(r.query_json) as GalleryFilter) : null,
  items: r.kind === 'manual' ? (r.items ?? 0) : null,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const SELECT = `SELECT c.*, CASE WHEN c.kind = 'manual' THEN (SELECT count(*) FROM collection_items ci WHERE ci.collection_id = c.id) END AS items FROM collections c`;

export class CollectionStore {
  private readonly s;
  constructor(private readonly db: Db) {
    this.s = {
      list: db.prepare<[], Raw>(`${SELECT} ORDER BY c.name COLLATE NOCASE`),
      get: db.prepare<[number], Raw>(`${SELECT} WHERE c.id = ?`),
      insert: db.prepare(
        'INSERT INTO collections (name, kind, query_json, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
      ),
      update: db.prepare(
        'UPDATE collections SET name = coalesce(?, name), query_json = coalesce(?, query_json), updated_at = ? WHERE id = ?',
      ),
      del: db.prepare('DELETE FROM collections WHERE id = ?'),
      add: db.prepare(`INSERT OR IGNORE INTO collection_items (collection_id, generation_id, created_at, added_at)
        SELECT ?, g.id, g.created_at, ? FROM generations g WHERE g.id = ?`),
      remove: db.prepare(
        'DELETE FROM collection_items WHERE collection_id = ? AND generation_id = ?',
      ),
      ofGeneration: db.prepare<[number], { id: number; name: string }>(
        'SELECT c.id, c.name FROM collection_items ci JOIN collections c ON c.id = ci.collection_id WHERE ci.generation_id = ? ORDER BY c.name',
      ),
    };
  }

  list(): Collection[] {
    return this.s.list.all().map(toCollection);
  }

  get(id: number): Collection | undefined {
    const r = this.s.get.get(id);
    return r ? toCollection(r) : undefined;
  }

  /**
   * Creates a collection; a smart one needs `query`.
   * @throws UserError COLLECTION_EXISTS (409) on a duplicate name (case-insensitive); BAD_REQUEST when a smart one has no query
   */
  create(
    name: string,
    kind: 'manual' | 'smart',
    query: GalleryFilter | null = null,
    now = Date.now(),
  ): Collection {
    if (kind === 'smart' && !query)
      throw new UserError(
        'BAD_REQUEST',
        'a smart collection needs a query (the gallery filters it saves)',
      );
    try {
      const id = Number(
        this.s.insert.run(
          name.trim(),
          kind,
          kind === 'smart' ? JSON.stringify(query) : null,
          now,
          now,
        ).lastInsertRowid,
      );
      return this.get(id)!;
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new UserError(
          'COLLECTION_EXISTS',
          `a collection named “${name}” exists`,
          undefined,
          409,
        );
      throw err;
    }
  }

  /** Renames and/or replaces a smart collection's query. @throws UserError NOT_FOUND (404) */
  update(
    id: number,
    patch: { name?: string; query?: GalleryFilter },
    now = Date.now(),
  ): Collection {
    const c = this.require(id);
    if (patch.query && c.kind !== 'smart')
      throw new UserError('BAD_REQUEST', 'only a smart collection has a query');
    this.s.update.run(
      patch.name?.trim() ?? null,
      patch.query ? JSON.stringify(patch.query) : null,
      now,
      id,
    );
    return this.get(id)!;
  }

  /** Deletes the collection (never the images). Returns false when it did not exist. */
  delete(id: number): boolean {
    return this.s.del.run(id).changes > 0;
  }

  /** Adds generations to a manual collection; returns how many were new. @throws UserError NOT_FOUND, BAD_REQUEST (smart) */
  add(id: number, generationIds: readonly number[], now = Date.now()): number {
    this.requireManual(id);
    return this.db.transaction(() =>
      generationIds.reduce((n, g) => n + this.s.add.run(id, now, g).changes, 0),
    )();
  }

  remove(id: number, generationIds: readonly number[]): number {
    this.requireManual(id);
    return this.db.transaction(() =>
      generationIds.reduce((n, g) => n + this.s.remove.run(id, g).changes, 0),
    )();
  }

  /** Manual collections holding a generation. */
  ofGeneration(generationId: number): { id: number; name: string }[] {
    return this.s.ofGeneration.all(generationId);
  }

  private require(id: number): Collection {
    const c = this.get(id);
    if (!c) throw new UserError('NOT_FOUND', `no collection ${id}`, undefined, 404);
    return c;
  }

  private requireManual(id: number): Collection {
    const c = this.require(id);
    if (c.kind !== 'manual')
      throw new UserError(
        'BAD_REQUEST',
        `collection “${c.name}” is smart: its content is its query`,
      );
    return c;
  }
}
