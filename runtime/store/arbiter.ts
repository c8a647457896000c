/**
 * Persistence of the arbiter's "projected vs actual" per model (`model_vram_peaks`, migration
 * 0010), so corrections survive a restart. Implements runtime/arbiter/corrections.ts
 * `CorrectionsPersistence`: `new Corrections(new VramPeakStore(db))`.
 */
import type { CorrectionRecord, CorrectionsPersistence } from '../arbiter/corrections';
import type { Db } from './db';

interface Row {
  model: string;
  projected_bytes: number;
  actual_bytes: number;
  ratio: number;
  samples: number;
  updated_at: number;
}

export class VramPeakStore implements CorrectionsPersistence {
  private readonly s;
  constructor(db: Db) {
    this.s = {
      all: db.prepare<[], Row>('SELECT * FROM model_vram_peaks ORDER BY model'),
      upsert:
        db.prepare(`INSERT INTO model_vram_peaks (model, projected_bytes, actual_bytes, ratio, samples, updated_at)
        VALUES (@model, @projected_bytes, @actual_bytes, @ratio, @samples, @updated_at)
        ON CONFLICT(model) DO UPDATE SET projected_bytes = excluded.projected_bytes, actual_bytes = excluded.actual_bytes,
          ratio = excluded.ratio, samples = excluded.samples, updated_at = excluded.updated_at`),
      clear: db.prepare('DELETE FROM model_vram_peaks WHERE model = ?'),
    };
  }

  loadAll(): CorrectionRecord[] {
    return this.s.all.all().map((r) => ({
      model: r.model,
      projectedBytes: r.projected_bytes,
      actualBytes: r.actual_bytes,
      ratio: r.ratio,
      samples: r.samples,
      updatedAt: r.updated_at,
    }));
  }

  save(rec: CorrectionRecord): void {
    this.s.upsert.run({
      model: rec.model,
      projected_bytes: Math.round(rec.projectedBytes),
      actual_bytes: Math.round(rec.actualBytes),
      ratio: rec.ratio,
      samples: rec.samples,
      updated_at: rec.updatedAt,
    });
  }

  /** Forgets a model's measurements (e.g. after the file changed); returns whether one existed. */
  forget(model: string): boolean {
    return this.s.clear.run(model).changes > 0;
  }
}
