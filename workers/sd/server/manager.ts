/**
 * The resident stack of the sd worker: at most one `sd-server` child (one model stack resident by
 * default, issue 12), replaced when a job needs another stack, stopped on unload / eviction /
 * cancel of a generating job / worker exit.
 *
 * Jobs of the running stack share the child (the server queues them: one generates, the rest wait
 * in its async queue and can be cancelled through its API). A job for another stack waits until
 * the child has no job, then the child is stopped and a new one started.
 */
import { existsSync, statSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { WorkerJobError } from '../../protocol/server';
import { mapSdFailure } from '../errors';
import { ServerChild, ServerStartError, freePort } from './child';
import { changedMitigations, serverArgv, stackKey, type StackSpec } from './flags';

export interface ManagerOptions {
  binary: string;
  backendFlag: boolean;
  /** Start-up timeout per attempt (ms). */
  startTimeoutMs: number;
  /** SIGTERM → SIGKILL grace when stopping (ms). */
  graceMs: number;
  children: { add(c: ChildProcess): void; delete(c: ChildProcess): void };
  onLog?: (level: 'warn' | 'error', line: string) => void;
  /** Picks the port of each start attempt (default: a free loopback port from the OS). */
  pickPort?: () => Promise<number>;
}

/** What a job holds while it uses the child; `release()` exactly once. */
export interface ServerLease {
  child: ServerChild;
  spec: StackSpec;
  /** Why a (re)start happened for this job, e.g. `restarted sd-server for vaeTiling`; absent = reused. */
  started?: string;
  release(): void;
}

function fileBytes(p?: string): number {
  return p && existsSync(p) ? statSync(p).size : 0;
}

export class ServerManager {
  private child: ServerChild | null = null;
  private spec: StackSpec | null = null;
  private key = '';
  private users = 0;
  private idleWaiters: (() => void)[] = [];
  private switching: Promise<void> = Promise.resolve();
  /** Number of sd-server processes started by this worker (health, tests). */
  starts = 0;
  /** Why the last restart happened (health). */
  lastStartReason = '';

  constructor(private readonly o: ManagerOptions) {}

  /** The running stack for health: model, bytes of its files, pid/port, load and job counters. */
  loaded(): (Record<string, unknown> & { modelId: string; path: string; bytes: number }) | null {
    const c = this.child;
    const s = this.spec;
    if (!c || !s || !c.alive) return null;
    return {
      modelId: s.modelPath.split('/').pop() ?? s.modelPath,
      path: s.modelPath,
      bytes: fileBytes(s.modelPath) + fileBytes(s.vaePath) + fileBytes(s.taesdPath),
      mode: 'server',
      stack: s,
      serverArgv: c.argv,
      pid: c.pid,
      tensorLoads: c.tensorLoads,
      jobs: c.jobsDone,
      starts: this.starts,
      lastStartReason: this.lastStartReason,
    };
  }

  /**
   * A child for `spec`, started (or replaced) when needed.
   * @throws WorkerJobError ENGINE_FAILED naming sd-server and its last stderr lines (timeout,
   *   no free port), or the CLI's codes for an engine that refused the stack (MODEL_NOT_FOUND, …).
   */
  async acquire(spec: StackSpec, signal: AbortSignal): Promise<ServerLease> {
    const key = stackKey(spec);
    // Serialize switches so two jobs of a new stack start one child.
    const turn = this.switching.then(async () => {
      if (this.child?.alive && this.key === key && !this.child.isStopping) return undefined;
      while (this.users > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
      if (signal.aborted) throw new WorkerJobError('CANCELLED', 'cancelled');
      const prev = this.spec;
      const why =
        !prev || !this.child?.alive
          ? prev
            ? 'started sd-server (the previous one had stopped)'
            : 'started sd-server'
          : prev.modelPath !== spec.modelPath ||
              prev.vaePath !== spec.vaePath ||
              prev.taesdPath !== spec.taesdPath
            ? `replaced sd-server: stack ${prev.modelPath} → ${spec.modelPath}`
            : `restarted sd-server with new start-up flags (${changedMitigations(prev, spec).join(', ') || 'threads'})`;
      await this.stop();
      await this.startFor(spec, key);
      this.lastStartReason = why;
      return why;
    });
    this.switching = turn.then(
      () => undefined,
      () => undefined,
    );
    const started = await turn;
    const child = this.child!;
    this.users++;
    let done = false;
    return {
      child,
      spec,
      ...(started ? { started } : {}),
      release: () => {
        if (done) return;
        done = true;
        this.users--;
        if (this.users === 0) for (const w of this.idleWaiters.splice(0)) w();
      },
    };
  }

  /** Stops the child (unload, eviction, worker exit). Running jobs see it die and fail/cancel. */
  async stop(): Promise<void> {
    const c = this.child;
    this.child = null;
    this.spec = null;
    this.key = '';
    if (c) await c.stop(this.o.graceMs);
  }

  /** Forgets a child that died on its own (the next job starts a new one). */
  forget(c: ServerChild): void {
    if (this.child === c) {
      this.child = null;
      this.spec = null;
      this.key = '';
    }
  }

  private async startFor(spec: StackSpec, key: string): Promise<void> {
    let lastErr: ServerStartError | null = null;
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await (this.o.pickPort ?? freePort)();
      const argv = serverArgv(spec, port, this.o.backendFlag);
      const c = new ServerChild(
        this.o.binary,
        argv,
        port,
        spec.modelPath,
        this.o.children,
        this.o.onLog,
      );
      this.starts++;
      try {
        await c.start(this.o.startTimeoutMs);
        this.child = c;
        this.spec = spec;
        this.key = key;
        void c.exited().then(() => this.forget(c));
        return;
      } catch (err) {
        if (!(err instanceof ServerStartError)) throw err;
        lastErr = err;
        if (err.reason === 'port' || err.reason === 'foreign') continue;
        break;
      }
    }
    const e = lastErr!;
    const tail = e.exit?.stderrLines.slice(-10) ?? [];
    if (e.reason === 'exit' && e.exit) {
      const mapped = mapSdFailure(e.exit);
      if (mapped.code !== 'ENGINE_FAILED') throw mapped;
    }
    throw new WorkerJobError(
      'ENGINE_FAILED',
      `${e.message} (${this.o.binary})${tail.length ? `; last stderr lines: ${tail.join(' | ')}` : '; it printed nothing on stderr'}`,
      {
        binary: this.o.binary,
        reason: e.reason,
        stderrTail: tail,
        ...(e.exit ? { exitCode: e.exit.code, signal: e.exit.signal } : {}),
      },
    );
  }
}
