/**
 * One `sd-server` child process (sdcpp.md §2) for one model stack: started on 127.0.0.1 at a port
 * the worker picked, verified to be our own child before the first job, watched for death, and
 * stopped with SIGTERM then SIGKILL. Its stdout carries the same log lines and progress bars as
 * the CLI; they are parsed here (progress.ts) and routed to the job that is generating.
 *
 * Readiness = our child printed `listening on: http://127.0.0.1:<port>` AND
 * `GET /sdcpp/v1/capabilities` at that port names the model path we started it with. A child that
 * exits after printing `listening on` (observed: a taken port makes it exit 0 right after that line)
 * or whose port answers for another model is retried on another port by the manager.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, realpathSync } from 'node:fs';
import { SdOutputParser, type SdProgress } from '../progress';
import type { SdExit } from '../errors';

/** A free loopback port (bound then released; the child may still lose a race → retried). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function real(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * util-linux `setpriv --pdeathsig SIGKILL` (prctl PR_SET_PDEATHSIG, then exec): the kernel kills
 * the sd-server when the worker dies by any means, SIGKILL included — Node has no prctl of its own.
 * Absent (not Linux, no util-linux) → the worker's exit handler and stdin watch are the only guards.
 */
const SETPRIV =
  process.platform === 'linux'
    ? ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))
    : undefined;

/** Why a start failed: `port` = the listen address was taken (try another), `exit` = the engine refused. */
export class ServerStartError extends Error {
  constructor(
    message: string,
    readonly reason: 'port' | 'exit' | 'timeout' | 'foreign',
    readonly exit?: SdExit,
  ) {
    super(message);
  }
}

/** Shared with main.ts: children that must die with the worker. */
export interface ChildRegistry {
  add(c: ChildProcess): void;
  delete(c: ChildProcess): void;
}

export class ServerChild {
  readonly parser: SdOutputParser;
  /** `loading tensors completed` lines seen: one per module loaded (text encoder, UNet, VAE/TAE). */
  tensorLoads = 0;
  /** Jobs completed by this child. */
  jobsDone = 0;
  readonly startedAt = Date.now();
  private child: ChildProcess | null = null;
  private sink: ((p: SdProgress) => void) | null = null;
  /** Progress sinks of submitted jobs in submission order (the server runs its queue FIFO). */
  private readonly pending: ((p: SdProgress) => void)[] = [];
  private stderrLines: string[] = [];
  private stdoutTail: string[] = [];
  private lineBuf = '';
  private errBuf = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exitWaiters: ((x: {
    code: number | null;
    signal: NodeJS.Signals | null;
  }) => void)[] = [];
  private listening = false;
  /** Wakes start()'s readiness loop at once when `listening on` is printed or the child exits. */
  private startWaker: (() => void) | null = null;
  private doneWaiters: (() => void)[] = [];
  private donePromise: Promise<void> | null = null;
  private stopping = false;

