/**
 * Starts and watches worker processes (design.md §2): spawn on first use with a transient token
 * and a loopback random port (read from the worker's ready line), health checks, restart with
 * exponential backoff, a crash-loop breaker, and — the property users feel — an in-flight call
 * fails with WORKER_CRASHED the moment its worker dies (never a hung run).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import { WorkerClient, type CallOptions, type CallResult } from '../../workers/protocol/client';
import {
  READY_PREFIX,
  TOKEN_ENV,
  PROTOCOL_VERSION,
  type HealthBody,
} from '../../workers/protocol/messages';
import { OperationalError, type ErrorCode } from '../errors';
import type { Logger } from '../log';
import {
  DEFAULT_STALL_LIMITS_MS,
  StallWatchdog,
  type Stall,
  type StallLimits,
} from './stall-watchdog';

/** Repository root (workers are started with cwd here so `--import tsx` resolves). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export type WorkerState = 'stopped' | 'starting' | 'ready' | 'crashed' | 'broken';

export interface WorkerSpec {
  /** Entry file, relative to the repo root (e.g. `workers/sd/main.ts`). */
  entry: string;
  /** Extra environment for this worker. */
  env?: Record<string, string>;
  /**
   * Removes what a crashed process of this worker left behind (its scratch files); called before
   * the worker is started again after an unexpected exit (issue 18 #11). Errors are logged.
   */
  cleanupAfterCrash?: () => void;
}

export interface SupervisorOptions {
  workers: Record<string, WorkerSpec>;
  logger: Logger;
  /** Called on every state change and alert (the runtime turns them into events). */
  onStatus?: (e: { worker: string; state: WorkerState; pid?: number; message?: string }) => void;
  onAlert?: (e: { worker: string; code: ErrorCode; message: string }) => void;
  /** Base restart backoff (ms), doubled per consecutive crash, capped at 30 s. */
  backoffMs?: number;
  /** Crash-loop breaker: this many crashes within `crashWindowMs` → `broken`. */
  maxCrashes?: number;
  crashWindowMs?: number;
  /** Health check period while running (ms); 0 disables. */
  healthIntervalMs?: number;
  /** How long a worker may take to print its ready line (ms). */
  startTimeoutMs?: number;
  /**
   * Silence allowed per progress phase during a call (ms; stall-watchdog.ts), merged over the
   * defaults (load 300 s, other phases 120 s). A stalled call fails with ENGINE_STALLED.
   */
  stallMs?: Partial<StallLimits>;
  /** How long a worker gets to answer a health check after a stall before it is killed (ms). */
  stallHealthTimeoutMs?: number;
}

interface Slot {
  kind: string;
  state: WorkerState;
  child?: ChildProcess;
  client?: WorkerClient;
  starting?: Promise<WorkerClient>;
  inflight: Set<AbortController>;
  crashes: number[];
  consecutive: number;
  nextStartAt: number;
  healthTimer?: NodeJS.Timeout;
  healthFailures: number;
  lastHealth?: HealthBody;
}

/** Supervises one process per worker kind. */
export class WorkerSupervisor {
  private readonly slots = new Map<string, Slot>();
  private closed = false;

  constructor(private readonly opts: SupervisorOptions) {
    for (const kind of Object.keys(opts.workers)) {
      this.slots.set(kind, {
        kind,
        state: 'stopped',
        inflight: new Set(),
        crashes: [],
        consecutive: 0,
        nextStartAt: 0,
        healthFailures: 0,
      });
    }
  }

  /** Kinds this supervisor knows. */
  kinds(): string[] {
    return [...this.slots.keys()];
  }

  /** State, pid and last health of each worker (for GET /api/health and /api/vram). */
  status(): Record<
    string,
    { state: WorkerState; pid: number | null; health: HealthBody | null; crashes: number }
  > {
    const out: ReturnType<WorkerSupervisor['status']> = {};
    for (const s of this.slots.values()) {
      out[s.kind] = {
        state: s.state,
        pid: s.child?.pid ?? null,
        health: s.lastHealth ?? null,
        crashes: s.crashes.length,
      };
    }
    return out;
  }

