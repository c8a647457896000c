/**
 * The SQL the library importer needs beyond {@link GenerationStore}: which generations own a file
 * path (the `final` row of generation_files, indexed by path), which own a content hash
 * (generations.sha256, indexed), and the two updates an import makes to existing rows — relink a
 * moved file and set/clear `missing`. Rows are never deleted here.
 *
 * Paths are the library's keys as stored: relative to the data directory for files inside it
 * (what the save node writes), absolute otherwise.
 */
import type { Db } from './db';
import { toGeneration, type GenerationRow } from './generations';

/** One generation as the importer sees it. */
export interface LibraryFile {
  /** generations.id */
  id: number;
  /** The final file's stored path. */
  path: string;
  sha256: string | null;
  missing: boolean;
}

interface Raw {
  id: number;
  path: string;
  sha256: string | null;
  missing: number;
}

type RawGeneration = Parameters<typeof toGeneration>[0] & { workflow_json: string | null };

const toFile = (r: Raw): LibraryFile => ({
  id: r.id,
  path: r.path,
  sha256: r.sha256,
  missing: r.missing === 1,
});

/**
 * The smallest string greater than every string starting with `prefix` (its last UTF-16 unit
 * incremented), so `path >= prefix AND path < upper` is an index range instead of a LIKE scan.
 * SQLite's BINARY collation compares UTF-8 bytes, which orders like UTF-16 units for every
 * character below U+D800; a path separator ends our prefixes, so the increment never leaves ASCII.
 */
export function prefixUpperBound(prefix: string): string {
  if (!prefix) return '\uffff';
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

const SELECT = `SELECT g.id AS id, f.path AS path, g.sha256 AS sha256, g.missing AS missing
  FROM generation_files f JOIN generations g ON g.id = f.generation_id`;

export class ImportStore {
  private readonly s;
  constructor(readonly db: Db) {
    this.s = {
      under: db.prepare<[string, string], Raw>(
        `${SELECT} WHERE f.role = 'final' AND f.path >= ? AND f.path < ? ORDER BY f.path`,
      ),
      byPath: db.prepare<[string], Raw>(
        `${SELECT} WHERE f.role = 'final' AND f.path = ? ORDER BY g.id LIMIT 1`,
      ),
      bySha: db.prepare<[string], Raw>(
        `${SELECT} WHERE f.role = 'final' AND g.sha256 = ? ORDER BY g.missing DESC, g.id`,
      ),
      relinkGen: db.prepare('UPDATE generations SET file_path = ?, missing = 0 WHERE id = ?'),
      relinkFile: db.prepare(
        `UPDATE generation_files SET path = ?, bytes = coalesce(?, bytes) WHERE generation_id = ? AND role = 'final'`,
      ),
      setMissing: db.prepare('UPDATE generations SET missing = ? WHERE id = ? AND missing <> ?'),
      record: db.prepare<[number], RawGeneration>(
        'SELECT *, CAST(seed AS TEXT) AS seed_text FROM generations WHERE id = ?',
      ),
    };
  }

  /** Generations whose final file path starts with `prefix` (e.g. `/photos/` or `outputs/`), by path. */
  under(prefix: string): LibraryFile[] {
    return this.s.under.all(prefix, prefixUpperBound(prefix)).map(toFile);
  }

  /** The generation owning `path` (oldest first when a bug ever made two). */
  byPath(path: string): LibraryFile | undefined {
    const r = this.s.byPath.get(path);
    return r ? toFile(r) : undefined;
  }

  /** Generations with this content hash (lower-case hex SHA-256), missing ones first. */
  bySha(sha256: string): LibraryFile[] {
    return this.s.bySha.all(sha256).map(toFile);
  }

  /** Points generation `id` at its file's new location and clears `missing`. */
  relink(id: number, path: string, bytes: number | null): void {
    this.s.relinkGen.run(path, id);
    this.s.relinkFile.run(path, bytes, id);
  }

  /** Sets or clears `missing`; returns true when the row changed. */
  setMissing(id: number, missing: boolean): boolean {
    const v = missing ? 1 : 0;
    return this.s.setMissing.run(v, id, v).changes > 0;
  }

  /** The stored generation `id` with its workflow graph (null when the file carried none), or undefined. */
  record(id: number): (GenerationRow & { workflow: unknown }) | undefined {
    const r = this.s.record.get(id);
    return r
      ? { ...toGeneration(r), workflow: r.workflow_json ? JSON.parse(r.workflow_json) : null }
      : undefined;
  }

  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
