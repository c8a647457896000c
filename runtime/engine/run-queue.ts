/**
 * The durable run queue (design.md §5, issue 2 §6). A run is a row before it is anything else, so
 * a restart finds every queued run and resumes them in order; a run that was executing when the
 * runtime died is marked `interrupted` with the node it was on. Runs execute one at a time by
 * default (like ComfyUI's queue); within a run, branches on different workers run concurrently.
 */
import { randomUUID } from 'node:crypto';
import type { GraphDoc } from '../../nodes/core/graph';
import { OperationalError, UserError, type WireError } from '../errors';
import type { RunRow } from '../store/runs';
import type { EngineDeps } from './deps';
import { executeRun } from './run-graph';

export class RunQueue {
  private readonly pending: string[] = [];
  private readonly active = new Map<string, AbortController>();
  private readonly idleWaiters: (() => void)[] = [];
  /** Graphs validated at submit in this process, handed to executeRun so it does not redo it. */
  private readonly validated = new Map<string, GraphDoc>();
  private stopped = false;
  /** Smoothed wall time of finished runs (ms), for the 429's Retry-After; null until one ended. */
  private avgRunMs: number | null = null;

  /**
   * @param maxConcurrent runs executing at once
   * @param maxQueued runs that may wait (not counting running ones); {@link submit} refuses more
   */
  constructor(
    private readonly deps: EngineDeps,
    private readonly maxConcurrent = 1,
    private readonly maxQueued = Infinity,
  ) {}

  /**
   * Start-up recovery: `running` runs become `interrupted` (the node they were on is kept) — unless
   * every node of the run was already recorded completed/cached, which makes it `completed`;
   * `queued` runs are queued again in their original order. Returns what it did.
   */
  recover(): { interrupted: string[]; requeued: string[] } {
    const { store, bus } = this.deps;
    const interrupted: string[] = [];
    for (const { id } of store.runs.withStatus('running')) {
      // Killed after its last node was recorded but before the run's own status was: every
      // node's result is durable, so the run did complete (issue 18 #5).
      const nodes = store.runs.nodes(id);
      if (nodes.length && nodes.every((n) => n.status === 'completed' || n.status === 'cached')) {
        store.runs.markFinished(id, 'completed');
        const outputs = nodes.flatMap((n) =>
          Object.entries(n.outputs ?? {}).map(([port, artifactId]) => ({
            nodeId: n.nodeId,
            port,
            artifactId,
            kind: store.artifacts.get(artifactId)?.kind ?? 'unknown',
          })),
        );
        bus.emit('run.completed', { runId: id, outputs, recovered: true });
        continue;
      }
      interrupted.push(id);
    }
    for (const id of interrupted) {
      store.runs.markInterrupted(id);
      const run = store.runs.get(id)!;
      bus.emit('run.interrupted', {
        runId: id,
        nodeId: run.currentNode ?? undefined,
        error: run.error,
      });
    }
    const requeued = store.runs.withStatus('queued').map((r) => r.id);
    this.pending.push(...requeued);
    this.pump();
    return { interrupted, requeued };
  }

  /**
   * Persists a new queued run and schedules it; returns the run row. `validated`: the caller ran
   * prepareGraph on `graph` (loaded, migrated, validated), so execution need not redo it.
   * @throws OperationalError QUEUE_FULL (429, `details.retryAfterS` = seconds until a slot is
   *   likely free) when `maxQueued` runs already wait — nothing is written.
   */
  submit(
    graph: GraphDoc,
    opts: { graphId?: string | null; rerunOf?: string | null; validated?: boolean } = {},
  ): RunRow {
    if (this.stopped)
      throw new OperationalError('SHUTTING_DOWN', 'the runtime is shutting down', undefined, 503);
    if (this.pending.length >= this.maxQueued && this.active.size >= this.maxConcurrent) {
      const perRunS = (this.avgRunMs ?? 5_000) / 1000 / this.maxConcurrent;
      const retryAfterS = Math.min(3600, Math.max(1, Math.ceil(perRunS)));
      throw new OperationalError(
        'QUEUE_FULL',
        `the run queue is full (${this.maxQueued} runs waiting); try again in about ${retryAfterS} s`,
        { queued: this.pending.length, maxQueued: this.maxQueued, retryAfterS },
        429,
      );
    }
    const run = this.deps.store.runs.create({
      id: randomUUID(),
      graph,
      graphId: opts.graphId ?? null,
      rerunOf: opts.rerunOf ?? null,
    });
    this.deps.bus.emit('run.queued', {
      runId: run.id,
      position: this.pending.length + this.active.size,
    });
    if (opts.validated) this.validated.set(run.id, graph);
    this.pending.push(run.id);
    // Start on a later turn of the event loop: the submit answers first (issue 18 #9).
    setImmediate(() => this.pump());
    return run;
  }

  /**
   * Reruns a past run with the params it actually used (random seeds as resolved), so unchanged
   * nodes come straight from the output cache.
   * @throws UserError NOT_FOUND (404) for an unknown run.
   */
  rerun(runId: string): RunRow {
    const old = this.deps.store.runs.get(runId);
    if (!old) throw new UserError('NOT_FOUND', `no run ${runId}`, undefined, 404);
    return this.submit(this.resolvedGraph(old), { graphId: old.graphId, rerunOf: old.id });
  }

  /** The run's graph with each recorded node's params as the run resolved them (random seeds made concrete). */
  private resolvedGraph(old: RunRow): GraphDoc {
    const resolved = new Map(this.deps.store.runs.nodes(old.id).map((n) => [n.nodeId, n.params]));
    const graph = structuredClone(old.graph) as GraphDoc;
    for (const n of graph.nodes) {
      const p = resolved.get(n.id);
      if (p) n.params = p;
    }
    return graph;
  }

