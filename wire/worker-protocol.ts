/**
 * Worker protocol messages (design.md §2), shared by the runtime (workers/protocol/client.ts) and
 * every worker process (workers/protocol/server.ts). A job request is `POST /internal/jobs/<job>` with a
 * JSON body; the response body is NDJSON: any number of `progress`/`log` lines, then exactly one
 * `result` or `error` line. Every inbound line is validated with these schemas.
 */
import { z } from 'zod';

/** Protocol version; bumped on incompatible change, checked in the ready handshake. */
export const PROTOCOL_VERSION = 1;

/** Environment variable carrying the transient bearer token (32 random bytes, hex). */
export const TOKEN_ENV = 'MYSTI_WORKER_TOKEN';

/** First stdout line of a worker: `MYSTI_WORKER_READY {"port":N,"protocol":1,"kind":"sd"}`. */
export const READY_PREFIX = 'MYSTI_WORKER_READY ';

export const progressMsg = z.object({
  type: z.literal('progress'),
  phase: z.enum(['loading', 'encoding', 'sampling', 'decoding', 'upscaling', 'generating']).optional(),
  step: z.number().int().min(0).optional(),
  steps: z.number().int().min(0).optional(),
  /** Steps (or tokens) per second. */
  rate: z.number().optional(),
  /** Streamed text so far (LLM). */
  text: z.string().optional(),
  /** Path of a preview image inside the data directory's temp area. */
  preview: z.string().optional(),
});

export const logMsg = z.object({
  type: z.literal('log'),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
});

/** Peak memory of the job, measured by the worker (bytes). */
export const memoryReport = z.object({
  peakRssBytes: z.number().int().min(0).optional(),
  deviceBytes: z.number().int().min(0).optional(),
});

export const resultMsg = z.object({
  type: z.literal('result'),
  /** Job-specific output: file paths + sha256 for images, strings for text. */
  output: z.record(z.string(), z.unknown()),
  memory: memoryReport.optional(),
});

export const errorBody = z.object({
  code: z.string(),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

export const errorMsg = z.object({ type: z.literal('error'), error: errorBody });

export const streamLine = z.discriminatedUnion('type', [progressMsg, logMsg, resultMsg, errorMsg]);

export type ProgressMsg = z.infer<typeof progressMsg>;
export type ResultMsg = z.infer<typeof resultMsg>;
export type StreamLine = z.infer<typeof streamLine>;
export type MemoryReport = z.infer<typeof memoryReport>;

/** `GET /internal/health` body (design.md §2). */
export const healthBody = z.object({
  status: z.enum(['ok', 'busy', 'degraded']),
  pid: z.number().int(),
  uptimeS: z.number(),
  kind: z.string().optional(),
  loaded: z.object({ modelId: z.string(), path: z.string(), bytes: z.number() }).passthrough().nullable(),
  memory: z.object({ rssBytes: z.number(), deviceBytes: z.number().optional() }),
  busy: z.number().int().min(0).optional(),
});
export type HealthBody = z.infer<typeof healthBody>;
