/**
 * Job errors: a job failure is retried unless it says it is permanent (a missing or undecodable
 * file will not fix itself by waiting).
 */
import { MystiError, UserError, type ErrorCode, type UserCode } from '../errors';
import { toDiskError } from '../fs/disk-errors';

/** A failure that retrying cannot fix (stable `code`, like every Mysti error). */
export class PermanentJobError extends UserError {
  constructor(code: UserCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details, 422);
  }
}

/** Code, message and whether to retry, for any thrown value. */
export function toMystiErrorSafe(err: unknown): {
  code: ErrorCode;
  message: string;
  retryable: boolean;
} {
  if (err instanceof UserError) return { code: err.code, message: err.message, retryable: false };
  // Operational and unexpected: the table's `retryable` (wire/errors.ts).
  if (err instanceof MystiError)
    return { code: err.code, message: err.message, retryable: err.retryable };
  const disk = toDiskError(err);
  if (disk) return { code: disk.code, message: disk.message, retryable: true };
  return {
    code: 'INTERNAL',
    message: err instanceof Error ? err.message : String(err),
    retryable: true,
  };
}
