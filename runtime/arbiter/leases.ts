/**
 * The stateful arbiter: a ledger of leases (memory held by running nodes) and resident entries
 * (models / LLM contexts kept by workers), a FIFO queue of waiting requests, and the executor of
 * {@link decide}'s evictions. The ledger shape follows node-llama-cpp's MemoryOrchestrator
 * (`reserveMemory(bytes)` → a reservation whose `dispose()` gives the bytes back), extended with
 * what it lacks: waiting, eviction across processes, and explanations.
 *
 * Guarantees:
 * - Σ leases + Σ resident ≤ budget − reserve after every grant (a grant happens only when
 *   {@link decide} says the request fits; evictions are awaited and booked before it).
 * - FIFO-fair: only the head of the queue is considered, so a big request is never overtaken by
 *   later small ones (no starvation).
 * - Deadlock-free as long as a holder does not wait for a second lease while holding one (the
 *   scheduler reserves once per node dispatch): the head either fits once running leases are
 *   released, or is refused at once when it cannot fit even alone.
 * - Decisions are serialized (one pump at a time), so two requests never plan on the same bytes.
 */
import { OperationalError } from '../errors';
import { Corrections, type CorrectionRecord } from './corrections';
import { decide, requestNeed } from './decide';
import type {
  ArbiterRequest,
  Decision,
  LeaseEntry,
  Mitigations,
  MitigationsAvailable,
  ResidentEntry,
  WorkerKind,
} from './types';

/** A request as the scheduler sends it: the node's estimate plus, optionally, a preset's measurement. */
export interface ReserveRequest extends Omit<ArbiterRequest, 'alreadyResidentOnWorker'> {
  /** Overrides the ledger's view; default: true when the ledger has the model resident on the worker. */
  alreadyResidentOnWorker?: boolean;
  /** A measured total footprint (e.g. a preset's `measured_vram_bytes`); wins over the estimate. */
  measuredBytes?: number;
}

/** Memory granted to one node. Call `release()` exactly when the node finishes, fails or is cancelled (idempotent). */
export interface Lease {
  readonly id: number;
  readonly holder: string;
  readonly worker: WorkerKind;
  readonly model: string;
  /** Compute bytes held by this lease (the weights are booked as a resident entry). */
  readonly bytes: number;
  /** Device bytes of the model's weights booked for this job. */
  readonly weightsBytes: number;
  /** sd.cpp flags the job must run with (empty object = none). */
  readonly mitigations: Mitigations;
  /** Every non-repeated decision made for this request, in order (evictions first, grant last). */
  readonly decisions: Decision[];
  readonly released: boolean;
  release(): void;
}

/** What `onDecision` receives and `snapshot().decisions` lists. */
export interface DecisionEvent {
  at: number;
  holder: string;
  worker: WorkerKind;
  model: string;
  decision: Decision;
}

export interface ArbiterOptions {
  budgetBytes: number;
  reserveBytes: number;
  /**
   * Frees memory on a worker: `soft` drops the LLM context/KV cache, `hard` unloads the model or
   * stops the idle worker (WorkerClient.unload). Rejections fail the waiting request with
   * `VRAM_EVICT_FAILED`.
   */
  evict: (worker: WorkerKind, model: string, mode: 'soft' | 'hard') => Promise<void>;
  mitigationsAvailable?: MitigationsAvailable;
  onDecision?: (e: DecisionEvent) => void;
  /** Workers that keep nothing after a job (sd-cli spawned per job): their weights leave the ledger on release. */
  transientWorkers?: WorkerKind[];
  corrections?: Corrections;
  /** How many decisions `snapshot()` keeps (default 50). */
  historySize?: number;
  now?: () => number;
}

