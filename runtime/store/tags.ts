/**
 * Tags, aliases and image tags (0001_init.sql: `tags`, `tag_aliases`, `image_tags`). Plain
 * functions over a better-sqlite3 Database so callers can compose them inside their own
 * `db.transaction` (the save node attaches tags in the generation's transaction). Statements are
 * prepared once per database.
 */
import type { Database, Statement } from 'better-sqlite3';
import { normalizeTagName } from '../llm/tags';

import type { TagSource } from '../../wire/gallery';

export type { TagSource } from '../../wire/gallery';

export interface TagRow {
  id: number;
  name: string;
  normalizedName: string;
  category: string | null;
}

export interface ImageTagRow extends TagRow {
  source: TagSource;
  confidence: number | null;
}

interface Stmts {
  insertTag: Statement;
  getByNorm: Statement;
  setCategory: Statement;
  aliasTarget: Statement;
  upsertAlias: Statement;
  attach: Statement;
  forGeneration: Statement;
}

const cache = new WeakMap<Database, Stmts>();

function stmts(db: Database): Stmts {
  let s = cache.get(db);
  if (!s) {
    s = {
      insertTag: db.prepare(
        'INSERT INTO tags (name, normalized_name, category) VALUES (?, ?, ?) ON CONFLICT(normalized_name) DO NOTHING',
      ),
      getByNorm: db.prepare(
        'SELECT id, name, normalized_name AS normalizedName, category FROM tags WHERE normalized_name = ?',
      ),
      setCategory: db.prepare('UPDATE tags SET category = ? WHERE id = ? AND category IS NULL'),
      aliasTarget: db.prepare(`SELECT t.id, t.name, t.normalized_name AS normalizedName, t.category
        FROM tag_aliases a JOIN tags t ON t.id = a.tag_id WHERE a.alias = ?`),
      upsertAlias: db.prepare(
        'INSERT INTO tag_aliases (alias, tag_id) VALUES (?, ?) ON CONFLICT(alias) DO UPDATE SET tag_id = excluded.tag_id',
      ),
      // A user's tag is never downgraded to an automatic one; otherwise the highest confidence wins.
      attach:
        db.prepare(`INSERT INTO image_tags (generation_id, tag_id, source, confidence) VALUES (?, ?, ?, ?)
        ON CONFLICT(generation_id, tag_id) DO UPDATE SET
          source = CASE WHEN image_tags.source = 'user' THEN 'user' ELSE excluded.source END,
          confidence = CASE WHEN image_tags.source = 'user' AND excluded.source <> 'user' THEN image_tags.confidence
                            ELSE max(coalesce(image_tags.confidence, 0), coalesce(excluded.confidence, 0)) END`),
      forGeneration:
        db.prepare(`SELECT t.id, t.name, t.normalized_name AS normalizedName, t.category, it.source, it.confidence
        FROM image_tags it JOIN tags t ON t.id = it.tag_id WHERE it.generation_id = ? ORDER BY it.confidence DESC, t.normalized_name`),
    };
    cache.set(db, s);
  }
  return s;
}

/**
 * Returns the tag for `name` (normalized first; an alias resolves to its target), creating it
 * when new. A known tag without a category takes `category`.
 * @throws Error when the name normalizes to nothing
 */
export function upsertTag(db: Database, name: string, category: string | null = null): TagRow {
  const norm = normalizeTagName(name);
  if (!norm) throw new Error(`tag "${name}" has no letters or digits`);
  const s = stmts(db);
  const aliased = s.aliasTarget.get(norm) as TagRow | undefined;
  if (aliased) return aliased;
  s.insertTag.run(norm, norm, category);
  const row = s.getByNorm.get(norm) as TagRow;
  if (category && row.category === null) {
    s.setCategory.run(category, row.id);
    row.category = category;
  }
  return row;
}

/** Maps `alias` (normalized) to the tag named `target` (created if needed). */
export function addAlias(
  db: Database,
  alias: string,
  target: string,
  category: string | null = null,
): void {
  const a = normalizeTagName(alias);
  const t = normalizeTagName(target);
  if (!a || !t || a === t) return;
  const tag = upsertTag(db, t, category);
  stmts(db).upsertAlias.run(a, tag.id);
}

/** The tag an already-normalized alias points to, if any. */
export function resolveAlias(db: Database, normalized: string): TagRow | undefined {
  return stmts(db).aliasTarget.get(normalized) as TagRow | undefined;
}

/**
 * Attaches tags to a generation. Names are normalized and alias-mapped here too, so callers may
 * pass raw names. Run it inside the caller's `db.transaction` to make it atomic with the
 * generation row; it opens none itself.
 * @param tags each with its own confidence (0..1) and category
 */
export function attachTags(
  db: Database,
  generationId: number,
  tags: readonly { name: string; category?: string | null; confidence?: number | null }[],
  source: TagSource,
): void {
  const s = stmts(db);
  for (const t of tags) {
    if (!normalizeTagName(t.name)) continue;
    const tag = upsertTag(db, t.name, t.category ?? null);
    const c = t.confidence ?? null;
    s.attach.run(generationId, tag.id, source, c === null ? null : Math.min(1, Math.max(0, c)));
  }
}

/** Tags of one generation, highest confidence first. */
export function tagsForGeneration(db: Database, generationId: number): ImageTagRow[] {
  return stmts(db).forGeneration.all(generationId) as ImageTagRow[];
}
