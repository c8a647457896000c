/**
 * The background job queue (`jobs`, issue 8): thumbnails, auto-tagging, integrity rescans. A job
 * is a row before it runs; `claim` takes the highest-priority ready one, `fail` retries it later
 * with exponential backoff until `max_attempts`, and `recover` puts jobs a crash left `running`
 * back in the queue. Done jobs are deleted (their effect is in the data: a thumb row, tags, flags),
 * which keeps the table at the size of the backlog.
 */
import type { Db } from './db';
import { writePoint } from '../fs/write-points';

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobRow {
  id: number;
  kind: string;
  dedupeKey: string | null;
  payload: Record<string, unknown>;
  priority: number;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  runAfter: number;
  error: { code: string; message: string } | null;
}

export interface NewJob {
  kind: string;
  payload: Record<string, unknown>;
  /** Enqueueing the same key again while it waits (or after it failed/finished) is one job. */
  dedupeKey?: string;
  /** Higher first; thumbnails 10, tags 5, rescans 0. */
  priority?: number;
  maxAttempts?: number;
  runAfter?: number;
}

interface Raw {
  id: number;
  kind: string;
  dedupe_key: string | null;
  payload_json: string;
  priority: number;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  run_after: number;
  error_json: string | null;
}
const toJob = (r: Raw): JobRow => ({
  id: r.id,
  kind: r.kind,
  dedupeKey: r.dedupe_key,
  payload: JSON.parse(r.payload_json) as Record<string, unknown>,
  priority: r.priority,
  status: r.status,
  attempts: r.attempts,
  maxAttempts: r.max_attempts,
  runAfter: r.run_after,
  error: r.error_json ? JSON.parse(r.error_json) : null,
});

/** Delay before retry `attempt` (1-based): 2 s, 4 s, 8 s … capped at 10 min. */
export function backoffMs(attempt: number, baseMs = 2000): number {
  return Math.min(10 * 60_000, baseMs * 2 ** Math.max(0, attempt - 1));
}

export class JobStore {
  private readonly s;
  constructor(private readonly db: Db) {
    this.s = {
      // A waiting or running duplicate stays as it is; a finished/failed one is queued afresh.
      enqueue:
        db.prepare(`INSERT INTO jobs (kind, dedupe_key, payload_json, priority, status, attempts, max_attempts, run_after, created_at, updated_at)
        VALUES (@kind, @key, @payload, @priority, 'queued', 0, @max, @runAfter, @now, @now)
        ON CONFLICT(dedupe_key) DO UPDATE SET status = 'queued', attempts = 0, error_json = NULL, payload_json = excluded.payload_json,
          run_after = excluded.run_after, updated_at = excluded.updated_at
        WHERE jobs.status IN ('done', 'failed')`),
      next: db.prepare<
        [number],
        Raw
      >(`SELECT * FROM jobs INDEXED BY jobs_ready WHERE status = 'queued' AND run_after <= ?
        ORDER BY priority DESC, run_after, id LIMIT 1`),
      nextAt: db.prepare<[], { t: number | null }>(
        "SELECT min(run_after) AS t FROM jobs WHERE status = 'queued'",
      ),
      start: db.prepare(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = ? WHERE id = ? AND status = 'queued'",
      ),
      done: db.prepare('DELETE FROM jobs WHERE id = ?'),
      retry: db.prepare(
        "UPDATE jobs SET status = 'queued', run_after = ?, error_json = ?, updated_at = ? WHERE id = ?",
      ),
      failed: db.prepare(
        "UPDATE jobs SET status = 'failed', error_json = ?, updated_at = ? WHERE id = ?",
      ),
      again: db.prepare(
        "UPDATE jobs SET status = 'queued', payload_json = ?, attempts = 0, run_after = ?, updated_at = ? WHERE id = ?",
      ),
      recover: db.prepare(
        "UPDATE jobs SET status = 'queued', updated_at = ? WHERE status = 'running'",
      ),
      release: db.prepare(
        "UPDATE jobs SET status = 'queued', attempts = max(0, attempts - 1), updated_at = ? WHERE id = ? AND status = 'running'",
      ),
      get: db.prepare<[number], Raw>('SELECT * FROM jobs WHERE id = ?'),
      byKey: db.prepare<[string], Raw>('SELECT * FROM jobs WHERE dedupe_key = ?'),
      counts: db.prepare<[], { kind: string; status: JobStatus; n: number }>(
        'SELECT kind, status, count(*) AS n FROM jobs GROUP BY kind, status',
      ),
      retryFailed: db.prepare(
        "UPDATE jobs SET status = 'queued', attempts = 0, run_after = ?, updated_at = ? WHERE status = 'failed'",
      ),
    };
  }

