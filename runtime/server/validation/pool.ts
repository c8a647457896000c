/**
 * Off-thread graph validation for large submits (issue 18 #9, issue 19 #3): JSON.parse + load +
 * migrate + validate of a 10,000-node graph is one synchronous block of 60–330 ms, during which
 * the studio answered nothing (`/api/health` waited as long). One `worker_threads` Worker (started
 * on first use, kept, unref'd so it never holds the process open) does it instead; the event loop
 * only pays the structured clone of the result back.
 *
 * Used only for bodies of at least {@link OFF_THREAD_MIN_CHARS} on the core catalog (the thread
 * loads nodes/index.ts itself; a studio started with other declarations validates inline). If the
 * thread cannot answer (it failed to start, died, or hit something that is not a MystiError) the
 * caller validates inline, so every error is the one the API has always given.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { GraphDoc } from '../../../nodes/core/graph';
import { CodedError, errorFromWire, type MystiError } from '../../errors';

/** Bodies shorter than this (characters of JSON text, ~1,000 nodes) are validated inline: the hop costs more. */
export const OFF_THREAD_MIN_CHARS = 256 * 1024;

/** What the thread answered: the prepared graph, the error to throw, or null = validate inline. */
export type ThreadAnswer =
  { graph: GraphDoc; graphId: string | null } | { error: MystiError } | null;

const BOOT = fileURLToPath(new URL('./boot.mjs', import.meta.url));

/** One validation thread; requests are answered in order, each by its id. */
export class GraphValidationPool {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, (a: ThreadAnswer) => void>();

  /**
   * Prepares the inline graph of a `POST /api/runs` body (its JSON text: `{graph, overrides?,
   * graphId?}`) in the thread. Never rejects: null when the thread could not answer or the body
   * has another shape (handle the request inline then).
   */
  prepare(body: string): Promise<ThreadAnswer> {
    const w = this.ensure();
    if (!w) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      w.postMessage({ id, body });
    });
  }

  /** Starts the thread now (at studio start-up), so the first large submit does not wait for it to boot. */
  warm(): void {
    this.ensure();
  }

  /** Stops the thread (studio shutdown); pending requests answer null. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.settleAll();
    if (w) await w.terminate();
  }

  private ensure(): Worker | null {
    if (this.worker) return this.worker;
    let w: Worker;
    try {
      w = new Worker(BOOT);
    } catch {
      return null;
    }
    w.unref();
    w.on('message', (m: ThreadMessage) => {
      const resolve = this.waiting.get(m.id);
      if (!resolve) return;
      this.waiting.delete(m.id);
      if (m.graph) resolve({ graph: m.graph, graphId: m.graphId ?? null });
      else if (m.error) resolve({ error: rebuild(m.error) });
      else resolve(null);
    });
    // A thread that dies (or fails to boot) answers nothing more: the next request starts another.
    const gone = () => {
      if (this.worker === w) this.worker = null;
      this.settleAll();
    };
    w.on('error', gone);
    w.on('exit', gone);
    this.worker = w;
    return w;
  }

  private settleAll(): void {
    for (const resolve of this.waiting.values()) resolve(null);
    this.waiting.clear();
  }
}

type ThreadMessage = {
  id: number;
  graph?: GraphDoc;
  graphId?: string | null;
  error?: WireErr;
  fallback?: string;
};
type WireErr = { code: string; message: string; details?: Record<string, unknown>; status: number };

/** The thread's MystiError, rebuilt with the same code, details and HTTP status. */
function rebuild(e: WireErr): MystiError {
  const err = errorFromWire(e);
  if (err.status === e.status) return err;
  return new CodedError(err.code, err.message, err.details, e.status);
}
