/**
 * Disk full and read-only folders (issue 18 §3): the errno / SQLite codes that mean "the disk
 * cannot take this write", turned into one clear operational error each, and a small monitor that
 * remembers the last such failure for `/api/health` and raises a `system.alert`.
 *
 * Codes: DISK_FULL (ENOSPC, EDQUOT, SQLITE_FULL) and READ_ONLY (EROFS, SQLITE_READONLY*).
 * Sources: errno(3), sqlite.org/rescode.html (SQLITE_FULL = 13, SQLITE_READONLY = 8).
 */
import { OperationalError } from '../errors';

const FULL = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL']);
const READ_ONLY = new Set(['EROFS']);

/** The disk error code of `err` ('DISK_FULL' | 'READ_ONLY') or null when it is something else. */
export function diskErrorCode(err: unknown): 'DISK_FULL' | 'READ_ONLY' | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return null;
  if (FULL.has(code) || code === 'DISK_FULL') return 'DISK_FULL';
  if (READ_ONLY.has(code) || code.startsWith('SQLITE_READONLY') || code === 'READ_ONLY')
    return 'READ_ONLY';
  return null;
}

/**
 * `err` as an OperationalError DISK_FULL / READ_ONLY naming the file (details.path, details.errno)
 * when it is a disk error, else null.
 */
export function toDiskError(err: unknown): OperationalError | null {
  const kind = diskErrorCode(err);
  if (!kind) return null;
  if (err instanceof OperationalError) return err;
  const e = err as NodeJS.ErrnoException;
  const where = e.path ? ` writing ${e.path}` : '';
  const message =
    kind === 'DISK_FULL'
      ? `the disk is full${where}; nothing was half-written. Free some space and run again.`
      : `the folder is read-only${where}; nothing was written. Make it writable and run again.`;
  return new OperationalError(
    kind,
    message,
    { ...(e.path ? { path: e.path } : {}), errno: e.code ?? null },
    507,
  );
}

/** What `/api/health` reports under `disk`. */
export interface DiskStatus {
  status: 'ok' | 'full' | 'read_only';
  /** The last failure (code, message, when in ms since epoch), kept after recovery for context. */
  last: { code: string; message: string; at: number } | null;
}

/**
 * Remembers disk failures seen on the event bus (node errors, background jobs, backups) and
 * clears the state after the next successful write of a node output.
 */
export class DiskMonitor {
  private state: DiskStatus = { status: 'ok', last: null };

  /** Records a failure; returns true when the state changed (then the caller raises an alert). */
  failed(code: 'DISK_FULL' | 'READ_ONLY', message: string, at = Date.now()): boolean {
    const status = code === 'DISK_FULL' ? 'full' : 'read_only';
    const changed = this.state.status !== status;
    this.state = { status, last: { code, message, at } };
    return changed;
  }

  /** A write succeeded: the disk takes writes again. */
  ok(): void {
    if (this.state.status !== 'ok') this.state = { ...this.state, status: 'ok' };
  }

  snapshot(): DiskStatus {
    return this.state;
  }
}
