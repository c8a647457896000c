/**
 * Files of a generation beyond the final image (`generation_files`: thumb, …) as the job runner
 * and the integrity rescan need them: register a thumbnail, list what lacks one, walk all
 * generations in id order for a rescan.
 */
import type { Db } from './db';

export interface ScanRow {
  id: number;
  uuid: string;
  filePath: string;
  missing: boolean;
  hasThumb: boolean;
}

export class GenerationFileStore {
  private readonly s;
  constructor(db: Db) {
    this.s = {
      put: db.prepare(
        'INSERT OR REPLACE INTO generation_files (generation_id, role, path, bytes) VALUES (?, ?, ?, ?)',
      ),
      get: db.prepare<[number, string], { path: string; bytes: number | null }>(
        'SELECT path, bytes FROM generation_files WHERE generation_id = ? AND role = ?',
      ),
      source: db.prepare<[number], { uuid: string; file_path: string; deleted_at: number | null }>(
        'SELECT uuid, file_path, deleted_at FROM generations WHERE id = ?',
      ),
      scan: db.prepare<
        [number, number],
        { id: number; uuid: string; file_path: string; missing: number; has_thumb: number }
      >(
        `SELECT g.id, g.uuid, g.file_path, g.missing,
           EXISTS (SELECT 1 FROM generation_files f WHERE f.generation_id = g.id AND f.role = 'thumb') AS has_thumb
         FROM generations g WHERE g.id > ? ORDER BY g.id LIMIT ?`,
      ),
    };
  }

  /** Registers (or replaces) a file of `role` for a generation; `path` relative to the data directory. */
  put(generationId: number, role: string, path: string, bytes: number | null): void {
    this.s.put.run(generationId, role, path, bytes);
  }

  get(generationId: number, role: string): { path: string; bytes: number | null } | undefined {
    return this.s.get.get(generationId, role);
  }

  /** The generation's image path and uuid (for thumbnailing), or undefined when it is gone. */
  source(
    generationId: number,
  ): { uuid: string; filePath: string; deletedAt: number | null } | undefined {
    const r = this.s.source.get(generationId);
    return r ? { uuid: r.uuid, filePath: r.file_path, deletedAt: r.deleted_at } : undefined;
  }

  /** Generations with id > afterId, in id order (keyset batches for the rescan). */
  scanBatch(afterId: number, limit: number): ScanRow[] {
    return this.s.scan.all(afterId, limit).map((r) => ({
      id: r.id,
      uuid: r.uuid,
      filePath: r.file_path,
      missing: r.missing === 1,
      hasThumb: r.has_thumb === 1,
    }));
  }
}
