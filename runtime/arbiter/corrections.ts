/**
 * "Projected vs actual" per model: after each job the worker reports its peak (workers/protocol
 * MemoryReport), and later estimates for the same model are scaled by the latest actual/projected
 * ratio. A ratio (not the raw peak) because the next job may use another resolution.
 */

export interface CorrectionRecord {
  model: string;
  /** What the arbiter projected for the last measured job (weights + compute, bytes). */
  projectedBytes: number;
  /** The peak the worker reported for it (bytes). */
  actualBytes: number;
  /** actual / projected, clamped to [MIN_RATIO, MAX_RATIO]. */
  ratio: number;
  samples: number;
  updatedAt: number;
}

/** Below this a measurement is more likely a bad report (e.g. RSS of an idle process) than truth. */
export const MIN_RATIO = 0.5;
/** Above this the estimate is so wrong that one sample should not blow up every later request. */
export const MAX_RATIO = 4;

/** Optional persistence (runtime/store/arbiter.ts implements it over SQLite). */
export interface CorrectionsPersistence {
  loadAll(): CorrectionRecord[];
  save(rec: CorrectionRecord): void;
}

/** In-memory corrections with optional write-through persistence. */
export class Corrections {
  private readonly byModel = new Map<string, CorrectionRecord>();

  constructor(private readonly persistence?: CorrectionsPersistence) {
    for (const r of persistence?.loadAll() ?? []) this.byModel.set(r.model, r);
  }

  /**
   * Records a measured peak. Ignored when either number is not positive.
   * @returns the stored record, or undefined when ignored.
   */
  record(
    model: string,
    projectedBytes: number,
    actualBytes: number,
    now = Date.now(),
  ): CorrectionRecord | undefined {
    if (!(projectedBytes > 0 && actualBytes > 0) || !model) return undefined;
    const ratio = Math.min(MAX_RATIO, Math.max(MIN_RATIO, actualBytes / projectedBytes));
    const prev = this.byModel.get(model);
    const rec: CorrectionRecord = {
      model,
      projectedBytes,
      actualBytes,
      ratio,
      samples: (prev?.samples ?? 0) + 1,
      updatedAt: now,
    };
    this.byModel.set(model, rec);
    this.persistence?.save(rec);
    return rec;
  }

  /** The ratio to apply to a fresh estimate of `model` (1 when never measured). */
  ratio(model: string): number {
    return this.byModel.get(model)?.ratio ?? 1;
  }

  /**
   * Applies the correction to an estimate. Weights are file sizes (exact), so only compute is
   * scaled — by the share of the total error it must absorb: corrected total = total × ratio.
   */
  correct(
    model: string,
    weightsBytes: number,
    computeBytes: number,
  ): { weightsBytes: number; computeBytes: number } {
    const r = this.ratio(model);
    if (r === 1) return { weightsBytes, computeBytes };
    const total = (weightsBytes + computeBytes) * r;
    return { weightsBytes, computeBytes: Math.max(0, Math.round(total - weightsBytes)) };
  }

  /** The projected-vs-actual record of `model`, if it ever ran. */
  get(model: string): CorrectionRecord | undefined {
    return this.byModel.get(model);
  }

  /** Every model's record (GET /api/vram shows them). */
  all(): CorrectionRecord[] {
    return [...this.byModel.values()];
  }
}