  /** Adds a job (or revives a finished duplicate); returns true when something was queued. */
  enqueue(j: NewJob, now = Date.now()): boolean {
    writePoint('job.enqueue');
    return (
      this.s.enqueue.run({
        kind: j.kind,
        key: j.dedupeKey ?? null,
        payload: JSON.stringify(j.payload),
        priority: j.priority ?? 0,
        max: j.maxAttempts ?? 5,
        runAfter: j.runAfter ?? now,
        now,
      }).changes > 0
    );
  }

  /** Takes the next ready job (marking it running, counting the attempt), or undefined. */
  claim(now = Date.now()): JobRow | undefined {
    return this.db.transaction(() => {
      const r = this.s.next.get(now);
      if (!r || this.s.start.run(now, r.id).changes === 0) return undefined;
      return toJob({ ...r, status: 'running', attempts: r.attempts + 1 });
    })();
  }

  /** When the earliest queued job becomes ready (ms epoch), or null when none is queued. */
  nextReadyAt(): number | null {
    return this.s.nextAt.get()!.t;
  }

  /** A finished job: deleted (its effect is in the data). */
  complete(id: number): void {
    writePoint('job.complete');
    this.s.done.run(id);
  }

  /** Queues a running job again with a new payload (a long job continuing in slices). */
  again(id: number, payload: Record<string, unknown>, now = Date.now()): void {
    this.s.again.run(JSON.stringify(payload), now, now, id);
  }

  /**
   * Records a failure: back to the queue after {@link backoffMs} while attempts remain (and the
   * error is retryable), else `failed` for good. Returns the new status.
   */
  fail(
    job: Pick<JobRow, 'id' | 'attempts' | 'maxAttempts'>,
    error: { code: string; message: string },
    retryable = true,
    now = Date.now(),
    baseMs?: number,
  ): JobStatus {
    const e = JSON.stringify(error);
    if (retryable && job.attempts < job.maxAttempts) {
      this.s.retry.run(now + backoffMs(job.attempts, baseMs), e, now, job.id);
      return 'queued';
    }
    this.s.failed.run(e, now, job.id);
    return 'failed';
  }

  /**
   * A running job interrupted by shutdown goes back to the queue as it was (the attempt is not
   * counted: the job did not fail). Returns false when it was not running.
   */
  release(id: number, now = Date.now()): boolean {
    return this.s.release.run(now, id).changes > 0;
  }

  /** After a crash: running jobs go back to the queue. Returns how many. */
  recover(now = Date.now()): number {
    return this.s.recover.run(now).changes;
  }

  get(id: number): JobRow | undefined {
    const r = this.s.get.get(id);
    return r ? toJob(r) : undefined;
  }

  byKey(key: string): JobRow | undefined {
    const r = this.s.byKey.get(key);
    return r ? toJob(r) : undefined;
  }

  /** {kind: {queued, running, failed}} for GET /api/jobs. */
  counts(): Record<string, Partial<Record<JobStatus, number>>> {
    const out: Record<string, Partial<Record<JobStatus, number>>> = {};
    for (const r of this.s.counts.all()) (out[r.kind] ??= {})[r.status] = r.n;
    return out;
  }

  /** Queues every failed job again (user action). */
  retryFailed(now = Date.now()): number {
    return this.s.retryFailed.run(now, now).changes;
  }
}
