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

export type Db = Database.Database;

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/**
 * Opens (creating if needed) the database at `file` (`:memory:` allowed) and migrates it.
 * @throws Error when a migration fails (the database stays at the last good version).
 */
export function openDb(file: string, opts: { readonly?: boolean } = {}): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file, { readonly: opts.readonly ?? false });
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // NORMAL is durable against application crashes in WAL mode; only an OS crash can lose the
  // last transactions (sqlite.org/pragma.html#pragma_synchronous).
  db.pragma('synchronous = NORMAL');
  if (!opts.readonly) migrate(db);
  return db;
}

/** Lists migration files as {version, name, sql}, sorted by version. */
export function listMigrations(dir = MIGRATIONS_DIR): { version: number; name: string; sql: string }[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f, sql: fs.readFileSync(path.join(dir, f), 'utf8') }))
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
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.name);
  }
  return applied;
}
