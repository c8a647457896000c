/**
 * `mysti backup <dir>` / `mysti restore <dir>` (issue 18 §4): the whole library — database,
 * outputs/, artifacts/, thumbs/ and config.json — copied to a folder and back.
 *
 * Backup works while a studio serves: the database is copied first with SQLite's online backup
 * (a consistent snapshot), then the files; files only ever get added while a studio runs, so every
 * row of the snapshot finds its file. `backup.json` is written last: a folder without it is an
 * unfinished backup and restore refuses it.
 *
 * Restore refuses while a studio holds the data folder (runtime/fs/home-lock.ts), checks the
 * backup's database, and never deletes what it replaces: the current database and folders are
 * moved to `<data folder>/replaced-<time>/` first.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { OperationalError, UserError } from '../errors';
import { acquireLock, readLock } from '../fs/home-lock';
import { TMP_PREFIX } from '../fs/atomic';
import { backupDatabaseFile, inspectDatabaseFile } from '../store/backup';
import { lastMigrationVersion, markerOf } from '../store/db';
import { APP_VERSION } from '../version';

const FOLDERS = ['outputs', 'artifacts', 'thumbs'] as const;
const MANIFEST = 'backup.json';
const DB_NAME = 'mysticanvas.db';

/** What backup.json records. */
export interface BackupManifest {
  format: 1;
  appVersion: string;
  createdAt: number;
  schemaVersion: number;
  files: number;
  bytes: number;
}

/** Copies a folder tree, skipping in-flight temp files; returns {files, bytes}. */
function copyTree(src: string, dest: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  if (!fs.existsSync(src)) return { files, bytes };
  // write-point: none — an offline copy to the user's backup folder; backup.json marks it complete.
  fs.cpSync(src, dest, {
    recursive: true,
    preserveTimestamps: true,
    filter: (p) => {
      if (path.basename(p).startsWith(TMP_PREFIX)) return false;
      const st = fs.statSync(p);
      if (st.isFile()) {
        files++;
        bytes += st.size;
      }
      return true;
    },
  });
  return { files, bytes };
}

/**
 * Backs up the library of `config` into `dir` (created; must be empty or absent).
 * @throws UserError BACKUP_DIR_NOT_EMPTY; OperationalError DB_DAMAGED / DISK_FULL / READ_ONLY
 */
export async function backupLibrary(config: Config, dir: string): Promise<BackupManifest> {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new UserError(
      'BACKUP_DIR_NOT_EMPTY',
      `${dir} is not empty; give mysti backup a new or empty folder`,
      { dir },
    );
  }
  if (path.resolve(dir).startsWith(path.resolve(config.home) + path.sep)) {
    throw new UserError(
      'BACKUP_DIR_INSIDE_HOME',
      `${dir} is inside the data folder ${config.home}; back up to another folder (ideally another disk)`,
      { dir },
    );
  }
  if (!fs.existsSync(config.dbFile))
    throw new UserError(
      'NOT_FOUND',
      `no library at ${config.home} (${config.dbFile} does not exist)`,
    );
  fs.mkdirSync(dir, { recursive: true });
  await backupDatabaseFile(config.dbFile, path.join(dir, DB_NAME));
  let files = 0;
  let bytes = fs.statSync(path.join(dir, DB_NAME)).size;
  for (const f of FOLDERS) {
    const r = copyTree(path.join(config.home, f), path.join(dir, f));
    files += r.files;
    bytes += r.bytes;
  }
  const cfg = path.join(config.home, 'config.json');
  // write-point: none — part of the offline copy above.
  if (fs.existsSync(cfg)) fs.copyFileSync(cfg, path.join(dir, 'config.json'));
  const manifest: BackupManifest = {
    format: 1,
    appVersion: APP_VERSION,
    createdAt: Date.now(),
    schemaVersion: inspectDatabaseFile(path.join(dir, DB_NAME)),
    files,
    bytes,
  };
  // write-point: none — written last on purpose: its presence is what makes the folder a complete backup.
  fs.writeFileSync(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Restores the library in `dir` (made by {@link backupLibrary}) into `config.home`.
 * @returns where the replaced library was moved (null when there was none)
 * @throws OperationalError HOME_IN_USE while a studio runs; UserError BACKUP_INVALID for a folder
 *   that is not a complete backup; OperationalError DB_DAMAGED / DB_TOO_NEW for its database
 */
export function restoreLibrary(
  config: Config,
  dir: string,
): { replacedTo: string | null; manifest: BackupManifest } {
  const owner = readLock(config.home);
  if (owner) {
    throw new OperationalError(
      'HOME_IN_USE',
      `a studio (pid ${owner.pid}${owner.port ? `, port ${owner.port}` : ''}) is using ${config.home}; stop it before mysti restore`,
      { ...owner },
      409,
    );
  }
  const manifestFile = path.join(dir, MANIFEST);
  if (!fs.existsSync(manifestFile) || !fs.existsSync(path.join(dir, DB_NAME))) {
    throw new UserError(
      'BACKUP_INVALID',
      `${dir} is not a complete MystiCanvas backup (${MANIFEST} or ${DB_NAME} missing)`,
      { dir },
    );
  }
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as BackupManifest;
  const version = inspectDatabaseFile(path.join(dir, DB_NAME));
  if (version > lastMigrationVersion()) {
    throw new OperationalError(
      'DB_TOO_NEW',
      `the backup's database has schema ${version}, newer than this MystiCanvas knows (${lastMigrationVersion()}); upgrade first`,
      { version },
    );
  }
  fs.mkdirSync(config.home, { recursive: true });
  // Holding the lock keeps a studio from starting on a half-restored folder.
  const lock = acquireLock(config.home);
  try {
    const aside = path.join(
      config.home,
      `replaced-${new Date().toISOString().replace(/[:.]/g, '-')}`,
    );
    let moved = false;
    const db = config.dbFile;
    for (const p of [
      db,
      `${db}-wal`,
      `${db}-shm`,
      markerOf(db),
      ...FOLDERS.map((f) => path.join(config.home, f)),
      path.join(config.home, 'config.json'),
    ]) {
      if (!fs.existsSync(p)) continue;
      fs.mkdirSync(aside, { recursive: true });
      // write-point: none — restore runs offline under the lock; the old library is moved aside, never deleted.
      fs.renameSync(p, path.join(aside, path.basename(p)));
      moved = true;
    }
    for (const f of FOLDERS) copyTree(path.join(dir, f), path.join(config.home, f));
    if (fs.existsSync(path.join(dir, 'config.json')))
      fs.copyFileSync(path.join(dir, 'config.json'), path.join(config.home, 'config.json'));
    // The database last, under a temp name: a crash before the rename leaves no database but
    // artifacts/, which a start refuses (DB_MISSING) instead of creating an empty library.
    const tmp = path.join(config.home, `${TMP_PREFIX}${DB_NAME}`);
    // write-point: none — offline under the lock; a crash leaves a temp file the sweep removes and no database, which a start refuses.
    fs.copyFileSync(path.join(dir, DB_NAME), tmp);
    fs.renameSync(tmp, db);
    fs.writeFileSync(
      markerOf(db),
      `${JSON.stringify({ restoredFrom: path.resolve(dir), at: Date.now() })}\n`,
    );
    return { replacedTo: moved ? aside : null, manifest };
  } finally {
    lock.release();
  }
}
