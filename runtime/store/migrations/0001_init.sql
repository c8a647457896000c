-- 0001: the core schema (design.md §7). Forward-only; applied in one transaction.

CREATE TABLE graphs (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  graph_json   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,          -- ms since epoch
  updated_at   INTEGER NOT NULL
);
CREATE INDEX graphs_updated ON graphs(updated_at DESC, id);

CREATE TABLE runs (
  id            TEXT PRIMARY KEY,
  seq           INTEGER NOT NULL UNIQUE,  -- queue order, monotonic
  graph_id      TEXT REFERENCES graphs(id) ON DELETE SET NULL,
  graph_json    TEXT NOT NULL,            -- the graph as run (overrides applied, seeds still as given)
  status        TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled','interrupted')),
  error_json    TEXT,
  rerun_of      TEXT REFERENCES runs(id) ON DELETE SET NULL,
  current_node  TEXT,                     -- last node that started (kept for 'interrupted')
  created_at    INTEGER NOT NULL,
  started_at    INTEGER,
  finished_at   INTEGER
);
CREATE INDEX runs_status ON runs(status, seq);
CREATE INDEX runs_seq ON runs(seq DESC);

CREATE TABLE run_nodes (
  run_id        TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  node_id       TEXT NOT NULL,
  type          TEXT NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('pending','queued','running','cached','completed','failed','cancelled','skipped','interrupted')),
  cache_key     TEXT,
  params_json   TEXT,                     -- resolved params (random seeds made concrete)
  outputs_json  TEXT,                     -- {port: artifactId}
  error_json    TEXT,
  started_at    INTEGER,
  finished_at   INTEGER,
  PRIMARY KEY (run_id, node_id)
) WITHOUT ROWID;

-- Every output of every node. Text lives inline; images are files in the data directory.
CREATE TABLE artifacts (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL CHECK (kind IN ('text','image','tags')),
  run_id        TEXT REFERENCES runs(id) ON DELETE SET NULL,
  node_id       TEXT,
  port          TEXT,
  path          TEXT,                     -- relative to the data directory (images)
  sha256        TEXT,
  bytes         INTEGER,
  value_json    TEXT,                     -- text / tags / image info
  created_at    INTEGER NOT NULL
);
CREATE INDEX artifacts_run ON artifacts(run_id, node_id);
CREATE INDEX artifacts_sha ON artifacts(sha256);

-- Lineage: what each artifact was made from.
CREATE TABLE artifact_parents (
  artifact_id   TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
  parent_id     TEXT NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
  port          TEXT NOT NULL,            -- the input port the parent fed
  PRIMARY KEY (artifact_id, parent_id, port)
) WITHOUT ROWID;
CREATE INDEX artifact_parents_parent ON artifact_parents(parent_id);

-- The persistent output cache: cache key → outputs ({port: artifactId}).
CREATE TABLE node_cache (
  cache_key     TEXT PRIMARY KEY,
  type          TEXT NOT NULL,
  outputs_json  TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  last_hit_at   INTEGER NOT NULL,
  hits          INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE models (
  id            TEXT PRIMARY KEY,         -- stable: relative path inside its model folder
  kind          TEXT NOT NULL,            -- sd | llm | vae | lora | upscaler | taesd | text_encoder | unknown
  name          TEXT NOT NULL,
  path          TEXT NOT NULL UNIQUE,     -- absolute
  sha256        TEXT,                     -- computed in the background
  family        TEXT,                     -- sd1 | sdxl | flux | llama | …
  bytes         INTEGER NOT NULL,
  mtime_ms      INTEGER NOT NULL,
  metadata_json TEXT,
  missing       INTEGER NOT NULL DEFAULT 0,
  added_at      INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX models_kind ON models(kind, name);

CREATE TABLE generations (
  id              INTEGER PRIMARY KEY,
  uuid            TEXT NOT NULL UNIQUE,
  artifact_id     TEXT REFERENCES artifacts(id) ON DELETE SET NULL,
  file_path       TEXT NOT NULL,          -- relative to the data directory, or absolute for imports
  sha256          TEXT,
  created_at      INTEGER NOT NULL,
  prompt          TEXT,
  negative_prompt TEXT,
  seed            INTEGER,
  width           INTEGER,
  height          INTEGER,
  steps           INTEGER,
  cfg_scale       REAL,
  sampler         TEXT,
  scheduler       TEXT,
  model_id        TEXT,
  model_name      TEXT,
  params_json     TEXT,
  workflow_json   TEXT,
  source          TEXT NOT NULL DEFAULT 'mysticanvas', -- mysticanvas | comfyui | a1111 | …
  is_favorite     INTEGER NOT NULL DEFAULT 0,
  deleted_at      INTEGER,
  missing         INTEGER NOT NULL DEFAULT 0,
  run_id          TEXT REFERENCES runs(id) ON DELETE SET NULL,
  node_id         TEXT
);
CREATE INDEX generations_created ON generations(created_at DESC, id DESC);
CREATE INDEX generations_run ON generations(run_id);
CREATE INDEX generations_sha ON generations(sha256);

CREATE TABLE generation_files (
  generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
  role          TEXT NOT NULL,            -- final | thumb | preview
  path          TEXT NOT NULL,
  bytes         INTEGER,
  PRIMARY KEY (generation_id, role)
) WITHOUT ROWID;
CREATE INDEX generation_files_path ON generation_files(path);

CREATE TABLE tags (
  id              INTEGER PRIMARY KEY,
  name            TEXT NOT NULL,
  normalized_name TEXT NOT NULL UNIQUE,
  category        TEXT
);

CREATE TABLE tag_aliases (
  alias           TEXT PRIMARY KEY,       -- normalized alias, e.g. 'feline'
  tag_id          INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE image_tags (
  generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
  tag_id        INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  source        TEXT NOT NULL CHECK (source IN ('user','llm_auto','import')),
  confidence    REAL,
  PRIMARY KEY (generation_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX image_tags_tag ON image_tags(tag_id, generation_id);

CREATE TABLE event_log (
  id          INTEGER PRIMARY KEY,        -- the global event sequence number
  run_id      TEXT,
  type        TEXT NOT NULL,
  payload     TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);
CREATE INDEX event_log_run ON event_log(run_id, id);
