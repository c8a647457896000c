/**
 * Database backups (issue 18 §4) on real SQLite files: a copy before every migration of an
 * existing library, online copies with db.backup() on a schedule, rotation to the newest N, and
 * a failed copy leaving no file under a backup's name.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { listMigrations, migrate, openDb } from '../../../runtime/store/db';
import {
  backupOnline,
  listBackups,
  rotateBackups,
  scheduleBackups,
} from '../../../runtime/store/backup';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-backup-'));
  dirs.push(d);
  return d;
};
const MIGRATIONS = path.resolve(import.meta.dirname, '../../../runtime/store/migrations');

describe('database backups', () => {
  it('an existing library is copied before it is migrated; the copy is at the old version and intact', () => {
    const home = tmp();
    const file = path.join(home, 'mysticanvas.db');
    const old = path.join(home, 'old-migrations');
    fs.mkdirSync(old);
    const all = listMigrations(MIGRATIONS);
    for (const m of all.slice(0, 2)) fs.writeFileSync(path.join(old, m.name), m.sql);
    const raw = new Database(file);
    migrate(raw, old);
    raw
      .prepare(
        "INSERT INTO graphs (id, name, graph_json, created_at, updated_at) VALUES ('g1', 'before', '{}', 0, 0)",
      )
      .run();
    raw.close();

    const db = openDb(file);
    expect(db.pragma('user_version', { simple: true })).toBe(all.at(-1)!.version);
    db.close();
    const [b] = listBackups(file);
    expect(b?.reason).toBe(`before-migration-${all[1]!.version}`);
    const copy = new Database(b!.file, { readonly: true });
    expect(copy.pragma('user_version', { simple: true })).toBe(all[1]!.version);
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.prepare('SELECT name FROM graphs').all()).toEqual([{ name: 'before' }]);
    copy.close();
  });

  it('a fresh library and an up-to-date one are not copied', () => {
    const file = path.join(tmp(), 'mysticanvas.db');
    openDb(file).close();
    openDb(file).close();
    expect(listBackups(file)).toEqual([]);
  });

  it('online backups rotate to the newest `keep`, temp leftovers included', async () => {
    const file = path.join(tmp(), 'mysticanvas.db');
    const db = openDb(file);
    for (let i = 0; i < 9; i++)
      await backupOnline(db, { reason: 'scheduled', keep: 4, now: Date.UTC(2026, 0, 1 + i) });
    fs.writeFileSync(path.join(path.dirname(file), 'backups', '.tmp-left-behind.db'), 'x');
    rotateBackups(file, 4);
    const kept = listBackups(file);
    expect(kept.map((k) => new Date(k.createdAt).getUTCDate())).toEqual([9, 8, 7, 6]);
    expect(
      fs.readdirSync(path.join(path.dirname(file), 'backups')).filter((f) => f.startsWith('.tmp-')),
    ).toEqual([]);
    db.close();
  });

  it('a backup that cannot be written leaves no file under a backup name', async () => {
    const home = tmp();
    const file = path.join(home, 'mysticanvas.db');
    const db = openDb(file);
    const dest = path.join(home, 'no-such-dir-file', 'x.db');
    fs.writeFileSync(path.join(home, 'no-such-dir-file'), 'a file where a folder should be');
    await expect(backupOnline(db, { dest })).rejects.toThrow();
    expect(listBackups(file)).toEqual([]);
    db.close();
  });

  it('the schedule backs up when the newest copy is older than the interval, and stop() waits for it', async () => {
    const file = path.join(tmp(), 'mysticanvas.db');
    const db = openDb(file);
    const done: string[] = [];
    const sched = scheduleBackups(db, {
      everyMs: 30,
      keep: 3,
      checkMs: 10,
      onDone: (f) => done.push(f),
      onError: (e) => {
        throw e;
      },
    });
    const until = Date.now() + 5_000;
    while (done.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    await sched.stop();
    db.close();
    expect(done.length).toBeGreaterThanOrEqual(2);
    expect(listBackups(file).length).toBeLessThanOrEqual(3);
    for (const b of listBackups(file)) {
      const c = new Database(b.file, { readonly: true });
      expect(c.pragma('integrity_check', { simple: true })).toBe('ok');
      c.close();
    }
  });
});