export interface ArbiterSnapshot {
  budgetBytes: number;
  reserveBytes: number;
  capacityBytes: number;
  usedBytes: number;
  leases: {
    id: number;
    holder: string;
    worker: WorkerKind;
    model: string;
    bytes: number;
    weightsBytes: number;
    since: number;
    mitigations: Mitigations;
  }[];
  resident: Record<WorkerKind, (ResidentEntry & { inUse: number })[]>;
  queue: { holder: string; worker: WorkerKind; model: string; since: number; reason?: string }[];
  /** Projected vs actual per model. */
  models: (
    | CorrectionRecord
    | {
        model: string;
        projectedBytes: number;
        actualBytes: null;
        ratio: 1;
        samples: 0;
        updatedAt: number;
      }
  )[];
  decisions: DecisionEvent[];
  /** Recent leases with their grant/release order (oldest first), for overlap checks and the UI. */
  leaseLog: LeaseLogEntry[];
}

/**
 * One lease's life. `grantedSeq`/`releasedSeq` come from one counter shared by every grant and
 * release, so two leases overlapped iff each was granted before the other was released.
 */
export interface LeaseLogEntry {
  id: number;
  holder: string;
  worker: WorkerKind;
  model: string;
  /** Compute bytes of the lease + weights it booked (bytes). */
  bytes: number;
  weightsBytes: number;
  grantedAt: number;
  grantedSeq: number;
  /** Σ leases + Σ resident right after the grant (bytes). */
  usedAfterGrant: number;
  releasedAt?: number;
  releasedSeq?: number;
  /** `released` by the holder, or `worker-gone` (crash/stop of its worker). */
  end?: 'released' | 'worker-gone';
}

interface LeaseState {
  lease: Lease;
  since: number;
}

interface ResidentState extends ResidentEntry {
  inUse: number;
}

interface Waiter {
  req: ArbiterRequest;
  /** Uncorrected weights + compute, for "projected vs actual". */
  rawTotal: number;
  resolve: (l: Lease) => void;
  reject: (e: Error) => void;
  done: boolean;
  since: number;
  decisions: Decision[];
  lastKey?: string;
  reason?: string;
  cleanup: () => void;
}

const key = (worker: WorkerKind, model: string, kind: 'weights' | 'kv') =>
  `${worker}\u0000${model}\u0000${kind}`;

