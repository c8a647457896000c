/**
 * The worker protocol's messages (design.md §2) as plain types: what the runtime and a worker
 * process (workers/sd, workers/llm) send each other. A job is `POST /internal/jobs/<job>` with a JSON
 * body; the answer is NDJSON: any number of `progress`/`log` lines, then exactly one `result` or
 * `error` line. The zod schemas that validate every inbound line are in
 * workers/protocol/messages.ts, checked at compile time to parse exactly these types.
 * No imports: wire/ is shared with the editor bundle.
 */

/** Protocol version; bumped on incompatible change, checked in the ready handshake. */
export const PROTOCOL_VERSION = 1;

/** Environment variable carrying the transient bearer token (32 random bytes, hex). */
export const TOKEN_ENV = 'MYSTI_WORKER_TOKEN';

/** First stdout line of a worker: `MYSTI_WORKER_READY {"port":N,"protocol":1,"kind":"sd"}`. */
export const READY_PREFIX = 'MYSTI_WORKER_READY ';

export type ProgressPhase =
  'loading' | 'encoding' | 'sampling' | 'decoding' | 'upscaling' | 'generating';

export interface ProgressMsg {
  type: 'progress';
  phase?: ProgressPhase;
  step?: number;
  steps?: number;
  /** Steps (or tokens) per second. */
  rate?: number;
  /** Streamed text so far (LLM). */
  text?: string;
  /** Path of a preview image inside the data directory's temp area. */
  preview?: string;
}

export interface LogMsg {
  type: 'log';
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/** Peak memory of the job, measured by the worker (bytes). */
export type MemoryReport = {
  peakRssBytes?: number;
  deviceBytes?: number;
};

export interface ResultMsg {
  type: 'result';
  /** Job-specific output: file paths + sha256 for images, strings for text. */
  output: Record<string, unknown>;
  memory?: MemoryReport;
}

/**
 * An error line. `code` is a row of wire/errors.ts's table; typed `string` because a newer worker
 * may send a code this runtime does not know (errorFromWire classifies it as operational).
 */
export interface ErrorMsg {
  type: 'error';
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export type StreamLine = ProgressMsg | LogMsg | ResultMsg | ErrorMsg;

/** `GET /internal/health` body. */
export interface HealthBody {
  status: 'ok' | 'busy' | 'degraded';
  pid: number;
  uptimeS: number;
  kind?: string;
  /** The loaded model; extra keys allowed (per worker kind). */
  loaded: ({ modelId: string; path: string; bytes: number } & Record<string, unknown>) | null;
  memory: { rssBytes: number; deviceBytes?: number };
  busy?: number;
}
