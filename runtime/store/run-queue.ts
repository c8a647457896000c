/**
 * What the queue panel needs beyond runs.ts (issue 15 §5): resume links (`run_resumes`,
 * migration 0150), finished runs hidden by "Clear finished" (`run_cleared`, 0151) and the order
 * of waiting runs. Queue order is the runs' `seq` (the runtime
 * starts queued runs by ascending seq, also after a restart; run lists page on it), so moving a
 * pending run permutes the seq values of the queued runs — nothing else has to know. Each write
 * here is one statement or one transaction (atomic by itself: no write point needed).
 */
import type { Db } from './db';

export class RunQueueStore {
  private readonly s;
  constructor(private readonly db: Db) {
    this.s = {
      link: db.prepare('INSERT OR REPLACE INTO run_resumes (run_id, resume_of) VALUES (?, ?)'),
      of: db.prepare<[string], { resume_of: string }>(
        'SELECT resume_of FROM run_resumes WHERE run_id = ?',
      ),
      by: db.prepare<[string], { run_id: string }>(
        'SELECT run_id FROM run_resumes WHERE resume_of = ?',
      ),
      queued: db.prepare<[], { id: string; seq: number }>(
        "SELECT id, seq FROM runs WHERE status = 'queued' ORDER BY seq",
      ),
      maxSeq: db.prepare<[], { n: number }>('SELECT COALESCE(MAX(seq), 0) AS n FROM runs'),
      setSeq: db.prepare("UPDATE runs SET seq = ? WHERE id = ? AND status = 'queued'"),
      clear: db.prepare(
        `INSERT OR IGNORE INTO run_cleared (run_id) SELECT id FROM runs
         WHERE status IN ('completed', 'failed', 'cancelled', 'interrupted')`,
      ),
      cleared: db.prepare<[string], { run_id: string }>(
        'SELECT run_id FROM run_cleared WHERE run_id IN (SELECT value FROM json_each(?))',
      ),
    };
  }

  /** Records that run `runId` resumes run `resumeOf`. */
  recordResume(runId: string, resumeOf: string): void {
    this.s.link.run(runId, resumeOf);
  }

  /** The run `runId` resumes, or null. */
  resumeOf(runId: string): string | null {
    return this.s.of.get(runId)?.resume_of ?? null;
  }

  /** Runs that resume `runId` (oldest link first). */
  resumedBy(runId: string): string[] {
    return this.s.by.all(runId).map((r) => r.run_id);
  }

  /** Hides every finished run from run lists ("Clear finished"); returns how many were newly hidden. */
  clearFinished(): number {
    return this.s.clear.run().changes;
  }

  /** Of `ids`, the ones hidden by {@link clearFinished}. */
  clearedAmong(ids: readonly string[]): Set<string> {
    if (!ids.length) return new Set();
    return new Set(this.s.cleared.all(JSON.stringify(ids)).map((r) => r.run_id));
  }

  /** Queued run ids in the order they will start. */
  queuedOrder(): string[] {
    return this.s.queued.all().map((r) => r.id);
  }

  /**
   * Gives the queued runs `ids` (distinct) the start order of the list by handing their own seq
   * values out again in that order, in one transaction; other runs keep theirs. seq is UNIQUE, so
   * the rows first move above every seq in use, then down into place. Ids that are not queued
   * (any more) are ignored.
   */
  reorderQueued(ids: readonly string[]): void {
    const seqOf = new Map(this.s.queued.all().map((r) => [r.id, r.seq]));
    ids = ids.filter((id) => seqOf.has(id));
    const seqs = ids.map((id) => seqOf.get(id)!).sort((a, b) => a - b);
    this.db.transaction(() => {
      const top = this.s.maxSeq.get()!.n;
      ids.forEach((id, i) => this.s.setSeq.run(top + 1 + i, id));
      ids.forEach((id, i) => this.s.setSeq.run(seqs[i]!, id));
    })();
  }
}