  /**
   * Calls `job` on the `kind` worker, starting it if needed. The call rejects with
   * WORKER_CRASHED as soon as the process exits, CANCELLED when `signal` aborts.
   */
  async call(
    kind: string,
    job: string,
    payload: Record<string, unknown>,
    opts: CallOptions = {},
  ): Promise<CallResult> {
    const slot = this.slot(kind);
    const client = await this.ensure(slot);
    const ac = new AbortController();
    const onAbort = () => ac.abort(opts.signal?.reason);
    if (opts.signal?.aborted) throw new OperationalError('CANCELLED', 'cancelled', undefined, 409);
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    slot.inflight.add(ac);
    let stall: Stall | null = null;
    const watchdog = new StallWatchdog(
      { ...DEFAULT_STALL_LIMITS_MS, ...this.opts.stallMs },
      (s) => {
        stall = s;
        ac.abort(STALLED); // cancels the job: the worker kills its engine process (sd-cli: SIGTERM, then SIGKILL)
      },
    );
    try {
      return await client.call(job, payload, {
        ...opts,
        signal: ac.signal,
        onProgress: (p) => {
          watchdog.beat(p);
          opts.onProgress?.(p);
        },
        onLog: (level, message) => {
          watchdog.beat();
          opts.onLog?.(level, message);
        },
      });
    } catch (err) {
      if (ac.signal.aborted && ac.signal.reason === CRASHED) {
        throw new OperationalError(
          'WORKER_CRASHED',
          `the ${kind} worker crashed while running this node`,
          { worker: kind },
        );
      }
      if (ac.signal.aborted && ac.signal.reason === STALLED && stall) {
        const s: Stall = stall;
        await this.killIfWedged(slot);
        const at = s.step !== undefined ? ` at step ${s.step}${s.steps ? `/${s.steps}` : ''}` : '';
        throw new OperationalError(
          'ENGINE_STALLED',
          `the ${kind} engine stalled while ${s.phase}${at}: no progress for ${Math.round(s.silentMs / 1000)} s (limit ${Math.round(s.limitMs / 1000)} s); it was stopped`,
          { worker: kind, job, ...s },
        );
      }
      throw err;
    } finally {
      watchdog.stop();
      slot.inflight.delete(ac);
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * After a stall the job was cancelled, which stops an engine child (sd-cli) — but when the worker
   * process itself is stopped or wedged (the LLM engine runs inside it) nothing answers: a worker
   * that fails a health check within `stallHealthTimeoutMs` is SIGKILLed (restarted on next use).
   */
  private async killIfWedged(slot: Slot): Promise<void> {
    const child = slot.child;
    const client = slot.client;
    if (!child || !client) return;
    const timeoutMs = this.opts.stallHealthTimeoutMs ?? 2_000;
    let timer: NodeJS.Timeout | undefined;
    const healthy = await Promise.race([
      client.health().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (healthy || slot.child !== child || child.exitCode !== null || child.signalCode !== null)
      return;
    this.opts.logger.error(
      { worker: slot.kind, pid: child.pid },
      'worker did not answer after a stall; killing it',
    );
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Asks a running worker to free memory; a stopped worker holds nothing, so that is a no-op. */
  async unload(kind: string, mode: 'soft' | 'hard'): Promise<void> {
    const slot = this.slot(kind);
    if (slot.state !== 'ready' || !slot.client) return;
    await slot.client.unload(mode);
  }

  /** The client of a running worker, or starts it. */
  async client(kind: string): Promise<WorkerClient> {
    return this.ensure(this.slot(kind));
  }

  /** Stops a worker (idle eviction or shutdown). In-flight calls fail with WORKER_CRASHED. */
  async stop(kind: string): Promise<void> {
    const slot = this.slot(kind);
    const child = slot.child;
    if (!child || child.exitCode !== null) return;
    slot.state = 'stopped';
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(t);
  }

  /** Clears a crash-loop breaker so the next call starts the worker again. */
  reset(kind: string): void {
    const slot = this.slot(kind);
    slot.crashes = [];
    slot.consecutive = 0;
    slot.nextStartAt = 0;
    if (slot.state === 'broken') this.setState(slot, 'stopped');
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.kinds().map((k) => this.stop(k)));
  }

  private slot(kind: string): Slot {
    const s = this.slots.get(kind);
    if (!s) throw new OperationalError('WORKER_UNKNOWN', `no worker of kind ${kind} is configured`);
    return s;
  }

  private async ensure(slot: Slot): Promise<WorkerClient> {
    if (slot.state === 'ready' && slot.client) return slot.client;
    if (slot.starting) return slot.starting;
    if (this.closed) throw new OperationalError('SHUTTING_DOWN', 'the runtime is shutting down');
    if (slot.state === 'broken') {
      throw new OperationalError(
        'WORKER_UNAVAILABLE',
        `the ${slot.kind} worker crashed ${slot.crashes.length} times in a row and is paused; check its log, then restart it`,
        { worker: slot.kind },
      );
    }
    const wait = slot.nextStartAt - Date.now();
    slot.starting = (async () => {
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return this.spawn(slot);
    })().finally(() => {
      slot.starting = undefined;
    });
    return slot.starting;
  }

  private spawn(slot: Slot): Promise<WorkerClient> {
    const spec = this.opts.workers[slot.kind]!;
    if (slot.state === 'crashed' && spec.cleanupAfterCrash) {
      try {
        spec.cleanupAfterCrash();
      } catch (err) {
        this.opts.logger.warn(
          { worker: slot.kind, err: (err as Error).message },
          'could not clean up after the crashed worker',
        );
      }
    }
    const token = randomBytes(32).toString('hex');
    this.setState(slot, 'starting');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve(REPO_ROOT, spec.entry)],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...spec.env, [TOKEN_ENV]: token },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    slot.child = child;
    const log = this.opts.logger.child({ worker: slot.kind, pid: child.pid });
    const startTimeout = this.opts.startTimeoutMs ?? 30_000;

    return new Promise<WorkerClient>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        if (!ready) {
          child.kill('SIGKILL');
          reject(
            new OperationalError(
              'WORKER_START_FAILED',
              `the ${slot.kind} worker did not start within ${startTimeout} ms`,
            ),
          );
        }
      }, startTimeout);
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        if (!ready && line.startsWith(READY_PREFIX)) {
          const hello = JSON.parse(line.slice(READY_PREFIX.length)) as {
            port: number;
            protocol: number;
          };
          if (hello.protocol !== PROTOCOL_VERSION) {
            child.kill('SIGKILL');
            return reject(
              new OperationalError(
                'WORKER_PROTOCOL',
                `the ${slot.kind} worker speaks protocol ${hello.protocol}, expected ${PROTOCOL_VERSION}`,
              ),
            );
          }
          ready = true;
          clearTimeout(timer);
          slot.client = new WorkerClient(slot.kind, `http://127.0.0.1:${hello.port}`, token);
          slot.healthFailures = 0;
          this.setState(slot, 'ready', child.pid);
          this.startHealth(slot);
          resolve(slot.client);
        } else {
          log.info({ stream: 'stdout' }, line);
        }
      });
      readline
        .createInterface({ input: child.stderr! })
        .on('line', (line) => log.warn({ stream: 'stderr' }, line));
      child.on('error', (err) => log.error({ err: err.message }, 'worker spawn error'));
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.onExit(slot, child, code, signal);
        if (!ready)
          reject(
            new OperationalError(
              'WORKER_START_FAILED',
              `the ${slot.kind} worker exited before it was ready (code ${code}, signal ${signal})`,
            ),
          );
      });
    });
  }

  private onExit(
    slot: Slot,
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
  ): void {
    if (slot.child !== child) return;
    clearInterval(slot.healthTimer);
    slot.client = undefined;
    slot.child = undefined;
    slot.lastHealth = undefined;
    for (const ac of slot.inflight) ac.abort(CRASHED);
    const intentional = slot.state === 'stopped' || this.closed;
    if (intentional) {
      this.setState(slot, 'stopped');
      return;
    }
    const now = Date.now();
    const windowMs = this.opts.crashWindowMs ?? 60_000;
    slot.crashes = [...slot.crashes.filter((t) => now - t < windowMs), now];
    slot.consecutive++;
    const backoff = Math.min(30_000, (this.opts.backoffMs ?? 500) * 2 ** (slot.consecutive - 1));
    slot.nextStartAt = now + backoff;
    const message = `the ${slot.kind} worker exited unexpectedly (code ${code}, signal ${signal})`;
    this.opts.logger.error({ worker: slot.kind, code, signal, backoffMs: backoff }, message);
    if (slot.crashes.length >= (this.opts.maxCrashes ?? 5)) {
      this.setState(
        slot,
        'broken',
        undefined,
        `${message}; ${slot.crashes.length} crashes within ${windowMs / 1000} s, paused`,
      );
      this.opts.onAlert?.({
        worker: slot.kind,
        code: 'WORKER_CRASH_LOOP',
        message: `${message}. It crashed ${slot.crashes.length} times within ${windowMs / 1000} s and is paused.`,
      });
    } else {
      this.setState(slot, 'crashed', undefined, message);
      this.opts.onAlert?.({
        worker: slot.kind,
        code: 'WORKER_CRASHED',
        message: `${message}; it restarts on the next job (in ${backoff} ms at the earliest)`,
      });
    }
  }

  private startHealth(slot: Slot): void {
    const every = this.opts.healthIntervalMs ?? 5_000;
    if (!every) return;
    clearInterval(slot.healthTimer);
    slot.healthTimer = setInterval(async () => {
      const client = slot.client;
      if (!client) return;
      try {
        slot.lastHealth = await client.health();
        slot.healthFailures = 0;
        slot.consecutive = 0;
      } catch {
        // A busy engine may be slow to answer; only a run of failures means it is wedged.
        if (++slot.healthFailures >= 3) {
          this.opts.logger.error(
            { worker: slot.kind },
            'worker failed 3 health checks; killing it',
          );
          slot.child?.kill('SIGKILL');
        }
      }
    }, every);
    slot.healthTimer.unref();
  }

  private setState(slot: Slot, state: WorkerState, pid?: number, message?: string): void {
    slot.state = state;
    this.opts.onStatus?.({
      worker: slot.kind,
      state,
      ...(pid ? { pid } : {}),
      ...(message ? { message } : {}),
    });
  }
}

/** Abort reason marking "the process died", distinct from a user cancel. */
const CRASHED = Symbol('worker-crashed');
/** Abort reason marking "the stall watchdog fired". */
const STALLED = Symbol('worker-stalled');
