/**
 * Job errors: a job failure is retried unless it says it is permanent (a missing or undecodable
 * file will not fix itself by waiting).
 */
import { MystiError, OperationalError, UserError } from '../errors';
import { toDiskError } from '../fs/disk-errors';

/** A failure that retrying cannot fix (stable `code`, like every Mysti error). */
export class PermanentJobError extends UserError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, details, 422);
  }
}

/** Code, message and whether to retry, for any thrown value. */
export function toMystiErrorSafe(err: unknown): { code: string; message: string; retryable: boolean } {
  if (err instanceof PermanentJobError) return { code: err.code, message: err.message, retryable: false };
  if (err instanceof UserError) return { code: err.code, message: err.message, retryable: false };
  if (err instanceof OperationalError || err instanceof MystiError) return { code: err.code, message: err.message, retryable: true };
  const disk = toDiskError(err);
  if (disk) return { code: disk.code, message: disk.message, retryable: true };
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err), retryable: true };
}
