/**
 * The runtime side of the protocol: calls a worker's job endpoint and reads its NDJSON stream.
 * Aborting `signal` aborts the HTTP request, which is how the worker learns to cancel
 * (design.md §2). A connection that drops without a `result`/`error` line means the worker died:
 * the call rejects with `WORKER_CRASHED`.
 */
import { errorFromWire, OperationalError, type MystiError } from '../../wire/errors';
import {
  healthBody,
  streamLine,
  type HealthBody,
  type MemoryReport,
  type ProgressMsg,
} from './messages';

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: ProgressMsg) => void;
  onLog?: (level: string, message: string) => void;
}

export interface CallResult {
  output: Record<string, unknown>;
  memory?: MemoryReport;
}

/** Typed client for one worker at `http://127.0.0.1:<port>`. */
export class WorkerClient {
  constructor(
    readonly kind: string,
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' };
  }

  /** `GET /internal/health`, validated. Rejects on network failure or a bad body. */
  async health(timeoutMs = 2_000): Promise<HealthBody> {
    const res = await fetch(`${this.baseUrl}/internal/health`, {
      headers: this.headers(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok)
      throw new OperationalError(
        'WORKER_UNHEALTHY',
        `${this.kind} worker health answered ${res.status}`,
      );
    return healthBody.parse(await res.json());
  }

  /** Asks the worker to free memory: `soft` drops caches/contexts, `hard` unloads models. */
  async unload(mode: 'soft' | 'hard'): Promise<void> {
    const res = await fetch(`${this.baseUrl}/internal/unload`, {
      method: 'POST',
      headers: this.headers(),
      body: JSON.stringify({ mode }),
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok)
      throw new OperationalError(
        'WORKER_UNLOAD_FAILED',
        `${this.kind} worker unload answered ${res.status}`,
      );
  }

  /**
   * Runs one job and resolves with its result line.
   * @throws MystiError with the worker's code (e.g. OUT_OF_MEMORY), `CANCELLED` when aborted,
   *   `WORKER_CRASHED` when the stream ends without a result.
   */
  async call(
    job: string,
    payload: Record<string, unknown>,
    opts: CallOptions = {},
  ): Promise<CallResult> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}/internal/jobs/${job}`, {
        method: 'POST',
        headers: this.headers(),
        body: JSON.stringify(payload),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    } catch (err) {
      throw this.transportError(err, opts.signal);
    }
    if (!res.ok || !res.body) {
      const body = (await res.json().catch(() => null)) as {
        error?: { code: string; message: string };
      } | null;
      throw body?.error
        ? errorFromWire(body.error)
        : new OperationalError('WORKER_FAILED', `${this.kind} worker answered ${res.status}`);
    }
    const decoder = new TextDecoder();
    let buf = '';
    try {
      // Node's web ReadableStream is async-iterable; lib.dom only types that with DOM.AsyncIterable, not in our lib.
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const raw = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!raw.trim()) continue;
          const msg = streamLine.parse(JSON.parse(raw));
          if (msg.type === 'progress') opts.onProgress?.(msg);
          else if (msg.type === 'log') opts.onLog?.(msg.level, msg.message);
          else if (msg.type === 'result')
            return { output: msg.output, ...(msg.memory ? { memory: msg.memory } : {}) };
          else throw errorFromWire(msg.error);
        }
      }
    } catch (err) {
      // An aborted fetch throws a DOMException whose numeric `code` is 20: only string codes are ours.
      if (typeof (err as MystiError).code === 'string') throw err;
      throw this.transportError(err, opts.signal);
    }
    throw this.transportError(new Error('stream ended without a result'), opts.signal);
  }

  private transportError(err: unknown, signal?: AbortSignal): MystiError {
    if (signal?.aborted) return new OperationalError('CANCELLED', 'cancelled', undefined, 409);
    return new OperationalError(
      'WORKER_CRASHED',
      `the ${this.kind} worker stopped answering (${(err as Error).message})`,
      { worker: this.kind },
    );
  }
}
