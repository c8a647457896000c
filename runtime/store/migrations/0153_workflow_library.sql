-- 0153 (issue 15 §6): the workflow library — when each saved graph was last opened (sort by last
-- opened), whether the user marked it as a template, and its latest run (the thumbnail is that
-- run's last image output).
CREATE TABLE graph_meta (
  graph_id        TEXT PRIMARY KEY REFERENCES graphs(id) ON DELETE CASCADE,
  last_opened_at  INTEGER,
  template        INTEGER NOT NULL DEFAULT 0 CHECK (template IN (0, 1)),
  last_run_id     TEXT REFERENCES runs(id) ON DELETE SET NULL
) WITHOUT ROWID;
CREATE INDEX graph_meta_opened ON graph_meta(last_opened_at DESC);
