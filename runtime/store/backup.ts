/**
 * Database backups (issue 18 §4): a consistent copy of the live database in
 * `<data folder>/backups/`, taken before every migration (synchronously, `VACUUM INTO`, since
 * migrations run while the database opens) and on a schedule while the studio serves (online,
 * better-sqlite3's `db.backup()`, which copies pages without blocking writers — sqlite.org/backup.html).
 * Each copy is written under a temp name and renamed, so a crash never leaves a half backup
 * with a backup's name; the newest `keep` are kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { OperationalError } from '../errors';
import { TMP_PREFIX } from '../fs/atomic';
import { writePoint } from '../fs/write-points';

type Db = Database.Database;

/** Backups kept by default (each reason shares the rotation). */
export const DEFAULT_KEEP = 7;

const NAME = /^(.+)-(\d{8}T\d{6}\d{3}Z)-([a-z0-9-]+)\.db$/;

/** A backup file in a backups folder. */
export interface BackupFile {
  file: string;
  createdAt: number;
  reason: string;
  bytes: number;
}

function stamp(now: number): string {
  return new Date(now).toISOString().replace(/[-:.]/g, '');
}

function target(dbFile: string, reason: string, now: number): string {
  return path.join(
    path.dirname(dbFile),
    'backups',
    `${path.basename(dbFile, '.db')}-${stamp(now)}-${reason}.db`,
  );
}

/** Backups of `dbFile` in its backups folder, newest first. */
export function listBackups(dbFile: string): BackupFile[] {
  const dir = path.join(path.dirname(dbFile), 'backups');
  if (!fs.existsSync(dir)) return [];
  const base = path.basename(dbFile, '.db');
  const out: BackupFile[] = [];
  for (const f of fs.readdirSync(dir)) {
    const m = NAME.exec(f);
    if (!m || m[1] !== base) continue;
    const s = m[2]!;
    const iso = `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}T${s.slice(9, 11)}:${s.slice(11, 13)}:${s.slice(13, 15)}.${s.slice(15, 18)}Z`;
    out.push({
      file: path.join(dir, f),
      createdAt: Date.parse(iso),
      reason: m[3]!,
      bytes: fs.statSync(path.join(dir, f)).size,
    });
  }
  return out.sort((a, b) => b.createdAt - a.createdAt);
}

/** Deletes all but the newest `keep` backups of `dbFile` (and leftover temp copies); returns the deleted paths. */
export function rotateBackups(dbFile: string, keep = DEFAULT_KEEP): string[] {
  const dir = path.join(path.dirname(dbFile), 'backups');
  const gone = listBackups(dbFile)
    .slice(Math.max(1, keep))
    .map((b) => b.file);
  if (fs.existsSync(dir))
    for (const f of fs.readdirSync(dir)) if (f.startsWith(TMP_PREFIX)) gone.push(path.join(dir, f));
  for (const f of gone) fs.rmSync(f, { force: true });
  return gone;
}

function place(tmp: string, dest: string): void {
  writePoint('backup.file');
  fs.renameSync(tmp, dest);
}

/**
 * Synchronous copy before migrating from schema `version` (`VACUUM INTO` a temp file, then
 * rename). Throws (and the migration does not run) when the copy fails, e.g. ENOSPC.
 * @returns the backup's path
 */
export function backupBeforeMigration(
  db: Db,
  version: number,
  now = Date.now(),
  keep = DEFAULT_KEEP,
): string {
  const dest = target(db.name, `before-migration-${version}`, now);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = path.join(path.dirname(dest), `${TMP_PREFIX}${path.basename(dest)}`);
  fs.rmSync(tmp, { force: true });
  try {
    db.prepare('VACUUM INTO ?').run(tmp);
    place(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  rotateBackups(db.name, keep);
  return dest;
}

/**
 * Online backup of the open database to `dest` (default: a new file in its backups folder)
 * with better-sqlite3's `db.backup()`; other connections keep reading and writing meanwhile.
 * @returns the backup's path
 * @throws the fs/SQLite error (ENOSPC, EROFS, …); no partial file stays under `dest`
 */
export async function backupOnline(
  db: Db,
  o: { dest?: string; reason?: string; keep?: number; now?: number } = {},
): Promise<string> {
  const dest = o.dest ?? target(db.name, o.reason ?? 'scheduled', o.now ?? Date.now());
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = path.join(path.dirname(dest), `${TMP_PREFIX}${path.basename(dest)}`);
  try {
    await db.backup(tmp);
    place(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  if (!o.dest) rotateBackups(db.name, o.keep);
  return dest;
}

/**
 * Runs {@link backupOnline} whenever the newest backup is older than `everyMs` — checked a minute
 * after start (or after `everyMs` when shorter) and then every `checkMs`. Failures go to `onError` (the studio raises a system alert) and are
 * retried at the next check.
 * @returns tick() (one check now) and stop(), which waits for a backup in flight (close the database after it)
 */
export function scheduleBackups(
  db: Db,
  o: {
    everyMs: number;
    keep: number;
    checkMs?: number;
    onDone?: (file: string) => void;
    onError: (err: unknown) => void;
  },
): { stop(): Promise<void>; tick(): Promise<void> } {
  let inflight: Promise<void> | null = null;
  let stopped = false;
  const run = async () => {
    try {
      o.onDone?.(await backupOnline(db, { reason: 'scheduled', keep: o.keep }));
    } catch (err) {
      o.onError(err);
    }
  };
  const tick = async () => {
    if (inflight || stopped || !db.open) return inflight ?? undefined;
    const newest = listBackups(db.name)[0];
    if (newest && Date.now() - newest.createdAt < o.everyMs) return;
    inflight = run().finally(() => {
      inflight = null;
    });
    return inflight;
  };
  // Not at the very start: a studio opened for a moment (a CLI run, a test) need not copy the database.
  const first = setTimeout(() => void tick(), Math.min(o.everyMs, 60_000));
  const timer = setInterval(() => void tick(), o.checkMs ?? Math.min(o.everyMs, 10 * 60_000));
  first.unref();
  timer.unref();
  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await inflight;
    },
  };
}

/**
 * Copies database file `dbFile` to `dest` with the online backup API, from a read-only
 * connection of its own: safe while a studio has it open (WAL readers never block writers).
 * @throws OperationalError DB_DAMAGED when `dbFile` does not pass `PRAGMA quick_check`
 */
export async function backupDatabaseFile(dbFile: string, dest: string): Promise<void> {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const check = String(db.pragma('quick_check(1)', { simple: true }));
    if (check !== 'ok')
      throw new OperationalError(
        'DB_DAMAGED',
        `${dbFile} is damaged (${check}); not backing it up`,
        { file: dbFile, check },
      );
    await backupOnline(db, { dest });
  } finally {
    db.close();
  }
}

/**
 * Checks a database file before it is restored: opens read-only, `quick_check`, schema version.
 * @returns its user_version
 * @throws OperationalError DB_DAMAGED when it fails the check
 */
export function inspectDatabaseFile(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = String(db.pragma('quick_check(1)', { simple: true }));
    if (check !== 'ok')
      throw new OperationalError('DB_DAMAGED', `${file} is damaged (${check})`, { file, check });
    return db.pragma('user_version', { simple: true }) as number;
  } catch (err) {
    if (err instanceof OperationalError) throw err;
    throw new OperationalError(
      'DB_DAMAGED',
      `${file} is not a usable database: ${(err as Error).message}`,
      { file },
    );
  } finally {
    db.close();
  }
}
