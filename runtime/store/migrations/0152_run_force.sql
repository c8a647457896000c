-- 0152 (issue 15): "Run from here" — the nodes a run must execute even when the output cache
-- holds their outputs (they and their descendants). Kept with the run so a run requeued after a
-- restart still honours it.
CREATE TABLE run_force (
  run_id      TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  nodes_json  TEXT NOT NULL                -- JSON array of node ids (the descendants follow)
) WITHOUT ROWID;
