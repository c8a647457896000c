/**
 * The user-editable tag taxonomy (issue 17 §6): list with counts, rename, merge, delete,
 * recategorize. Every edit is one transaction; the 0020 triggers keep the gallery's tag index and
 * the FTS tag text in step when image_tags rows move or go. Renaming and merging record the old
 * normalized name as an alias of the kept tag, so later LLM output (normalizeTags → resolveAlias)
 * and user-typed filters land on the kept tag.
 */
import type { Db } from './db';
import { normalizeTagName } from '../llm/tags';
import { UserError } from '../errors';

export interface TaxonomyTag {
  id: number;
  name: string;
  category: string | null;
  /** Images carrying the tag (any source, trashed included). */
  count: number;
  /** Normalized names that resolve to this tag. */
  aliases: string[];
}

interface RawTag {
  id: number;
  name: string;
  normalized_name: string;
  category: string | null;
}

export class TaxonomyStore {
  private readonly s;
  constructor(private readonly db: Db) {
    this.s = {
      list: db.prepare<
        { q: string | null; limit: number },
        { id: number; name: string; category: string | null; count: number; aliases: string | null }
      >(
        `SELECT t.id, t.name, t.category, (SELECT count(*) FROM image_tags it WHERE it.tag_id = t.id) AS count,
           (SELECT group_concat(a.alias, char(31)) FROM tag_aliases a WHERE a.tag_id = t.id) AS aliases
         FROM tags t WHERE @q IS NULL OR t.normalized_name LIKE @q ESCAPE '\\'
         ORDER BY count DESC, t.normalized_name LIMIT @limit`,
      ),
      get: db.prepare<[number], RawTag>(
        'SELECT id, name, normalized_name, category FROM tags WHERE id = ?',
      ),
      byNorm: db.prepare<[string], RawTag>(
        'SELECT id, name, normalized_name, category FROM tags WHERE normalized_name = ?',
      ),
      rename: db.prepare('UPDATE tags SET name = ?, normalized_name = ? WHERE id = ?'),
      category: db.prepare('UPDATE tags SET category = ? WHERE id = ?'),
      alias: db.prepare(
        'INSERT INTO tag_aliases (alias, tag_id) VALUES (?, ?) ON CONFLICT(alias) DO UPDATE SET tag_id = excluded.tag_id',
      ),
      dropAlias: db.prepare('DELETE FROM tag_aliases WHERE alias = ?'),
      moveAliases: db.prepare('UPDATE tag_aliases SET tag_id = ? WHERE tag_id = ?'),
      // The kept tag takes each image; a user's tag stays a user's tag, the higher confidence wins.
      moveImages: db.prepare(`INSERT INTO image_tags (generation_id, tag_id, source, confidence)
          SELECT generation_id, @into, source, confidence FROM image_tags WHERE tag_id = @from
        ON CONFLICT(generation_id, tag_id) DO UPDATE SET
          source = CASE WHEN image_tags.source = 'user' OR excluded.source = 'user' THEN 'user' ELSE image_tags.source END,
          confidence = max(coalesce(image_tags.confidence, 0), coalesce(excluded.confidence, 0))`),
      deleteTag: db.prepare('DELETE FROM tags WHERE id = ?'),
      // FTS tag text is a join on tag names; a rename must rewrite it (the triggers fire on image_tags only).
      refreshText:
        db.prepare(`UPDATE generation_tag_text SET tags = coalesce((SELECT group_concat(t.name, ' ') FROM image_tags it JOIN tags t ON t.id = it.tag_id
          WHERE it.generation_id = generation_tag_text.generation_id), '')
        WHERE generation_id IN (SELECT generation_id FROM image_tags WHERE tag_id = ?)`),
    };
  }

  /** Tags by use (most used first), optionally filtered by a name prefix. @param limit 1..5000 */
  list(o: { q?: string; limit?: number } = {}): TaxonomyTag[] {
    const norm = o.q ? normalizeTagName(o.q) : '';
    const q = norm ? `${norm.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    return this.s.list.all({ q, limit: Math.min(5000, Math.max(1, o.limit ?? 500)) }).map((r) => ({
      id: r.id,
      name: r.name,
      category: r.category,
      count: r.count,
      aliases: r.aliases ? r.aliases.split('\u001f').sort() : [],
    }));
  }

  /** @throws UserError NOT_FOUND (404) */
  get(id: number): TaxonomyTag {
    const t = this.s.get.get(id);
    if (!t) throw new UserError('NOT_FOUND', `no tag ${id}`, undefined, 404);
    return this.list({ q: t.normalized_name, limit: 5000 }).find((x) => x.id === id)!;
  }

  /**
   * Renames a tag; the old name becomes an alias of it.
   * @throws UserError BAD_REQUEST (no letters/digits), TAG_EXISTS (409: another tag has that name — merge instead), NOT_FOUND
   */
  rename(id: number, name: string): TaxonomyTag {
    const norm = normalizeTagName(name);
    if (!norm) throw new UserError('BAD_REQUEST', `tag name "${name}" has no letters or digits`);
    this.db.transaction(() => {
      const t = this.s.get.get(id);
      if (!t) throw new UserError('NOT_FOUND', `no tag ${id}`, undefined, 404);
      const other = this.s.byNorm.get(norm);
      if (other && other.id !== id)
        throw new UserError(
          'TAG_EXISTS',
          `a tag "${other.name}" already exists: merge "${t.name}" into it instead`,
          { id: other.id },
          409,
        );
      this.s.rename.run(norm, norm, id);
      this.s.dropAlias.run(norm);
      if (t.normalized_name !== norm) this.s.alias.run(t.normalized_name, id);
      this.s.refreshText.run(id);
    })();
    return this.get(id);
  }

  /** Sets a tag's category (null clears it); the caller checks it against the taxonomy. */
  recategorize(id: number, category: string | null): TaxonomyTag {
    if (this.s.category.run(category, id).changes === 0)
      throw new UserError('NOT_FOUND', `no tag ${id}`, undefined, 404);
    return this.get(id);
  }

  /**
   * Merges tags `from` into `into`: their images get `into`, their names and aliases resolve to it
   * from now on, and they are deleted.
   * @returns the kept tag and how many image tags were re-labelled
   * @throws UserError NOT_FOUND; BAD_REQUEST when `into` is among `from`
   */
  merge(from: readonly number[], into: number): { tag: TaxonomyTag; relabelled: number } {
    if (from.includes(into))
      throw new UserError('BAD_REQUEST', 'a tag cannot be merged into itself');
    let relabelled = 0;
    this.db.transaction(() => {
      if (!this.s.get.get(into)) throw new UserError('NOT_FOUND', `no tag ${into}`, undefined, 404);
      for (const id of from) {
        const t = this.s.get.get(id);
        if (!t) throw new UserError('NOT_FOUND', `no tag ${id}`, undefined, 404);
        relabelled += this.s.moveImages.run({ from: id, into }).changes;
        this.s.moveAliases.run(into, id);
        this.s.deleteTag.run(id); // cascades its image_tags; the 0020 triggers fix index and FTS text
        this.s.alias.run(t.normalized_name, into);
      }
    })();
    return { tag: this.get(into), relabelled };
  }

  /** Deletes a tag from every image (its aliases go with it). @throws UserError NOT_FOUND */
  delete(id: number): void {
    if (this.s.deleteTag.run(id).changes === 0)
      throw new UserError('NOT_FOUND', `no tag ${id}`, undefined, 404);
  }
}
