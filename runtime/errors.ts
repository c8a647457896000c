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
  toMystiError,
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
