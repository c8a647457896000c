-- 0150 (issue 15): a resumed run remembers the interrupted or failed run it continues, so the
-- queue panel can show the link and stop offering Resume on a run already resumed. A table of
-- its own rather than a runs column: runs rows carry the graph JSON and are rewritten rarely.
CREATE TABLE run_resumes (
  run_id     TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  resume_of  TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX run_resumes_of ON run_resumes(resume_of);
