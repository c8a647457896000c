-- 0050: two gallery speed fixes measured with tests/bench/gallery-bench.ts at 100 k rows.

-- ---------------------------------------------------------------------------------------------
-- Tag + favorite. The tag index had no favorite flag, so "favorites tagged cat" walked every
-- `cat` row and looked each generation up to drop the 95 % that are not favorites (1.8 ms p50,
-- 2.8–7.7 ms p95). `live_favorite` mirrors `is_favorite = 1 AND deleted_at IS NULL` of the
-- generation, kept by triggers, and a partial index holds only those rows: the page is a seek.
ALTER TABLE gallery_tag_index ADD COLUMN live_favorite INTEGER NOT NULL DEFAULT 0;
CREATE INDEX gallery_tag_fav ON gallery_tag_index(tag_id, created_at, generation_id) WHERE live_favorite = 1;

DROP TRIGGER image_tags_ai_index;
DROP TRIGGER image_tags_au_index;
CREATE TRIGGER image_tags_ai_index AFTER INSERT ON image_tags BEGIN
  INSERT OR REPLACE INTO gallery_tag_index (tag_id, created_at, generation_id, source, live_favorite)
    SELECT new.tag_id, g.created_at, new.generation_id, new.source, (g.is_favorite = 1 AND g.deleted_at IS NULL)
    FROM generations g WHERE g.id = new.generation_id;
END;
CREATE TRIGGER image_tags_au_index AFTER UPDATE ON image_tags BEGIN
  DELETE FROM gallery_tag_index WHERE generation_id = old.generation_id AND tag_id = old.tag_id;
  INSERT OR REPLACE INTO gallery_tag_index (tag_id, created_at, generation_id, source, live_favorite)
    SELECT new.tag_id, g.created_at, new.generation_id, new.source, (g.is_favorite = 1 AND g.deleted_at IS NULL)
    FROM generations g WHERE g.id = new.generation_id;
END;
-- Favoriting, trashing and restoring touch a generation's few tag rows (gallery_tag_index_gen).
CREATE TRIGGER generations_au_live_favorite AFTER UPDATE OF is_favorite, deleted_at ON generations
  WHEN (old.is_favorite = 1 AND old.deleted_at IS NULL) IS NOT (new.is_favorite = 1 AND new.deleted_at IS NULL) BEGIN
  UPDATE gallery_tag_index SET live_favorite = (new.is_favorite = 1 AND new.deleted_at IS NULL) WHERE generation_id = new.id;
END;

UPDATE gallery_tag_index SET live_favorite = 1
  WHERE generation_id IN (SELECT id FROM generations WHERE is_favorite = 1 AND deleted_at IS NULL);

-- ---------------------------------------------------------------------------------------------
-- Full-text search, rebuilt with cheaper options (same name, columns and content view, so the
-- 0020 triggers keep it in sync unchanged):
-- * prefix '1 2 3': the first letter typed is a one-character prefix query; without a 1-char
--   prefix index FTS5 merges the doclist of every term starting with it before returning a row
--   ("w" 75–92 ms, "c" 4–5 ms, "neon c" 4–7 ms at 100 k rows; 0.05–0.1 ms with it).
-- * detail=column: the gallery only runs AND-ed single-token terms (gallery.ts ftsQuery), never
--   phrases or NEAR, so token positions are dead weight; without them the index is smaller than
--   the old one even with the extra prefix index, and prefix merges of whole words read less
--   (sqlite.org/fts5.html §4.3 "The detail Option"). detail=none was measured too: smaller
--   still, but its whole-word prefix queries were 3–4× slower ("lighthouse" 2 ms vs 0.5 ms).
DROP TABLE generations_fts;
CREATE VIRTUAL TABLE generations_fts USING fts5(
  prompt, negative_prompt, tags,
  content = 'generations_fts_content', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '1 2 3',
  detail = column
);
INSERT INTO generations_fts (generations_fts) VALUES ('rebuild');
