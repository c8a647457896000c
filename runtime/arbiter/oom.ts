/**
 * The out-of-memory path (design.md §6, issue 5 §5): an engine OOM (`OUT_OF_MEMORY` from the SD
 * worker — sd.cpp aborts with `ggml_aligned_malloc: insufficient memory`, sdcpp.md §1.4 — or an
 * allocation failure from the LLM worker, also mapped to `OUT_OF_MEMORY`) gets exactly one retry
 * with conservative settings.
 */
import type { ErrorCode } from '../errors';
import type { Mitigations, WorkerKind } from './types';

/** Error codes that mean "the engine ran out of memory". */
export const OOM_CODES: ReadonlySet<string> = new Set<ErrorCode>(['OUT_OF_MEMORY']);

/** True for an error carrying an OOM code (MystiError or any object with `code`). */
export function isOomError(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    OOM_CODES.has(String((err as { code?: unknown }).code))
  );
}

/** LLM settings the retry lowers. */
export interface LlmSettings {
  contextSize: number;
  /** GPU layers; undefined = engine default ("auto"). */
  gpuLayers?: number;
}

export interface RetrySettings {
  worker: WorkerKind;
  /** SD: every mitigation on. */
  sd?: Mitigations;
  /** LLM: half the context (≥ 512 tokens) and half the GPU layers (0 when unknown/auto). */
  llm?: LlmSettings;
}

/** Smallest context the LLM retry goes down to: shorter ones cannot hold an enhance prompt. */
export const MIN_RETRY_CONTEXT = 512;

/**
 * The conservative settings for the one retry.
 * @param current the LLM settings of the failed attempt (required for `llm`, ignored for `sd`).
 */
export function conservativeSettings(worker: WorkerKind, current?: LlmSettings): RetrySettings {
  if (worker === 'sd')
    return { worker, sd: { vaeTiling: true, vaeOnCpu: true, clipOnCpu: true, offloadToCpu: true } };
  const ctx = current?.contextSize ?? 2048;
  return {
    worker,
    llm: {
      contextSize: Math.max(MIN_RETRY_CONTEXT, Math.min(ctx, Math.floor(ctx / 2))),
      gpuLayers: current?.gpuLayers === undefined ? 0 : Math.floor(current.gpuLayers / 2),
    },
  };
}

export interface OomAttemptReport {
  attempt: 1 | 2;
  outcome: 'ok' | 'oom' | 'error';
  settings: RetrySettings | null;
  error?: unknown;
}

export interface OomRetryOptions {
  worker: WorkerKind;
  /** The failed attempt's LLM settings, to derive the smaller ones. */
  current?: LlmSettings;
  /** Called before the retry (log + broadcast "Out of memory: retrying with …"). */
  onRetry?: (info: { error: unknown; settings: RetrySettings }) => void;
  /** Called after every attempt with its outcome. */
  onOutcome?: (r: OomAttemptReport) => void;
  /** No retry when aborted (a cancel is not an OOM). */
  signal?: AbortSignal;
}

/**
 * Runs `attempt(null)`; on an OOM error runs `attempt(conservativeSettings)` once more.
 * Non-OOM errors and the second failure are rethrown unchanged.
 */
export async function withOomRetry<T>(
  attempt: (settings: RetrySettings | null) => Promise<T>,
  opts: OomRetryOptions,
): Promise<T> {
  try {
    const v = await attempt(null);
    opts.onOutcome?.({ attempt: 1, outcome: 'ok', settings: null });
    return v;
  } catch (err) {
    const oom = isOomError(err);
    opts.onOutcome?.({ attempt: 1, outcome: oom ? 'oom' : 'error', settings: null, error: err });
    if (!oom || opts.signal?.aborted) throw err;
    const settings = conservativeSettings(opts.worker, opts.current);
    opts.onRetry?.({ error: err, settings });
    try {
      const v = await attempt(settings);
      opts.onOutcome?.({ attempt: 2, outcome: 'ok', settings });
      return v;
    } catch (err2) {
      opts.onOutcome?.({
        attempt: 2,
        outcome: isOomError(err2) ? 'oom' : 'error',
        settings,
        error: err2,
      });
      throw err2;
    }
  }
}
