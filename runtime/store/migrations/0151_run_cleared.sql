-- 0151 (issue 15): "Clear finished" in the queue panel hides finished runs from run lists
-- without deleting them (their outputs, lineage and gallery entries keep pointing at them).
CREATE TABLE run_cleared (
  run_id  TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE
) WITHOUT ROWID;
