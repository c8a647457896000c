/**
 * The `models` table (0001_init.sql, `allow_unsafe` from 0040_models.sql): one row per model file
 * found in the configured folders. Ids are the file's path relative to its model folder (stable
 * across rescans).
 */
import type { Database } from 'better-sqlite3';

/** Registry kinds; `unknown` covers files we could not classify or that failed validation. */
export const MODEL_KINDS = [
  'sd',
  'llm',
  'vae',
  'lora',
  'upscaler',
  'taesd',
  'text_encoder',
  'embedding',
  'controlnet',
  'ipadapter',
  'clip_vision',
  'unknown',
] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

/** True when `s` is one of {@link MODEL_KINDS} (kind strings from the engine or a query string). */
export function isModelKind(s: string): s is ModelKind {
  return (MODEL_KINDS as readonly string[]).includes(s);
}

export interface ModelRow {
  id: string;
  kind: ModelKind;
  name: string;
  /** Absolute path. */
  path: string;
  sha256: string | null;
  family: string | null;
  bytes: number;
  mtimeMs: number;
  metadata: Record<string, unknown> | null;
  missing: boolean;
  /** The user allowed this pickle file to be loaded (cleared when the file changes). */
  allowUnsafe: boolean;
  addedAt: number;
  updatedAt: number;
}

/** What a scan provides for one file. */
export type ModelUpsert = Omit<
  ModelRow,
  'sha256' | 'missing' | 'allowUnsafe' | 'addedAt' | 'updatedAt'
>;

interface RawRow {
  id: string;
  kind: string;
  name: string;
  path: string;
  sha256: string | null;
  family: string | null;
  bytes: number;
  mtime_ms: number;
  metadata_json: string | null;
  missing: number;
  allow_unsafe: number;
  added_at: number;
  updated_at: number;
}

function fromRaw(r: RawRow): ModelRow {
  return {
    id: r.id,
    kind: r.kind as ModelKind,
    name: r.name,
    path: r.path,
    sha256: r.sha256,
    family: r.family,
    bytes: r.bytes,
    mtimeMs: r.mtime_ms,
    metadata: r.metadata_json ? (JSON.parse(r.metadata_json) as Record<string, unknown>) : null,
    missing: r.missing !== 0,
    allowUnsafe: r.allow_unsafe !== 0,
    addedAt: r.added_at,
    updatedAt: r.updated_at,
  };
}

/** Prepared statements over one database, created once. */
export class ModelStore {
  private readonly s;
  constructor(private readonly db: Database) {
    this.s = {
      // A changed file (size or mtime) loses its hash and any unsafe-load consent; an unchanged one keeps both.
      upsert:
        db.prepare(`INSERT INTO models (id, kind, name, path, sha256, family, bytes, mtime_ms, metadata_json, missing, added_at, updated_at)
        VALUES (@id, @kind, @name, @path, NULL, @family, @bytes, @mtimeMs, @metadata, 0, @now, @now)
        ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, name = excluded.name, path = excluded.path, family = excluded.family,
          sha256 = CASE WHEN models.bytes = excluded.bytes AND models.mtime_ms = excluded.mtime_ms THEN models.sha256 ELSE NULL END,
          allow_unsafe = CASE WHEN models.bytes = excluded.bytes AND models.mtime_ms = excluded.mtime_ms THEN models.allow_unsafe ELSE 0 END,
          bytes = excluded.bytes, mtime_ms = excluded.mtime_ms, metadata_json = excluded.metadata_json, missing = 0, updated_at = excluded.updated_at`),
      deleteByPathOtherId: db.prepare('DELETE FROM models WHERE path = ? AND id <> ?'),
      get: db.prepare('SELECT * FROM models WHERE id = ?'),
      getByPath: db.prepare('SELECT * FROM models WHERE path = ?'),
      listAll: db.prepare('SELECT * FROM models WHERE missing = 0 ORDER BY kind, name, id'),
      listKind: db.prepare('SELECT * FROM models WHERE missing = 0 AND kind = ? ORDER BY name, id'),
      listIncludingMissing: db.prepare('SELECT * FROM models ORDER BY kind, name, id'),
      byName: db.prepare('SELECT * FROM models WHERE missing = 0 AND name = ? ORDER BY id'),
      markMissing: db.prepare(
        'UPDATE models SET missing = 1, updated_at = ? WHERE id = ? AND missing = 0',
      ),
      ids: db.prepare('SELECT id FROM models WHERE missing = 0'),
      setSha: db.prepare(
        'UPDATE models SET sha256 = ?, updated_at = ? WHERE id = ? AND bytes = ? AND mtime_ms = ?',
      ),
      setAllowUnsafe: db.prepare('UPDATE models SET allow_unsafe = ?, updated_at = ? WHERE id = ?'),
      needingHash: db.prepare(
        'SELECT * FROM models WHERE missing = 0 AND sha256 IS NULL ORDER BY bytes',
      ),
    };
  }

  /** Inserts or refreshes a row; clears `missing`; drops the hash when size/mtime changed. */
  upsert(m: ModelUpsert, now = Date.now()): void {
    this.db.transaction(() => {
      // A file may move between folders' ids (e.g. folders reconfigured): path is UNIQUE.
      this.s.deleteByPathOtherId.run(m.path, m.id);
      this.s.upsert.run({ ...m, metadata: m.metadata ? JSON.stringify(m.metadata) : null, now });
    })();
  }

  get(id: string): ModelRow | undefined {
    const r = this.s.get.get(id) as RawRow | undefined;
    return r && fromRaw(r);
  }

  getByPath(path: string): ModelRow | undefined {
    const r = this.s.getByPath.get(path) as RawRow | undefined;
    return r && fromRaw(r);
  }

  /** Present rows (not missing), optionally of one kind, sorted by name. */
  list(kind?: ModelKind): ModelRow[] {
    const rows = (kind ? this.s.listKind.all(kind) : this.s.listAll.all()) as RawRow[];
    return rows.map(fromRaw);
  }

  listIncludingMissing(): ModelRow[] {
    return (this.s.listIncludingMissing.all() as RawRow[]).map(fromRaw);
  }

  /** Present rows whose file name (basename) is `name`. */
  findByName(name: string): ModelRow[] {
    return (this.s.byName.all(name) as RawRow[]).map(fromRaw);
  }

  /** Marks every present row whose id is not in `seen` as missing; returns how many. */
  markMissingExcept(seen: Set<string>, now = Date.now()): number {
    let n = 0;
    this.db.transaction(() => {
      for (const { id } of this.s.ids.all() as { id: string }[]) {
        if (!seen.has(id)) n += this.s.markMissing.run(now, id).changes;
      }
    })();
    return n;
  }

  /** Records a hash only if the file is still the one that was hashed (same size and mtime). */
  setSha256(id: string, sha256: string, bytes: number, mtimeMs: number, now = Date.now()): boolean {
    return this.s.setSha.run(sha256, now, id, bytes, mtimeMs).changes > 0;
  }

  /** Records (or withdraws) the user's consent to load a pickle file; false when no such row. */
  setAllowUnsafe(id: string, allow: boolean, now = Date.now()): boolean {
    return this.s.setAllowUnsafe.run(allow ? 1 : 0, now, id).changes > 0;
  }

  /** Present rows without a hash, smallest first. */
  needingHash(): ModelRow[] {
    return (this.s.needingHash.all() as RawRow[]).map(fromRaw);
  }
}
