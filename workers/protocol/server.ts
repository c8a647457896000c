/**
 * The worker side of the protocol (design.md §2): an HTTP server on 127.0.0.1 with a random port,
 * bearer-token auth from {@link TOKEN_ENV}, `GET /internal/health`, `POST /internal/unload`, and
 * `POST /internal/jobs/<job>` streaming NDJSON. When the runtime aborts the request (client
 * disconnect) the job's AbortSignal fires so the engine work stops and frees what it holds.
 *
 * @example
 * await serveWorker({ kind: 'sd', jobs: { txt2img: async (payload, ctx) => { ctx.progress({step: 1, steps: 2}); return {...}; } } });
 */
import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { CodedError, MystiError, type ErrorBody, type ErrorCode } from '../../wire/errors';
import {
  PROTOCOL_VERSION,
  READY_PREFIX,
  TOKEN_ENV,
  type HealthBody,
  type MemoryReport,
  type ProgressMsg,
} from './messages';

/** What a job handler receives besides its payload. */
export interface JobContext {
  signal: AbortSignal;
  /** Sends one progress line (flushed immediately). */
  progress(p: Omit<ProgressMsg, 'type'>): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/** A job handler: returns the `output` object, optionally with a memory report. */
export type JobHandler = (
  payload: Record<string, unknown>,
  ctx: JobContext,
) => Promise<{ output: Record<string, unknown>; memory?: MemoryReport }>;

/**
 * An error a handler throws to answer with a stable code (sdcpp.md §1.4 codes, etc.): any code of
 * wire/errors.ts's table, whose row also says how the runtime classifies it.
 */
export class WorkerJobError extends CodedError {}

export interface WorkerOptions {
  kind: string;
  jobs: Record<string, JobHandler>;
  /** Current model state for health; null when nothing is loaded. */
  loaded?: () => HealthBody['loaded'];
  deviceBytes?: () => number | undefined;
  /** `soft` drops caches (KV cache, context); `hard` unloads models. */
  unload?: (mode: 'soft' | 'hard') => Promise<void>;
  /** Max JSON body size (bytes). */
  maxBodyBytes?: number;
}

/** Starts the server, prints the ready line on stdout, resolves with the port. */
export async function serveWorker(
  opts: WorkerOptions,
): Promise<{ port: number; server: http.Server }> {
  const token = process.env[TOKEN_ENV] ?? '';
  if (token.length < 32) throw new Error(`${TOKEN_ENV} must be set by the runtime`);
  const expected = Buffer.from(`Bearer ${token}`);
  const started = Date.now();
  let busy = 0;
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;

  const server = http.createServer(async (req, res) => {
    const auth = Buffer.from(req.headers.authorization ?? '');
    if (auth.length !== expected.length || !timingSafeEqual(auth, expected)) {
      return sendError(res, 401, 'UNAUTHORIZED', 'missing or wrong worker token');
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    try {
      if (req.method === 'GET' && url.pathname === '/internal/health') {
        const mem = process.memoryUsage();
        const dev = opts.deviceBytes?.();
        const body: HealthBody = {
          status: busy > 0 ? 'busy' : 'ok',
          pid: process.pid,
          uptimeS: (Date.now() - started) / 1000,
          kind: opts.kind,
          loaded: opts.loaded?.() ?? null,
          memory: { rssBytes: mem.rss, ...(dev !== undefined ? { deviceBytes: dev } : {}) },
          busy,
        };
        return sendJson(res, 200, body);
      }
      if (req.method === 'POST' && url.pathname === '/internal/unload') {
        const body = await readJson(req, maxBody);
        const mode = body.mode === 'hard' ? 'hard' : 'soft';
        await opts.unload?.(mode);
        return sendJson(res, 200, { ok: true, mode });
      }
      const m = /^\/internal\/jobs\/([a-z0-9-]+)$/.exec(url.pathname);
      if (req.method === 'POST' && m) {
        const handler = opts.jobs[m[1]!];
        if (!handler)
          return sendError(res, 404, 'NOT_FOUND', `no job ${m[1]} on the ${opts.kind} worker`);
        const payload = await readJson(req, maxBody);
        return runJob(
          handler,
          payload,
          req,
          res,
          () => busy++,
          () => busy--,
        );
      }
      sendError(res, 404, 'NOT_FOUND', `no route ${req.method} ${url.pathname}`);
    } catch (err) {
      sendError(
        res,
        400,
        err instanceof MystiError ? err.code : 'BAD_REQUEST',
        (err as Error).message,
      );
    }
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  process.stdout.write(
    `${READY_PREFIX}${JSON.stringify({ port, protocol: PROTOCOL_VERSION, kind: opts.kind, pid: process.pid })}\n`,
  );
  // The runtime closes our stdin when it goes away: exit rather than linger as an orphan.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
  return { port, server };
}

async function runJob(
  handler: JobHandler,
  payload: Record<string, unknown>,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  enter: () => void,
  leave: () => void,
): Promise<void> {
  const ac = new AbortController();
  // The runtime cancels by aborting the request: the socket closes before we finished.
  res.on('close', () => {
    if (!res.writableFinished) ac.abort();
  });
  res.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
  res.flushHeaders();
  const line = (obj: unknown) => {
    if (!res.destroyed) res.write(`${JSON.stringify(obj)}\n`);
  };
  enter();
  try {
    const r = await handler(payload, {
      signal: ac.signal,
      progress: (p) => line({ type: 'progress', ...p }),
      log: (level, message) => line({ type: 'log', level, message }),
    });
    line({ type: 'result', output: r.output, ...(r.memory ? { memory: r.memory } : {}) });
  } catch (err) {
    const e = err as Partial<MystiError> & Error;
    // Only table codes cross the wire: a Node error's own `code` (ENOENT, …) is not one.
    const code: ErrorCode = ac.signal.aborted
      ? 'CANCELLED'
      : err instanceof MystiError
        ? err.code
        : 'ENGINE_FAILED';
    line({
      type: 'error',
      error: {
        code,
        message: e.message ?? String(err),
        ...(e.details ? { details: e.details } : {}),
      },
    });
  } finally {
    leave();
    res.end();
  }
  void req;
}

function sendError(
  res: http.ServerResponse,
  status: number,
  code: ErrorCode,
  message: string,
): void {
  const body: ErrorBody = { error: { code, message } };
  sendJson(res, status, body);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const s = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(s),
  });
  res.end(s);
}

async function readJson(req: http.IncomingMessage, max: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw new WorkerJobError('PAYLOAD_TOO_LARGE', `job body over ${max} bytes`);
    chunks.push(c as Buffer);
  }
  if (size === 0) return {};
  try {
    const v = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch {
    throw new WorkerJobError('BAD_REQUEST', 'job body must be a JSON object');
  }
}
