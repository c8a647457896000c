/**
 * The VRAM arbiter's public surface (design.md §6).
 *
 * Wiring (one Arbiter per runtime):
 *   const b = await resolveBudget({ config: config.vram });
 *   const arbiter = new Arbiter({ budgetBytes: b.budgetBytes, reserveBytes: b.reserveBytes,
 *     mitigationsAvailable: mitigationsFor(b.gpu !== null), transientWorkers: ['sd'] (sd-cli per job),
 *     corrections: new Corrections(new VramPeakStore(db)),
 *     evict: (w, _model, mode) => supervisor.client(w).unload(mode),
 *     onDecision: (e) => { bus.emit('arbiter.decision', e); eventLog.append(e) } });
 * Per node dispatch:
 *   const lease = await arbiter.reserve({ holder, worker, model, label, weightsBytes, computeBytes, sd?, measuredBytes? }, { signal });
 *   try { result = await withOomRetry((retry) => dispatch({ ...lease.mitigations, ...retry?.sd }), { worker, onRetry, onOutcome }) }
 *   finally { lease.release() }
 *   if (result.memory?.peakRssBytes ?? result.memory?.deviceBytes) arbiter.noteActual(model, peak);
 * Worker crash: arbiter.releaseWorker(kind). Worker health `loaded`: noteResident / noteUnloaded.
 * GET /api/vram: arbiter.snapshot().
 */
export * from './types';
export { decide, planEvictions, requestNeed, MAX_VRAM_STRETCH } from './decide';
export { estimateSd, estimateLlm, sdFamilyOf, SD_FAMILY_TABLE } from './estimate';
export type {
  SdFamily,
  SdFamilyRow,
  WeightFile,
  WeightFormat,
  SdJobShape,
  SdEstimate,
  LlmShape,
  LlmEstimate,
} from './estimate';
export { Corrections, MIN_RATIO, MAX_RATIO } from './corrections';
export type { CorrectionRecord, CorrectionsPersistence } from './corrections';
export { Arbiter } from './leases';
export type {
  ArbiterOptions,
  ArbiterSnapshot,
  DecisionEvent,
  Lease,
  LeaseLogEntry,
  ReserveRequest,
} from './leases';
export { resolveBudget, queryNvidiaSmi, defaultReserveBytes, mitigationsFor } from './budget';
export type { Budget, BudgetOptions, BudgetSource } from './budget';
export {
  withOomRetry,
  conservativeSettings,
  isOomError,
  OOM_CODES,
  MIN_RETRY_CONTEXT,
} from './oom';
export type { RetrySettings, LlmSettings, OomAttemptReport, OomRetryOptions } from './oom';
export { formatBytes } from './format';