export class Arbiter {
  private budgetBytes: number;
  private reserveBytes: number;
  private readonly leases = new Map<number, LeaseState>();
  private readonly resident = new Map<string, ResidentState>();
  private readonly queue: Waiter[] = [];
  private readonly history: DecisionEvent[] = [];
  private readonly lastProjected = new Map<string, { bytes: number; at: number }>();
  private readonly corrections: Corrections;
  private readonly now: () => number;
  private nextId = 1;
  private ledgerSeq = 0;
  private readonly leaseLog: LeaseLogEntry[] = [];
  private readonly leaseLogById = new Map<number, LeaseLogEntry>();
  private pumping = false;
  private dirty = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly opts: ArbiterOptions) {
    this.budgetBytes = opts.budgetBytes;
    this.reserveBytes = opts.reserveBytes;
    this.corrections = opts.corrections ?? new Corrections();
    this.now = opts.now ?? Date.now;
  }

  /**
   * Waits until the request may run, evicting and choosing mitigations as {@link decide} says.
   * @throws OperationalError `VRAM_REFUSED` when it cannot fit even alone (message for the UI),
   *   `CANCELLED` (409) when `signal` aborts while waiting, `VRAM_EVICT_FAILED` when an eviction fails.
   */
  reserve(request: ReserveRequest, opts: { signal?: AbortSignal } = {}): Promise<Lease> {
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(cancelled(request.holder));
    const corrected = this.corrections.correct(
      request.model,
      request.weightsBytes,
      request.computeBytes,
    );
    let computeBytes = corrected.computeBytes;
    if (request.measuredBytes !== undefined && request.measuredBytes > 0) {
      computeBytes = Math.max(0, request.measuredBytes - request.weightsBytes);
    }
    const { measuredBytes: _m, ...rest } = request;
    const req: ArbiterRequest = {
      ...rest,
      computeBytes,
      alreadyResidentOnWorker:
        request.alreadyResidentOnWorker ??
        this.resident.has(key(request.worker, request.model, 'weights')),
    };
    return new Promise<Lease>((resolve, reject) => {
      const onAbort = () => {
        if (w.done) return;
        w.done = true;
        this.removeWaiter(w);
        reject(cancelled(request.holder));
        void this.pump();
      };
      const w: Waiter = {
        req,
        rawTotal: request.weightsBytes + request.computeBytes,
        resolve,
        reject,
        done: false,
        since: this.now(),
        decisions: [],
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.queue.push(w);
      void this.pump();
    });
  }

  /** Records that `worker` holds `model` (weights) or an LLM context (`kv`) of `bytes`; replaces the booked size. */
  noteResident(
    worker: WorkerKind,
    model: string,
    bytes: number,
    kind: 'weights' | 'kv' = 'weights',
    label?: string,
  ): void {
    const k = key(worker, model, kind);
    const prev = this.resident.get(k);
    this.resident.set(k, {
      worker,
      model,
      kind,
      bytes,
      label: label ?? prev?.label,
      inUse: prev?.inUse ?? 0,
      idle: (prev?.inUse ?? 0) === 0,
      lastUsedAt: this.now(),
    });
    void this.pump();
  }

  /** Records that `worker` freed `model` (all kinds unless `kind`), or everything when `model` is omitted. */
  noteUnloaded(worker: WorkerKind, model?: string, kind?: 'weights' | 'kv'): void {
    for (const [k, e] of this.resident) {
      if (
        e.worker === worker &&
        (model === undefined || e.model === model) &&
        (kind === undefined || e.kind === kind)
      )
        this.resident.delete(k);
    }
    void this.pump();
  }

  /**
   * A worker crashed or was stopped: every lease it held is released and everything it had
   * resident leaves the ledger. Waiting requests stay queued (the supervisor restarts the worker).
   */
  releaseWorker(worker: WorkerKind): void {
    for (const [id, s] of this.leases) {
      if (s.lease.worker === worker) {
        (s.lease as { released: boolean }).released = true;
        this.leases.delete(id);
        this.logRelease(id, 'worker-gone');
      }
    }
    this.noteUnloaded(worker);
  }

  /**
   * The worker reported its peak for a job on `model` (bytes: weights + compute). Stored as
   * projected vs actual; later estimates for the model are scaled by the ratio.
   * @returns the record, or undefined when no projection is known for the model.
   */
  noteActual(
    model: string,
    peakBytes: number,
    projectedBytes?: number,
  ): CorrectionRecord | undefined {
    const projected = projectedBytes ?? this.lastProjected.get(model)?.bytes;
    if (projected === undefined) return undefined;
    return this.corrections.record(model, projected, peakBytes, this.now());
  }

  /** Replaces which sd.cpp mitigations the machine offers (e.g. once a GPU was detected). */
  setMitigationsAvailable(m: MitigationsAvailable): void {
    this.opts.mitigationsAvailable = { ...m };
    void this.pump();
  }

  /** Changes the budget (another application took memory, config reload). New grants respect it. */
  setBudget(budgetBytes: number, reserveBytes = this.reserveBytes): void {
    this.budgetBytes = budgetBytes;
    this.reserveBytes = reserveBytes;
    void this.pump();
  }

  /** Resolves once no decision is being made (tests and shutdown). */
  settled(): Promise<void> {
    if (!this.pumping) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Σ leases + Σ resident, bytes. */
  usedBytes(): number {
    let used = 0;
    for (const s of this.leases.values()) used += s.lease.bytes;
    for (const e of this.resident.values()) used += e.bytes;
    return used;
  }

  /** The state for `GET /api/vram`. */
  snapshot(): ArbiterSnapshot {
    const resident: ArbiterSnapshot['resident'] = { sd: [], llm: [] };
    for (const e of this.resident.values()) resident[e.worker].push({ ...e });
    const models: ArbiterSnapshot['models'] = this.corrections.all();
    for (const [model, p] of this.lastProjected) {
      if (!models.some((m) => m.model === model))
        models.push({
          model,
          projectedBytes: p.bytes,
          actualBytes: null,
          ratio: 1,
          samples: 0,
          updatedAt: p.at,
        });
    }
    return {
      budgetBytes: this.budgetBytes,
      reserveBytes: this.reserveBytes,
      capacityBytes: Math.max(0, this.budgetBytes - this.reserveBytes),
      usedBytes: this.usedBytes(),
      leases: [...this.leases.entries()].map(([id, s]) => ({
        id,
        holder: s.lease.holder,
        worker: s.lease.worker,
        model: s.lease.model,
        bytes: s.lease.bytes,
        weightsBytes: s.lease.weightsBytes,
        since: s.since,
        mitigations: s.lease.mitigations,
      })),
      resident,
      queue: this.queue
        .filter((w) => !w.done)
        .map((w) => ({
          holder: w.req.holder,
          worker: w.req.worker,
          model: w.req.model,
          since: w.since,
          ...(w.reason ? { reason: w.reason } : {}),
        })),
      models,
      decisions: [...this.history],
      leaseLog: this.leaseLog.map((e) => ({ ...e })),
    };
  }

  private logRelease(id: number, end: 'released' | 'worker-gone'): void {
    const e = this.leaseLogById.get(id);
    if (!e || e.releasedSeq !== undefined) return;
    e.releasedAt = this.now();
    e.releasedSeq = ++this.ledgerSeq;
    e.end = end;
  }

  private removeWaiter(w: Waiter): void {
    const i = this.queue.indexOf(w);
    if (i >= 0) this.queue.splice(i, 1);
    w.cleanup();
  }

  private ledger(): { resident: ResidentEntry[]; leases: LeaseEntry[] } {
    return {
      resident: [...this.resident.values()].map(({ inUse: _u, ...e }) => e),
      leases: [...this.leases.values()].map((s) => ({
        holder: s.lease.holder,
        worker: s.lease.worker,
        bytes: s.lease.bytes,
      })),
    };
  }

  private async pump(): Promise<void> {
    if (this.pumping) {
      this.dirty = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.dirty = false;
        await this.drain();
      } while (this.dirty);
    } finally {
      this.pumping = false;
      const ws = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of ws) r();
    }
  }

  /** Serves the queue head until it must wait or the queue is empty. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const w = this.queue[0]!;
      if (w.done) {
        this.queue.shift();
        continue;
      }
      const d = decide({
        budgetBytes: this.budgetBytes,
        reserveBytes: this.reserveBytes,
        request: w.req,
        ...this.ledger(),
        mitigationsAvailable: this.opts.mitigationsAvailable ?? {},
      });
      this.emit(w, d);
      if (d.action === 'wait') {
        w.reason = d.reason;
        return;
      }
      if (d.action === 'refuse') {
        this.finish(w);
        w.reject(
          new OperationalError('VRAM_REFUSED', d.message, {
            reason: d.reason,
            holder: w.req.holder,
            model: w.req.model,
          }),
        );
        continue;
      }
      const evictions = d.action === 'proceed' ? [] : d.evictions;
      if (evictions.length > 0) {
        try {
          for (const ev of evictions) {
            await this.opts.evict(ev.worker, ev.model, ev.mode);
            this.noteEvicted(ev.worker, ev.model, ev.mode);
          }
        } catch (err) {
          if (!w.done) {
            this.finish(w);
            const msg = err instanceof Error ? err.message : String(err);
            w.reject(
              new OperationalError(
                'VRAM_EVICT_FAILED',
                `Could not free memory for ${w.req.label ?? w.req.model}: ${msg}`,
                { holder: w.req.holder },
              ),
            );
          }
        }
        continue; // re-decide on the new ledger
      }
      this.grant(w, d.action === 'mitigate' ? d.mitigations : {}, d.projectedBytes);
    }
  }

  private noteEvicted(worker: WorkerKind, model: string, mode: 'soft' | 'hard'): void {
    for (const [k, e] of this.resident) {
      if (e.worker === worker && e.model === model && (mode === 'hard' || e.kind === 'kv'))
        this.resident.delete(k);
    }
  }

  private finish(w: Waiter): void {
    w.done = true;
    this.removeWaiter(w);
  }

  private emit(w: Waiter, d: Decision): void {
    const k = `${d.action}|${d.message}`;
    if (w.lastKey === k) return;
    w.lastKey = k;
    w.decisions.push(d);
    const ev: DecisionEvent = {
      at: this.now(),
      holder: w.req.holder,
      worker: w.req.worker,
      model: w.req.model,
      decision: d,
    };
    this.history.push(ev);
    const max = this.opts.historySize ?? 50;
    if (this.history.length > max) this.history.splice(0, this.history.length - max);
    try {
      this.opts.onDecision?.(ev);
    } catch {
      // A broken listener must not wedge the queue.
    }
  }

  private grant(w: Waiter, mitigations: Mitigations, projectedBytes: number): void {
    this.finish(w);
    const req = w.req;
    // Split what was projected into compute (the lease) and new weights (a resident entry).
    const computeOnly = requestNeed({ ...req, alreadyResidentOnWorker: true }, mitigations);
    const bytes = Math.min(computeOnly, projectedBytes);
    const newWeights = req.alreadyResidentOnWorker ? 0 : Math.max(0, projectedBytes - bytes);
    let weightsBytes = newWeights;
    if (req.model) {
      const k = key(req.worker, req.model, 'weights');
      const prev = this.resident.get(k);
      if (prev) {
        prev.inUse += 1;
        prev.idle = false;
        prev.lastUsedAt = this.now();
        weightsBytes = prev.bytes;
      } else if (newWeights > 0) {
        this.resident.set(k, {
          worker: req.worker,
          model: req.model,
          label: req.label,
          kind: 'weights',
          bytes: newWeights,
          inUse: 1,
          idle: false,
          lastUsedAt: this.now(),
        });
      }
      // A reused LLM context is in use too.
      const kv = this.resident.get(key(req.worker, req.model, 'kv'));
      if (kv) {
        kv.inUse += 1;
        kv.idle = false;
      }
      // Corrections compare raw (uncorrected) estimates with actual peaks: comparing the corrected
      // projection would make the ratio oscillate between the truth and 1.
      if (w.rawTotal > 0) this.lastProjected.set(req.model, { bytes: w.rawTotal, at: this.now() });
    }
    const id = this.nextId++;
    const lease: Lease = {
      id,
      holder: req.holder,
      worker: req.worker,
      model: req.model,
      bytes,
      weightsBytes,
      mitigations,
      decisions: w.decisions,
      released: false,
      release: () => this.release(id),
    };
    this.leases.set(id, { lease, since: this.now() });
    const entry: LeaseLogEntry = {
      id,
      holder: req.holder,
      worker: req.worker,
      model: req.model,
      bytes,
      weightsBytes,
      grantedAt: this.now(),
      grantedSeq: ++this.ledgerSeq,
      usedAfterGrant: this.usedBytes(),
    };
    this.leaseLog.push(entry);
    this.leaseLogById.set(id, entry);
    const max = (this.opts.historySize ?? 50) * 4;
    while (this.leaseLog.length > max) this.leaseLogById.delete(this.leaseLog.shift()!.id);
    w.resolve(lease);
  }

  private release(id: number): void {
    const s = this.leases.get(id);
    if (!s) return;
    this.leases.delete(id);
    (s.lease as { released: boolean }).released = true;
    this.logRelease(id, 'released');
    const { worker, model } = s.lease;
    for (const kind of ['weights', 'kv'] as const) {
      const e = this.resident.get(key(worker, model, kind));
      if (!e) continue;
      e.inUse = Math.max(0, e.inUse - 1);
      e.idle = e.inUse === 0;
      e.lastUsedAt = this.now();
      if (e.idle && this.opts.transientWorkers?.includes(worker))
        this.resident.delete(key(worker, model, kind));
    }
    void this.pump();
  }
}

function cancelled(holder: string): OperationalError {
  return new OperationalError(
    'CANCELLED',
    `cancelled while waiting for VRAM (${holder})`,
    { holder },
    409,
  );
}
