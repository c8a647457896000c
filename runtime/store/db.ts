/**
 * Opens the SQLite database (better-sqlite3) with the pragmas design.md §7 asks for and applies
 * the forward-only migrations in runtime/store/migrations/NNNN_name.sql.
 *
 * Migration rule (SQLite's own advice, anchors-reliability.md §1): each file runs inside one
 * transaction together with `PRAGMA user_version = NNNN`, so a crash mid-migration leaves the
 * previous version intact. Gaps in numbering are allowed; files at or below user_version are
 * skipped, so running migrate twice is a no-op — which also means a NEW migration must take a
 * number above every existing file: a database already past a lower number would never run it
 * (tests/unit/store/migrations-order.test.ts checks the files against the last released order).
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writePoint } from '../fs/write-points';
import { OperationalError } from '../errors';
import { backupBeforeMigration } from './backup';

export type Db = Database.Database;

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Databases up to this size get a full `PRAGMA quick_check` at every open. */
export const QUICK_CHECK_MAX_BYTES = 512 * 1024 * 1024;

/** Where backups of database `file` live: `<its folder>/backups/` (runtime/store/backup.ts). */
export function backupDirOf(file: string): string {
  return path.join(path.dirname(file), 'backups');
}

/** A hidden marker written next to a database once it exists: a later 0-byte or missing file is then a lost library, not a first start. */
export function markerOf(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.exists`);
}

/**
 * Opens (creating if needed) the database at `file` (`:memory:` allowed) and migrates it,
 * taking a backup first when an existing library needs a migration.
 *
 * Refuses, without changing anything on disk, to open a database that is damaged
 * (SQLITE_CORRUPT/NOTADB or a failing `PRAGMA quick_check`), missing or 0 bytes where a library
 * is expected (its marker, backups or stored artifacts exist), or newer than the code knows
 * (user_version above the last migration): re-creating over it would lose the library and the
 * start-up sweep would then delete files whose rows are in the damaged file.
 * @throws OperationalError DB_DAMAGED | DB_MISSING | DB_TOO_NEW naming the file and the way out
 * @throws Error when a migration fails (the database stays at the last good version).
 */
export function openDb(file: string, opts: { readonly?: boolean } = {}): Db {
  if (file === ':memory:') return setUp(new Database(file), opts);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  refuseLostLibrary(file);
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: opts.readonly ?? false });
    // quick_check reads every page (~0.3 s per 100 MB here); past QUICK_CHECK_MAX_BYTES only the
    // schema is read at start and damage deeper in the file surfaces as DB_DAMAGED when touched.
    const check =
      fs.statSync(file).size <= QUICK_CHECK_MAX_BYTES
        ? String(db.pragma('quick_check(1)', { simple: true }))
        : (db.prepare('SELECT count(*) FROM sqlite_schema').get(), 'ok');
    if (check !== 'ok')
      throw new OperationalError('DB_DAMAGED', damaged(file, check), { file, check });
    const version = db.pragma('user_version', { simple: true }) as number;
    const known = lastMigrationVersion();
    if (version > known) {
      throw new OperationalError(
        'DB_TOO_NEW',
        `${file} was written by a newer MystiCanvas (schema ${version}; this version knows up to ${known}). Nothing was changed: upgrade MystiCanvas, or restore a backup made by this version with \`mysti restore <dir>\` (${backupDirOf(file)}).`,
        { file, version, known },
      );
    }
    setUp(db, opts);
  } catch (err) {
    db?.close();
    if (err instanceof OperationalError) throw err;
    const code = (err as { code?: string }).code ?? '';
    if (/^SQLITE_(CORRUPT|NOTADB)/.test(code))
      throw new OperationalError(
        'DB_DAMAGED',
        damaged(file, `${code}: ${(err as Error).message}`),
        { file, sqlite: code },
      );
    throw err;
  }
  // write-point: none — written after the database is whole; a crash before it only skips the marker.
  if (!opts.readonly && !fs.existsSync(markerOf(file)))
    fs.writeFileSync(markerOf(file), `${JSON.stringify({ createdAt: Date.now() })}\n`);
  return db;
}

function damaged(file: string, why: string): string {
  return `${file} is damaged (${why}). Nothing was changed and no file was swept. Restore a backup with \`mysti restore <dir>\` (scheduled backups are in ${backupDirOf(file)}), or move the damaged file away to start an empty library.`;
}

/** Missing or 0-byte database where a library existed: refuse instead of starting empty. */
function refuseLostLibrary(file: string): void {
  const size = fs.existsSync(file) ? fs.statSync(file).size : -1;
  if (size > 0) return;
  const home = path.dirname(file);
  const artifacts = path.join(home, 'artifacts');
  const nonEmpty = (d: string) => fs.existsSync(d) && fs.readdirSync(d).length > 0;
  const evidence = fs.existsSync(markerOf(file)) ? [markerOf(file)] : [];
  for (const d of [backupDirOf(file), artifacts]) if (nonEmpty(d)) evidence.push(d);
  if (!evidence.length) return;
  const what = size === 0 ? 'is empty (0 bytes)' : 'is missing';
  throw new OperationalError(
    'DB_MISSING',
    `${file} ${what} but a library existed here (${evidence.map((e) => path.basename(e)).join(', ')}). Nothing was changed and no file was swept. Restore a backup with \`mysti restore <dir>\` (scheduled backups are in ${backupDirOf(file)}); to really start an empty library, remove ${markerOf(file)}.`,
    { file, evidence },
  );
}

function setUp(db: Db, opts: { readonly?: boolean }): Db {
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // NORMAL is durable against application crashes in WAL mode; only an OS crash can lose the
  // last transactions (sqlite.org/pragma.html#pragma_synchronous).
  db.pragma('synchronous = NORMAL');
  if (!opts.readonly) {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > 0 && current < lastMigrationVersion() && db.name !== ':memory:')
      backupBeforeMigration(db, current);
    migrate(db);
  }
  return db;
}

/** The highest migration number this code knows. */
export function lastMigrationVersion(dir = MIGRATIONS_DIR): number {
  return listMigrations(dir).at(-1)?.version ?? 0;
}

/** Lists migration files as {version, name, sql}, sorted by version. */
export function listMigrations(
  dir = MIGRATIONS_DIR,
): { version: number; name: string; sql: string }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .map((f) => ({
      version: Number(f.slice(0, 4)),
      name: f,
      sql: fs.readFileSync(path.join(dir, f), 'utf8'),
    }))
    .sort((a, b) => a.version - b.version);
}

/** Applies pending migrations; returns the names applied. */
export function migrate(db: Db, dir = MIGRATIONS_DIR): string[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const applied: string[] = [];
  for (const m of listMigrations(dir)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      writePoint('migration');
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.name);
  }
  return applied;
}
