-- 0070: semantic search (issue 17). Vectors live in this same database: the float vectors (for
-- exact re-scoring and "similar images") in `generation_embeddings`, and a binary-quantized copy
-- in one sqlite-vec `vec0` table per embedding space, `vec_space_<id>` (created at run time by
-- runtime/store/vectors.ts, because its dimension is only known once the model has answered).
--
-- An embedding space is one embedding model (registry id + file identity). Vectors of two
-- spaces are never compared: every query names exactly one space, so changing
-- `search.embeddingModel` starts a new space that the background job fills while the old one
-- stays queryable by nothing but its own model, and is dropped once the new one is complete.
CREATE TABLE embedding_spaces (
  id          INTEGER PRIMARY KEY,
  model_key   TEXT NOT NULL UNIQUE,          -- '<registry id>@<file bytes>' (runtime/search/embedder.ts)
  model_id    TEXT NOT NULL,
  dimension   INTEGER,                       -- NULL until the first vector is stored
  state       TEXT NOT NULL CHECK (state IN ('building', 'ready', 'retired')),
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);

CREATE TABLE generation_embeddings (
  space_id      INTEGER NOT NULL REFERENCES embedding_spaces(id) ON DELETE CASCADE,
  generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
  text_sha1     TEXT NOT NULL,               -- of the embedded text: unchanged text is not re-embedded
  vector        BLOB NOT NULL,               -- float32 little-endian, L2-normalized
  embedded_at   INTEGER NOT NULL,
  PRIMARY KEY (space_id, generation_id)
) WITHOUT ROWID;
CREATE INDEX generation_embeddings_gen ON generation_embeddings(generation_id);
-- Counting a space's vectors from the table itself reads every 3 KB row (245 ms at 30 k); this
-- index holds only the keys, so coverage and the exact-vs-quantized choice stay sub-millisecond.
CREATE INDEX generation_embeddings_space ON generation_embeddings(space_id);