  /**
   * Resumes an interrupted or failed run (issue 15 §5): a new run of the same graph with the
   * params the old one resolved, so every node that finished is served from the output cache
   * (same cache keys) and only what had not finished executes. The new run records which run it
   * resumes (store.queue.resumeOf) and, like a rerun, `rerunOf`.
   * @throws UserError NOT_FOUND (404); RUN_NOT_RESUMABLE (409) unless the run is interrupted or failed.
   */
  resume(runId: string): RunRow {
    const old = this.deps.store.runs.get(runId);
    if (!old) throw new UserError('NOT_FOUND', `no run ${runId}`, undefined, 404);
    if (old.status !== 'interrupted' && old.status !== 'failed')
      throw new UserError(
        'RUN_NOT_RESUMABLE',
        `run ${runId} is ${old.status}; only an interrupted or failed run can be resumed (rerun repeats a finished one)`,
        { status: old.status },
        409,
      );
    const run = this.submit(this.resolvedGraph(old), { graphId: old.graphId, rerunOf: old.id });
    this.deps.store.queue.recordResume(run.id, old.id);
    return run;
  }

  /**
   * Moves a waiting run within the queue (issue 15 §5): one place up or down, to the top or to
   * the bottom. The order is persisted (a restart starts them in it) and announced as a
   * `queue.changed` event with the waiting ids in start order. Returns that order.
   * @throws UserError NOT_FOUND (404); RUN_NOT_QUEUED (409) when the run is not waiting.
   */
  move(runId: string, where: 'up' | 'down' | 'top' | 'bottom'): string[] {
    const run = this.deps.store.runs.get(runId);
    if (!run) throw new UserError('NOT_FOUND', `no run ${runId}`, undefined, 404);
    const i = this.pending.indexOf(runId);
    if (i < 0 || run.status !== 'queued')
      throw new UserError(
        'RUN_NOT_QUEUED',
        `run ${runId} is ${run.status}; only a waiting run can be moved`,
        { status: run.status },
        409,
      );
    const order = [...this.pending];
    order.splice(i, 1);
    const to =
      where === 'top'
        ? 0
        : where === 'bottom'
          ? order.length
          : where === 'up'
            ? Math.max(0, i - 1)
            : Math.min(order.length, i + 1);
    order.splice(to, 0, runId);
    this.deps.store.queue.reorderQueued(order);
    this.pending.splice(0, this.pending.length, ...order);
    this.deps.bus.emit('queue.changed', { queued: [...order] });
    return order;
  }

  /**
   * Cancels a queued or running run. Returns false when it had already finished.
   * @throws UserError NOT_FOUND (404) for an unknown run.
   */
  cancel(runId: string): boolean {
    const run = this.deps.store.runs.get(runId);
    if (!run) throw new UserError('NOT_FOUND', `no run ${runId}`, undefined, 404);
    const ac = this.active.get(runId);
    if (ac) {
      ac.abort(new Error('cancelled by the user'));
      return true;
    }
    const i = this.pending.indexOf(runId);
    if (i >= 0 && run.status === 'queued') {
      this.pending.splice(i, 1);
      this.validated.delete(runId);
      const error: WireError = { code: 'CANCELLED', message: 'cancelled before it started' };
      this.deps.store.runs.markFinished(runId, 'cancelled', error);
      this.deps.bus.emit('run.cancelled', { runId });
      this.settleIdle();
      return true;
    }
    return false;
  }

  /** Ids of queued (in order) and running runs. */
  snapshot(): { running: string[]; queued: string[] } {
    return { running: [...this.active.keys()], queued: [...this.pending] };
  }

  /** Resolves when nothing is queued or running (tests, graceful shutdown). */
  idle(): Promise<void> {
    if (!this.pending.length && !this.active.size) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops taking runs; cancels running ones when `cancelRunning`. */
  async stop(cancelRunning = false): Promise<void> {
    this.stopped = true;
    this.pending.length = 0;
    if (cancelRunning) for (const ac of this.active.values()) ac.abort(new Error('shutdown'));
    if (this.active.size) await new Promise<void>((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (!this.stopped && this.active.size < this.maxConcurrent && this.pending.length) {
      const id = this.pending.shift()!;
      const run = this.deps.store.runs.get(id);
      if (!run || run.status !== 'queued') continue;
      const ac = new AbortController();
      this.active.set(id, ac);
      const t0 = Date.now();
      const graph = this.validated.get(id);
      this.validated.delete(id);
      void executeRun(this.deps, run, ac.signal, graph)
        .catch((err: unknown) => {
          // executeRun records its own failures; reaching here is a bug — still close the run.
          this.deps.logger.error({ runId: id, err: String(err) }, 'run crashed the executor');
          const error: WireError = { code: 'INTERNAL', message: String(err) };
          this.deps.store.runs.markFinished(id, 'failed', error);
          this.deps.bus.emit('run.failed', { runId: id, error });
        })
        .finally(() => {
          const ms = Date.now() - t0;
          this.avgRunMs = this.avgRunMs === null ? ms : this.avgRunMs * 0.8 + ms * 0.2;
          this.active.delete(id);
          this.pump();
          this.settleIdle();
        });
    }
    this.settleIdle();
  }

  private settleIdle(): void {
    if (this.pending.length || this.active.size) return;
    for (const r of this.idleWaiters.splice(0)) r();
  }
}
