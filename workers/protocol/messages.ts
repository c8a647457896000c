/**
 * Validation of the worker protocol's messages (design.md §2). The message types themselves are in
 * wire/worker-protocol.ts; every schema here is checked at compile time to infer exactly that type,
 * so the two cannot drift. Every inbound line is validated with these schemas.
 */
import { z } from 'zod';
import type * as wire from '../../wire/worker-protocol';

export { PROTOCOL_VERSION, READY_PREFIX, TOKEN_ENV } from '../../wire/worker-protocol';

export const progressMsg = z.object({
  type: z.literal('progress'),
  phase: z
    .enum(['loading', 'encoding', 'sampling', 'decoding', 'upscaling', 'generating'])
    .optional(),
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

export type ProgressMsg = wire.ProgressMsg;
export type ResultMsg = wire.ResultMsg;
export type StreamLine = wire.StreamLine;
export type MemoryReport = wire.MemoryReport;

/** `GET /internal/health` body (design.md §2). */
export const healthBody = z.object({
  status: z.enum(['ok', 'busy', 'degraded']),
  pid: z.number().int(),
  uptimeS: z.number(),
  kind: z.string().optional(),
  loaded: z
    .object({ modelId: z.string(), path: z.string(), bytes: z.number() })
    .passthrough()
    .nullable(),
  memory: z.object({ rssBytes: z.number(), deviceBytes: z.number().optional() }),
  busy: z.number().int().min(0).optional(),
});
export type HealthBody = wire.HealthBody;

/** Compile-time: each schema parses exactly its wire/ type (a mismatch fails `npm run typecheck`). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const schemasMatchWire: [
  Same<z.infer<typeof progressMsg>, wire.ProgressMsg>,
  Same<z.infer<typeof logMsg>, wire.LogMsg>,
  Same<z.infer<typeof resultMsg>, wire.ResultMsg>,
  Same<z.infer<typeof errorMsg>, wire.ErrorMsg>,
  Same<z.infer<typeof streamLine>, wire.StreamLine>,
  Same<z.infer<typeof healthBody>, wire.HealthBody>,
] = [true, true, true, true, true, true];
