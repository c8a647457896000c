/**
 * Library edits and look-ups over generations (issue 8): favorites, trash (soft delete, restore,
 * empty), user tags, the missing-file flag, lineage between generations (through the artifact
 * lineage of 0001) and facets for the filter panel. Batch variants take many ids and run in one
 * transaction.
 */
import type { Db } from './db';
import { attachTags, tagsForGeneration, type ImageTagRow } from './tags';
import { tagIdFor } from './gallery';
import type { Facets } from '../../wire/gallery';

/** A generation reached through lineage; `depth` = hops in the artifact graph (1 = direct input). */
export interface LineageEntry {
  id: number;
  uuid: string;
  createdAt: number;
  prompt: string | null;
  width: number | null;
  height: number | null;
  depth: number;
  deletedAt: number | null;
}

export type { Facets } from '../../wire/gallery';

/** Trashed generation rows removed by {@link LibraryStore.purge}, with their file paths. */
export interface PurgedGeneration {
  id: number;
  uuid: string;
  files: string[];
}

const LINEAGE_COLUMNS =
  'g.id, g.uuid, g.created_at AS createdAt, g.prompt, g.width, g.height, g.deleted_at AS deletedAt';

export class LibraryStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      idByUuid: db.prepare<[string], { id: number }>('SELECT id FROM generations WHERE uuid = ?'),
      favorite: db.prepare('UPDATE generations SET is_favorite = ? WHERE id = ?'),
      trash: db.prepare(
        'UPDATE generations SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL',
      ),
      restore: db.prepare(
        'UPDATE generations SET deleted_at = NULL WHERE id = ? AND deleted_at IS NOT NULL',
      ),
      untag: db.prepare('DELETE FROM image_tags WHERE generation_id = ? AND tag_id = ?'),
      setMissing: db.prepare('UPDATE generations SET missing = ? WHERE id = ? AND missing <> ?'),
      trashedBatch: db.prepare<[number, number], { id: number; uuid: string }>(
        'SELECT id, uuid FROM generations INDEXED BY gen_trash_created WHERE deleted_at IS NOT NULL AND deleted_at <= ? ORDER BY created_at DESC, id DESC LIMIT ?',
      ),
      filesOf: db.prepare<[number], { path: string }>(
        'SELECT path FROM generation_files WHERE generation_id = ?',
      ),
      finalPath: db.prepare<[number], { file_path: string }>(
        'SELECT file_path FROM generations WHERE id = ?',
      ),
      del: db.prepare('DELETE FROM generations WHERE id = ?'),
      pathUsers: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM generation_files WHERE path = ?',
      ),
      ancestors: db.prepare<[string, number], LineageEntry>(`
        WITH RECURSIVE up(aid, depth) AS (
          SELECT parent_id, 1 FROM artifact_parents WHERE artifact_id = ?
          UNION SELECT p.parent_id, up.depth + 1 FROM artifact_parents p JOIN up ON p.artifact_id = up.aid WHERE up.depth < ?
        )
        SELECT ${LINEAGE_COLUMNS}, MIN(up.depth) AS depth FROM up CROSS JOIN generations AS g INDEXED BY gen_artifact ON g.artifact_id = up.aid
        WHERE g.artifact_id IS NOT NULL GROUP BY g.id ORDER BY depth, g.id DESC`),
      descendants: db.prepare<[string, number], LineageEntry>(`
        WITH RECURSIVE down(aid, depth) AS (
          SELECT artifact_id, 1 FROM artifact_parents WHERE parent_id = ?
          UNION SELECT p.artifact_id, down.depth + 1 FROM artifact_parents p JOIN down ON p.parent_id = down.aid WHERE down.depth < ?
        )
        SELECT ${LINEAGE_COLUMNS}, MIN(down.depth) AS depth FROM down CROSS JOIN generations AS g INDEXED BY gen_artifact ON g.artifact_id = down.aid
        WHERE g.artifact_id IS NOT NULL GROUP BY g.id ORDER BY depth, g.id DESC`),
      workflow: db.prepare<[number], { workflow_json: string | null }>(
        'SELECT workflow_json FROM generations WHERE id = ?',
      ),
      artifactOf: db.prepare<[number], { artifact_id: string | null }>(
        'SELECT artifact_id FROM generations WHERE id = ?',
      ),
      facetModels: db.prepare<[], { modelId: string; count: number }>(
        'SELECT model_id AS modelId, count(*) AS count FROM generations INDEXED BY gen_model_created WHERE deleted_at IS NULL AND model_id IS NOT NULL GROUP BY model_id ORDER BY count DESC LIMIT 200',
      ),
      facetTags: db.prepare<[], { name: string; count: number }>(
        'SELECT t.name, count(*) AS count FROM gallery_tag_index x JOIN tags t ON t.id = x.tag_id GROUP BY x.tag_id ORDER BY count DESC, t.name LIMIT 200',
      ),
      counts: db.prepare<[], Facets['counts']>(`SELECT
          (SELECT count(*) FROM generations INDEXED BY gen_live_created WHERE deleted_at IS NULL) AS live,
          (SELECT count(*) FROM generations INDEXED BY gen_fav_created WHERE is_favorite = 1 AND deleted_at IS NULL) AS favorites,
          (SELECT count(*) FROM generations INDEXED BY gen_trash_created WHERE deleted_at IS NOT NULL) AS trash,
          (SELECT count(*) FROM generations INDEXED BY gen_missing WHERE missing = 1) AS missing`),
    };
  }

  /** Internal id of a generation uuid, or undefined. */
  idOf(uuid: string): number | undefined {
    return this.s.idByUuid.get(uuid)?.id;
  }

  /** Sets or clears the favorite flag of each id; returns how many rows changed. */
  setFavorite(ids: readonly number[], on: boolean): number {
    return this.many(ids, (id) => this.s.favorite.run(on ? 1 : 0, id).changes);
  }

  /** Moves to the trash (soft delete); already trashed rows keep their date. */
  trash(ids: readonly number[], now = Date.now()): number {
    return this.many(ids, (id) => this.s.trash.run(now, id).changes);
  }

  /** Takes generations out of the trash; returns how many were trashed. */
  restore(ids: readonly number[]): number {
    return this.many(ids, (id) => this.s.restore.run(id).changes);
  }

  /** Adds user tags (source 'user'; an automatic tag of the same name becomes the user's). */
  addTags(ids: readonly number[], names: readonly string[]): number {
    return this.many(
      ids,
      (id) => (
        attachTags(
          this.db,
          id,
          names.map((name) => ({ name, confidence: 1 })),
          'user',
        ),
        1
      ),
    );
  }

  /** Removes tags by name (any source); unknown names are ignored. */
  removeTags(ids: readonly number[], names: readonly string[]): number {
    const tagIds = names.map((n) => tagIdFor(this.db, n)).filter((t): t is number => t !== null);
    return this.many(ids, (id) => tagIds.reduce((n, t) => n + this.s.untag.run(id, t).changes, 0));
  }

  /** The generation's tags with their source and confidence. */
  tags(id: number): ImageTagRow[] {
    return tagsForGeneration(this.db, id);
  }

  /** Flags (or clears) a generation whose file is gone; returns true when the flag changed. */
  setMissing(id: number, missing: boolean): boolean {
    const v = missing ? 1 : 0;
    return this.s.setMissing.run(v, id, v).changes > 0;
  }

  /**
   * Deletes trashed generations (rows, tags, files rows; lineage artifacts stay) trashed at or
   * before `before`, up to `max` at a time, in one transaction. Returns the removed rows with the
   * file paths no other generation still uses — the caller deletes those files after the commit.
   */
  purge(before = Number.MAX_SAFE_INTEGER, max = 1000): PurgedGeneration[] {
    return this.db.transaction(() => {
      const rows = this.s.trashedBatch.all(before, max);
      const out: PurgedGeneration[] = [];
      for (const r of rows) {
        const paths = new Set(this.s.filesOf.all(r.id).map((f) => f.path));
        const final = this.s.finalPath.get(r.id)?.file_path;
        if (final) paths.add(final);
        this.s.del.run(r.id);
        out.push({
          id: r.id,
          uuid: r.uuid,
          files: [...paths].filter((p) => this.s.pathUsers.get(p)!.n === 0),
        });
      }
      return out;
    })();
  }

  /** Saved generations this one was made from (through any chain of nodes), nearest first. */
  ancestors(id: number, maxDepth = 64): LineageEntry[] {
    const a = this.s.artifactOf.get(id)?.artifact_id;
    return a ? this.s.ancestors.all(a, maxDepth) : [];
  }

  /** Saved generations made from this one, nearest first. */
  descendants(id: number, maxDepth = 64): LineageEntry[] {
    const a = this.s.artifactOf.get(id)?.artifact_id;
    return a ? this.s.descendants.all(a, maxDepth) : [];
  }

  /** The workflow (graph JSON) the image was made with, or null (imports without one). */
  workflow(id: number): unknown {
    const w = this.s.workflow.get(id)?.workflow_json;
    return w ? JSON.parse(w) : null;
  }

  /** Query plans of the lineage statements (tests prove they seek, never scan generations). */
  explainLineage(): string[] {
    return [this.s.ancestors, this.s.descendants].flatMap((st) =>
      this.db
        .prepare<[string, number], { detail: string }>(`EXPLAIN QUERY PLAN ${st.source}`)
        .all('x', 64)
        .map((r) => r.detail),
    );
  }

  /** Models, top tags and counts for the filter panel. */
  facets(): Facets {
    return {
      models: this.s.facetModels.all(),
      tags: this.s.facetTags.all(),
      counts: this.s.counts.get()!,
    };
  }

  private many(ids: readonly number[], fn: (id: number) => number): number {
    return this.db.transaction(() => ids.reduce((n, id) => n + fn(id), 0))();
  }
}
