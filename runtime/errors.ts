/**
 * The runtime's error classes. They live in wire/errors.ts, beside the one table of error codes
 * (code → kind, HTTP status, retryable, fixed sentence), so worker processes and the editor use the
 * same classes and classification without importing the runtime. Re-exported here so runtime code
 * keeps importing `./errors`.
 */
export {
  CodedError,
  ERROR_CODES,
  errorFromWire,
  errorSpec,
  isErrorCode,
  MystiError,
  OperationalError,
  UnexpectedError,
  UserError,
  type ErrorBody,
  type ErrorCode,
  type ErrorKind,
  type ErrorSpec,
  type OperationalCode,
  type UserCode,
  type WireError,
} from '../wire/errors';
import { MystiError, toMystiError as toMystiErrorBase } from '../wire/errors';
import { toDiskError } from './fs/disk-errors';

/**
 * Wraps anything thrown into a MystiError (non-Mysti errors become UnexpectedError); in the
 * runtime, ENOSPC / EROFS / SQLITE_FULL / SQLITE_READONLY first become DISK_FULL / READ_ONLY,
 * naming the file.
 */
export function toMystiError(err: unknown): MystiError {
  if (err instanceof MystiError) return err;
  return toDiskError(err) ?? toMystiErrorBase(err);
}
