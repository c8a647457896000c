/** The VRAM arbiter's public surface (design.md §6). See leases.ts for how the scheduler calls it. */
export * from './types';
export { decide, planEvictions, requestNeed, MAX_VRAM_STRETCH } from './decide';
export { estimateSd, estimateLlm, sdFamilyOf, SD_FAMILY_TABLE } from './estimate';
export type { SdFamily, SdFamilyRow, WeightFile, WeightFormat, SdJobShape, SdEstimate, LlmShape, LlmEstimate } from './estimate';
export { Corrections, MIN_RATIO, MAX_RATIO } from './corrections';
export type { CorrectionRecord, CorrectionsPersistence } from './corrections';
export { Arbiter } from './leases';
export type { ArbiterOptions, ArbiterSnapshot, DecisionEvent, Lease, ReserveRequest } from './leases';
export { resolveBudget, queryNvidiaSmi, defaultReserveBytes, mitigationsFor } from './budget';
export type { Budget, BudgetOptions, BudgetSource } from './budget';
export { withOomRetry, conservativeSettings, isOomError, OOM_CODES, MIN_RETRY_CONTEXT } from './oom';
export type { RetrySettings, LlmSettings, OomAttemptReport, OomRetryOptions } from './oom';
export { formatBytes } from './format';
