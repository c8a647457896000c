/**
 * Maps anything thrown in a route to design.md's error shape with a fitting status. User input
 * never produces a 500: zod failures and malformed JSON become 400s with what was wrong.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { ZodError } from 'zod';
import { MystiError, UserError } from '../../errors';
import type { Logger } from '../../log';
import { toDiskError } from '../../fs/disk-errors';

/**
 * Hono `onError` handler: MystiErrors keep their code and status; ZodError → 400 BAD_REQUEST (with
 * the issues), SyntaxError → 400 INVALID_JSON, HTTPException 413 → PAYLOAD_TOO_LARGE, disk errors → 507
 * DISK_FULL / READ_ONLY (reported to `onDiskError`); anything
 * else → 500 INTERNAL, logged with its stack (4xx are logged at info).
 */
export function errorHandler(logger: Logger, onDiskError?: (e: MystiError) => void) {
  return (err: Error, c: Context) => {
    let e: MystiError;
    const disk = toDiskError(err);
    if (disk) {
      // ENOSPC / EROFS / SQLITE_FULL → 507 DISK_FULL / READ_ONLY; the studio reports it in /api/health.
      e = disk;
      onDiskError?.(disk);
    } else if (err instanceof MystiError) e = err;
    else if (err instanceof ZodError) {
      e = new UserError(
        'BAD_REQUEST',
        err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        { issues: err.issues },
      );
    } else if (err instanceof SyntaxError)
      e = new UserError('INVALID_JSON', `the request body is not valid JSON: ${err.message}`);
    else if (err instanceof HTTPException) {
      e =
        err.status === 413
          ? new UserError('PAYLOAD_TOO_LARGE', 'the request body is too large', undefined, 413)
          : new UserError('BAD_REQUEST', err.message || 'bad request', undefined, err.status);
    } else
      e = new (class extends MystiError {
        readonly kind = 'unexpected' as const;
      })('INTERNAL', 'internal error', undefined, 500);
    // Unset when the failure happened before the request-id middleware ran.
    const reqId: string | undefined = c.get('reqId');
    if (e.status >= 500)
      logger.error({ reqId, err: err.stack ?? String(err), code: e.code }, 'request failed');
    else logger.info({ reqId, code: e.code, status: e.status }, e.message);
    // 429 QUEUE_FULL and 503s that know when to come back say so (RFC 9110 §10.2.3).
    const retryAfter = e.details?.retryAfterS;
    if ((e.status === 429 || e.status === 503) && typeof retryAfter === 'number')
      c.header('Retry-After', String(Math.ceil(retryAfter)));
    return c.json(e.toJSON(), e.status as 400);
  };
}
