/**
 * Finding 4 of issue 18: a broken database must never turn into a new empty library. Real SQLite
 * files: a 0-byte file where a library existed, a damaged header, a damaged b-tree page, a
 * deleted file, and a schema newer than the code are each refused with a message naming the file
 * and `mysti restore`, and nothing on disk changes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lastMigrationVersion, markerOf, openDb } from '../../../runtime/store/db';
import { OperationalError } from '../../../runtime/errors';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A data folder with a real library database (a few hundred rows) and one artifact file. */
function library(): { home: string; file: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-dbref-'));
  dirs.push(home);
  const file = path.join(home, 'mysticanvas.db');
  const db = openDb(file);
  const ins = db.prepare(
    'INSERT INTO graphs (id, name, graph_json, created_at, updated_at) VALUES (?, ?, ?, 0, 0)',
  );
  db.transaction(() => {
    for (let i = 0; i < 400; i++)
      ins.run(`g${i}`, `graph ${i}`, JSON.stringify({ nodes: [], pad: 'x'.repeat(500) }));
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  fs.mkdirSync(path.join(home, 'artifacts', 'ab'), { recursive: true });
  fs.writeFileSync(path.join(home, 'artifacts', 'ab', 'abc.png'), 'png');
  return { home, file };
}

function refusal(f: () => unknown): OperationalError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(OperationalError);
    return err as OperationalError;
  }
  throw new Error('expected the database to be refused');
}

describe('openDb refuses a broken library instead of starting empty', () => {
  it('a fresh folder still gets a new database and a marker', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-dbref-'));
    dirs.push(home);
    const file = path.join(home, 'mysticanvas.db');
    openDb(file).close();
    expect(fs.existsSync(markerOf(file))).toBe(true);
    openDb(file).close(); // reopening a good library is fine
  });

  it('a 0-byte database where a library existed is refused, the file and artifacts are untouched', () => {
    const { home, file } = library();
    fs.truncateSync(file, 0);
    const e = refusal(() => openDb(file));
    expect(e.code).toBe('DB_MISSING');
    expect(e.message).toContain(file);
    expect(e.message).toContain('mysti restore');
    expect(fs.statSync(file).size).toBe(0);
    expect(fs.readFileSync(path.join(home, 'artifacts', 'ab', 'abc.png'), 'utf8')).toBe('png');
  });

  it('a 0-byte database is refused on artifacts alone (marker lost too)', () => {
    const { file } = library();
    fs.truncateSync(file, 0);
    fs.rmSync(markerOf(file));
    expect(refusal(() => openDb(file)).code).toBe('DB_MISSING');
  });

  it('a deleted database where a library existed is refused and not re-created', () => {
    const { file } = library();
    fs.rmSync(file);
    expect(refusal(() => openDb(file)).code).toBe('DB_MISSING');
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a damaged header is refused with DB_DAMAGED naming the file', () => {
    const { file } = library();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.from('this is not sqlite at all!'), 0, 26, 0);
    fs.closeSync(fd);
    const before = fs.readFileSync(file);
    const e = refusal(() => openDb(file));
    expect(e.code).toBe('DB_DAMAGED');
    expect(e.message).toContain(file);
    expect(e.message).toContain('mysti restore');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('a damaged b-tree page is refused with DB_DAMAGED', () => {
    const { file } = library();
    const size = fs.statSync(file).size;
    const page = 4096;
    expect(size).toBeGreaterThan(page * 10);
    // Scribble over the middle pages (leaf pages of graphs), leaving the header intact.
    const fd = fs.openSync(file, 'r+');
    for (let p = 3; p < Math.floor(size / page) - 1; p += 2)
      fs.writeSync(fd, Buffer.alloc(200, 0xa5), 0, 200, p * page);
    fs.closeSync(fd);
    const e = refusal(() => openDb(file));
    expect(e.code).toBe('DB_DAMAGED');
    expect(e.message).toContain(file);
  });

  it('a database from a newer version is refused with DB_TOO_NEW and left at its version', () => {
    const { file } = library();
    const db = openDb(file);
    db.pragma(`user_version = ${lastMigrationVersion() + 100}`);
    db.close();
    const e = refusal(() => openDb(file));
    expect(e.code).toBe('DB_TOO_NEW');
    expect(e.message).toContain(file);
    expect(e.details).toMatchObject({
      version: lastMigrationVersion() + 100,
      known: lastMigrationVersion(),
    });
  });
});
