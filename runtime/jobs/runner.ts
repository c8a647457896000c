/**
 * The background job runner (issue 8): takes jobs from the `jobs` table by priority and runs at
 * most `concurrency` at once — and none while interactive work runs (`busy()`: a run queued or
 * executing), so thumbnails and tagging never compete with the user's generation for CPU or the
 * LLM. Failures retry with exponential backoff (JobStore.fail); jobs a crash left running are
 * queued again at start, so work survives restarts.
 */
import type { JobRow, JobStore } from '../store/jobs';
import type { Logger } from '../log';
import { UserError, type ErrorCode } from '../errors';
import { toMystiErrorSafe } from './errors';

/** What a handler may ask for when it finishes: run again later with a new payload (long work in slices). */
export type JobOutcome = void | { again: Record<string, unknown> };

export type JobHandler = (job: JobRow, signal: AbortSignal) => Promise<JobOutcome>;

export interface JobRunnerOptions {
  jobs: JobStore;
  handlers: Record<string, JobHandler>;
  logger: Logger;
  /** Jobs at once (default 2: the CI box has 2 cores; anchors-performance.md §10 measured 44 thumbs/s with 2). */
  concurrency?: number;
  /** True while interactive work runs; background jobs wait and re-check every `pollMs`. */
  busy?: () => boolean;
  /** Idle re-check interval, ms (default 500). */
  pollMs?: number;
  /** First retry delay, ms (default 2000; doubles per attempt). */
  backoffBaseMs?: number;
  /** Called after every job (for `job.progress` events). */
  onFinished?: (
    job: JobRow,
    status: 'done' | 'queued' | 'failed',
    error?: { code: ErrorCode; message: string },
  ) => void;
}

export class JobRunner {
  private readonly active = new Map<number, AbortController>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly o: JobRunnerOptions) {}

  /** Recovers interrupted jobs and starts pumping. Returns how many jobs were recovered. */
  start(): number {
    const recovered = this.o.jobs.recover();
    this.running = true;
    this.kick();
    return recovered;
  }

  /** Stops taking jobs, aborts running ones (they go back to the queue unchanged) and waits for them to settle. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const ac of this.active.values()) ac.abort(new Error('shutdown'));
    while (this.active.size) await new Promise((r) => setTimeout(r, 10));
    this.settle();
  }

  /** Looks for work now (after an enqueue, or when a run finished). */
  kick(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pump();
  }

  /** Resolves when no job is ready or running (tests). Jobs waiting on backoff do not count. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Jobs executing right now. */
  get activeCount(): number {
    return this.active.size;
  }

  private isIdle(): boolean {
    const next = this.o.jobs.nextReadyAt();
    return this.active.size === 0 && (next === null || next > Date.now() || !this.running);
  }

  private pump(): void {
    if (!this.running) return;
    const max = this.o.concurrency ?? 2;
    if (!this.o.busy?.()) {
      while (this.active.size < max) {
        const job = this.o.jobs.claim();
        if (!job) break;
        this.execute(job);
      }
    }
    this.settle();
    this.schedule();
  }

  private schedule(): void {
    if (!this.running || this.timer) return;
    const poll = this.o.pollMs ?? 500;
    const next = this.o.jobs.nextReadyAt();
    if (next === null && !this.o.busy?.()) return; // nothing to do until someone enqueues and kicks
    const wait = next === null ? poll : Math.min(poll, Math.max(0, next - Date.now()));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, wait);
    this.timer.unref();
  }

  private execute(job: JobRow): void {
    const handler = this.o.handlers[job.kind];
    const ac = new AbortController();
    this.active.set(job.id, ac);
    const run = handler
      ? handler(job, ac.signal)
      : Promise.reject(new UserError('JOB_UNKNOWN', `no handler for job kind ${job.kind}`));
    void run
      .then((outcome) => {
        if (outcome && 'again' in outcome) this.o.jobs.again(job.id, outcome.again);
        else this.o.jobs.complete(job.id);
        this.o.onFinished?.(job, outcome ? 'queued' : 'done');
      })
      .catch((err: unknown) => {
        // Aborted by stop(): not a failure of the job; it waits in the queue for the next start.
        if (!this.running) {
          this.o.jobs.release(job.id);
          return;
        }
        const e = toMystiErrorSafe(err);
        const retryable = e.retryable;
        let status: string;
        try {
          status = this.o.jobs.fail(
            job,
            { code: e.code, message: e.message },
            retryable,
            Date.now(),
            this.o.backoffBaseMs,
          );
        } catch (failErr) {
          // Recording the failure failed too (the database's disk is full): the row stays
          // `running` and goes back to the queue at the next start (JobStore.recover).
          const f = toMystiErrorSafe(failErr);
          this.o.logger.error(
            { jobId: job.id, kind: job.kind, code: f.code, err: f.message },
            'could not record a background job failure',
          );
          this.o.onFinished?.(job, 'failed', { code: f.code, message: f.message });
          return;
        }
        if (status === 'failed')
          this.o.logger.warn(
            { jobId: job.id, kind: job.kind, code: e.code, err: e.message },
            'background job failed',
          );
        this.o.onFinished?.(job, status === 'failed' ? 'failed' : 'queued', {
          code: e.code,
          message: e.message,
        });
      })
      .finally(() => {
        this.active.delete(job.id);
        if (this.running) this.pump();
        else this.settle();
      });
  }

  private settle(): void {
    if (!this.isIdle()) return;
    for (const r of this.idleWaiters.splice(0)) r();
  }
}