  constructor(
    readonly binary: string,
    readonly argv: string[],
    readonly port: number,
    readonly modelPath: string,
    private readonly registry: ChildRegistry,
    private readonly onLog?: (level: 'warn' | 'error', line: string) => void,
  ) {
    this.parser = new SdOutputParser((p) => this.sink?.(p));
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get alive(): boolean {
    return this.child !== null && this.exitInfo === null;
  }

  /** True once {@link stop} was called (a job seeing the exit then reports a cancel, not a crash). */
  get isStopping(): boolean {
    return this.stopping;
  }

  /**
   * Registers the progress sink of a job just submitted. The server generates one job at a time,
   * in submission order, and starts each with a `generate_image WxH` log line: at that line the
   * next sink in line receives the bars (progress is not per job over HTTP, sdcpp.md §2).
   * @returns a function removing the sink (job finished, failed or cancelled while queued).
   */
  addSink(s: (p: SdProgress) => void): () => void {
    this.pending.push(s);
    return () => {
      const i = this.pending.indexOf(s);
      if (i >= 0) this.pending.splice(i, 1);
      if (this.sink === s) this.sink = null;
    };
  }

  /** Resolves at the next `generate_image completed` line (or exit): the poller asks at once then. */
  nextGenerationDone(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    // One shared promise per generation, so a long job's poll loop does not pile up waiters.
    this.donePromise ??= new Promise<void>((r) =>
      this.doneWaiters.push(() => {
        this.donePromise = null;
        r();
      }),
    );
    return this.donePromise;
  }

  /** The last stderr lines (for error messages). */
  lastStderr(n = 10): string[] {
    return this.stderrLines.slice(-n);
  }

  /** How the child ended and what it printed, shaped for errors.ts. */
  exitRecord(cancelled = false): SdExit {
    return {
      code: this.exitInfo?.code ?? null,
      signal: this.exitInfo?.signal ?? null,
      stdoutLines: [...this.stdoutTail],
      stderrLines: [...this.stderrLines],
      cancelled,
    };
  }

  /** Resolves when the child has exited (at once if it already has). */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.exitInfo || !this.child)
      return Promise.resolve(this.exitInfo ?? { code: null, signal: null });
    return new Promise((r) => this.exitWaiters.push(r));
  }

  /**
   * Spawns the child and waits until it is ready and verified.
   * @throws ServerStartError `port` (address in use), `exit` (the engine exited: bad model, …),
   *   `timeout` (no answer within `timeoutMs`), `foreign` (the port answers for another model).
   */
  async start(timeoutMs: number): Promise<void> {
    const child = SETPRIV
      ? spawn(SETPRIV, ['--pdeathsig', 'SIGKILL', '--', this.binary, ...this.argv], {
          stdio: ['ignore', 'pipe', 'pipe'],
          windowsHide: true,
        })
      : spawn(this.binary, this.argv, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    this.child = child;
    this.registry.add(child);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => this.onStdout(c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => this.onStderr(c));
    child.on('error', (err) => {
      this.stderrLines.push(`spawn failed: ${err.message}`);
      this.markExit(null, null);
    });
    child.on('exit', (code, signal) => this.markExit(code, signal));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitInfo) {
        // Observed at 97d2990: with the port taken sd-server prints `listening on: …` and exits 0.
        const portTaken = this.listening || this.exitInfo.code === 0;
        throw new ServerStartError(
          `sd-server exited during start-up (${this.describeExit()})`,
          portTaken ? 'port' : 'exit',
          this.exitRecord(),
        );
      }
      if (this.listening) {
        const caps = await this.capabilities().catch(() => null);
        if (caps) {
          const path = (caps as { model?: { path?: string } }).model?.path;
          if (!path || real(path) !== real(this.modelPath)) {
            await this.stop(200);
            throw new ServerStartError(
              `the server on 127.0.0.1:${this.port} names model ${path ?? '(none)'}, not ${this.modelPath}: not our child`,
              'foreign',
            );
          }
          return;
        }
      }
      // Loading the weights takes most of start-up: wait for the `listening on` line (or an exit)
      // instead of sleeping a full poll interval past it; the interval stays as a fallback.
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.startWaker = () => {
          clearTimeout(t);
          r();
        };
      });
      this.startWaker = null;
    }
    await this.stop(200);
    throw new ServerStartError(
      `sd-server did not answer on 127.0.0.1:${this.port} within ${Math.round(timeoutMs / 1000)} s`,
      'timeout',
      this.exitRecord(),
    );
  }

  /** `GET /sdcpp/v1/capabilities` (rejects on any failure). */
  async capabilities(): Promise<Record<string, unknown>> {
    const r = await fetch(this.url('/sdcpp/v1/capabilities'), {
      signal: AbortSignal.timeout(2_000),
    });
    if (!r.ok) throw new Error(`capabilities: HTTP ${r.status}`);
    return (await r.json()) as Record<string, unknown>;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child is gone. Idempotent. */
  async stop(graceMs = 500): Promise<void> {
    this.stopping = true;
    const c = this.child;
    if (!c || this.exitInfo) return;
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), graceMs);
    await this.exited();
    clearTimeout(t);
  }

  private describeExit(): string {
    const x = this.exitInfo;
    return x?.signal ? `killed by ${x.signal}` : `exit ${x?.code ?? '?'}`;
  }

  private markExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitInfo) return;
    this.exitInfo = { code, signal };
    if (this.child) this.registry.delete(this.child);
    this.parser.end();
    if (this.errBuf.trim()) this.stderrLines.push(this.errBuf);
    for (const w of this.exitWaiters.splice(0)) w(this.exitInfo);
    for (const w of this.doneWaiters.splice(0)) w();
    this.startWaker?.();
  }

  private onStdout(c: string): void {
    // Feed the parser line by line so the sink switches at `generate_image` before that job's lines.
    let start = 0;
    for (let i = c.indexOf('\n'); i >= 0; i = c.indexOf('\n', start)) {
      const piece = c.slice(start, i + 1);
      const line = this.lineBuf + piece.slice(0, -1);
      this.lineBuf = '';
      this.inspect(line.slice(line.lastIndexOf('\r') + 1));
      this.parser.feed(piece);
      start = i + 1;
    }
    const rest = c.slice(start);
    this.lineBuf += rest;
    if (rest) this.parser.feed(rest);
  }

  private inspect(l: string): void {
    if (/ - generate_image \d+x\d+/.test(l)) this.sink = this.pending.shift() ?? null;
    if (/loading tensors completed/.test(l)) this.tensorLoads++;
    if (/ - generate_image completed in /.test(l)) for (const w of this.doneWaiters.splice(0)) w();
    if (l.includes(`listening on: http://127.0.0.1:${this.port}`)) {
      this.listening = true;
      this.startWaker?.();
    }
    if (/^\[/.test(l)) {
      this.stdoutTail.push(l);
      if (this.stdoutTail.length > 200) this.stdoutTail.shift();
    }
  }

  private onStderr(c: string): void {
    this.errBuf += c;
    const parts = this.errBuf.split('\n');
    this.errBuf = parts.pop() ?? '';
    for (const l of parts) {
      if (!l.trim()) continue;
      this.stderrLines.push(l);
      if (this.stderrLines.length > 500) this.stderrLines.shift();
      this.onLog?.(/^\[ERROR\]|error|failed|insufficient/i.test(l) ? 'error' : 'warn', l);
    }
  }
}
