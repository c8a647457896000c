/**
 * The three error kinds (n8n's taxonomy, anchors-aesthetics.md §8) with stable codes. One shape on
 * every wire, public and internal (design.md §2): `{error: {code, message, details?}}`.
 *
 * - {@link UserError}: the request or graph is wrong → 4xx, never retried, shown on the node.
 * - {@link OperationalError}: the machine is in a bad state (worker crashed, out of memory, disk
 *   full, busy) → 5xx/503, may be retried.
 * - {@link UnexpectedError}: a bug → 500, logged with run/node ids.
 */
import { toDiskError } from './fs/disk-errors';

/** Wire shape of an error. */
export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export type ErrorKind = 'user' | 'operational' | 'unexpected';

/** Base of all MystiCanvas errors. `status` is the HTTP status the API answers with. */
export abstract class MystiError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly status = 500,
  ) {
    super(message);
    this.name = new.target.name;
  }
  toJSON(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

/** The user's input is wrong: bad graph, bad params, unknown id, path outside the data folder. */
export class UserError extends MystiError {
  readonly kind = 'user' as const;
  constructor(code: string, message: string, details?: Record<string, unknown>, status = 400) {
    super(code, message, details, status);
  }
}

/** The environment failed: worker crash, OOM, engine failure, disk full, cancellation. */
export class OperationalError extends MystiError {
  readonly kind = 'operational' as const;
  constructor(code: string, message: string, details?: Record<string, unknown>, status = 503) {
    super(code, message, details, status);
  }
}

/** A bug. The message is kept for logs; the API says "internal error" with the code. */
export class UnexpectedError extends MystiError {
  readonly kind = 'unexpected' as const;
  constructor(message: string, details?: Record<string, unknown>) {
    super('INTERNAL', message, details, 500);
  }
}

/** Wraps anything thrown into a MystiError (non-Mysti errors become UnexpectedError). */
export function toMystiError(err: unknown): MystiError {
  if (err instanceof MystiError) return err;
  // ENOSPC / EROFS / SQLITE_FULL / SQLITE_READONLY → DISK_FULL / READ_ONLY, naming the file.
  const disk = toDiskError(err);
  if (disk) return disk;
  if (err instanceof Error && err.name === 'AbortError') {
    return new OperationalError('CANCELLED', 'cancelled', undefined, 409);
  }
  return new UnexpectedError(err instanceof Error ? err.message : String(err));
}

/** Rebuilds an error received as `{code, message, details}` from a worker. */
export function errorFromWire(e: { code: string; message: string; details?: Record<string, unknown> }): MystiError {
  if (USER_CODES.has(e.code)) return new UserError(e.code, e.message, e.details);
  if (e.code === 'INTERNAL') return new UnexpectedError(e.message, e.details);
  return new OperationalError(e.code, e.message, e.details);
}

/** Codes that mean the user must change something (params, models, config). */
const USER_CODES = new Set([
  'BAD_REQUEST', 'BAD_PARAMS', 'GRAPH_INVALID', 'NOT_FOUND', 'MODEL_NOT_FOUND', 'MODEL_NOT_CONFIGURED',
  'MODEL_INVALID', 'ENGINE_NOT_CONFIGURED', 'PATH_OUTSIDE_ROOT', 'UNKNOWN_NODE_TYPE', 'INPUT_MISSING',
  'PROMPT_TOO_LONG', 'MODEL_WRONG_KIND',
]);
