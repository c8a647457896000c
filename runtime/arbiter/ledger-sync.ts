/**
 * Keeps the arbiter's ledger true to the LLM worker, which keeps its model and context resident
 * between jobs (workers/llm/engine.ts: one model, one context). The worker's health `loaded`
 * field carries the sizes node-llama-cpp's GgufInsights computed for what it actually loaded
 * (`weightsBytes`, `kvBytes`, `contextSize`; kvBytes 0 after a soft unload), so the ledger books
 * those rather than the arbiter's own guess. The sd worker keeps a model stack resident only in
 * resident mode (a `sd-server` child, health `loaded.mode === 'server'`); with sd-cli per job it
 * keeps nothing.
 */
import type { WorkerSupervisor } from '../workers/supervisor';
import type { Arbiter } from './leases';

/** The LLM worker's `loaded` health field (workers/llm/engine.ts LoadedInfo). */
export interface LlmLoaded {
  modelId: string;
  path: string;
  /** weights + kv (bytes). */
  bytes: number;
  weightsBytes?: number;
  kvBytes?: number;
  contextSize?: number;
}

/**
 * Reads the LLM worker's health and books exactly what it holds: its model's weights and context
 * (KV cache) as resident entries; any other LLM model in the ledger is gone (the worker holds one).
 * A worker that is not running holds nothing.
 * @param labels display names by model id (preset names), kept on the entries.
 * @returns what the worker reported, or null when nothing is loaded or the worker is not ready.
 * Never throws: a health failure leaves the ledger unchanged (the next sync or a crash event
 * corrects it) and returns undefined.
 */
export async function syncLlmLedger(
  arbiter: Arbiter,
  supervisor: WorkerSupervisor,
  labels: ReadonlyMap<string, string>,
  memo?: LlmFootprints,
): Promise<LlmLoaded | null | undefined> {
  const st = supervisor.status().llm;
  if (!st || st.state !== 'ready') {
    arbiter.noteUnloaded('llm');
    return null;
  }
  let loaded: LlmLoaded | null;
  try {
    const client = await supervisor.client('llm');
    loaded = ((await client.health()).loaded ?? null) as LlmLoaded | null;
  } catch {
    return undefined;
  }
  if (!loaded) {
    arbiter.noteUnloaded('llm');
    return null;
  }
  for (const e of arbiter.snapshot().resident.llm)
    if (e.model !== loaded.modelId) arbiter.noteUnloaded('llm', e.model);
  const weights = loaded.weightsBytes ?? loaded.bytes;
  const kv = loaded.kvBytes ?? Math.max(0, loaded.bytes - weights);
  const label = labels.get(loaded.modelId) ?? loaded.modelId.split('/').pop();
  memo?.remember(loaded);
  arbiter.noteResident('llm', loaded.modelId, weights, 'weights', label);
  if (kv > 0) arbiter.noteResident('llm', loaded.modelId, kv, 'kv', label);
  else arbiter.noteUnloaded('llm', loaded.modelId, 'kv');
  return loaded;
}

/**
 * Executes one eviction the arbiter decided on `worker`: `soft` drops the LLM context (KV cache),
 * `hard` unloads the model. Unloading goes through the worker (`POST /internal/unload`), which
 * serializes it after any running job — never a process kill, which would also kill a job of
 * another model the worker may be running. When the worker meanwhile holds another model than
 * the one to evict, the evicted one is already gone and nothing is unloaded.
 * @throws what WorkerClient.unload throws (WORKER_UNLOAD_FAILED, network errors): the arbiter
 *   then fails the waiting request with VRAM_EVICT_FAILED.
 */
export async function evictOnWorker(
  supervisor: WorkerSupervisor,
  worker: string,
  model: string,
  mode: 'soft' | 'hard',
): Promise<void> {
  const st = supervisor.status()[worker];
  if (!st || st.state !== 'ready') return; // a stopped worker holds nothing
  const client = await supervisor.client(worker);
  const loaded = (await client.health().catch(() => null))?.loaded as LlmLoaded | null | undefined;
  // The sd worker holds one stack and names it by file, not registry id: unloading it is always right.
  if (worker !== 'sd' && loaded && model && loaded.modelId !== model) return;
  await supervisor.unload(worker, mode);
}

/**
 * What the LLM worker reported keeping for a model at a context size (bytes), so that when a job
 * ends the ledger can book the model + context at once — the lease is given back without waiting
 * for a health round trip, and a waiting SD job sees the context as resident (to evict it) rather
 * than as a running lease (to wait for or mitigate around). Unknown pairs wait for the worker's report.
 */
export class LlmFootprints {
  private readonly byKey = new Map<string, { weightsBytes: number; kvBytes: number }>();

  /** Keeps a loaded model's weights and KV bytes for its context size (ignored when the report lacks them). */
  remember(l: LlmLoaded): void {
    if (!l.contextSize || !l.kvBytes) return;
    this.byKey.set(`${l.modelId}\u0000${l.contextSize}`, {
      weightsBytes: l.weightsBytes ?? l.bytes - l.kvBytes,
      kvBytes: l.kvBytes,
    });
  }

  /** Bytes last reported for `model` at `contextSize` tokens, if any. */
  get(model: string, contextSize: number): { weightsBytes: number; kvBytes: number } | undefined {
    return this.byKey.get(`${model}\u0000${contextSize}`);
  }
}

/**
 * After an sd job: books the stack the sd worker keeps resident (resident mode) under `model`
 * (the registry id the job used), or nothing when it keeps none (sd-cli per job).
 * @returns true when a resident stack was booked. Never throws (a failed health read books nothing).
 */
export async function syncSdLedger(
  arbiter: Arbiter,
  supervisor: WorkerSupervisor,
  model: string,
  label?: string,
): Promise<boolean> {
  const st = supervisor.status().sd;
  if (!st || st.state !== 'ready') {
    arbiter.noteUnloaded('sd');
    return false;
  }
  let loaded: { bytes: number; mode?: string } | null;
  try {
    loaded = ((await (await supervisor.client('sd')).health()).loaded ?? null) as {
      bytes: number;
      mode?: string;
    } | null;
  } catch {
    return false;
  }
  if (!loaded || loaded.mode !== 'server') {
    arbiter.noteUnloaded('sd');
    return false;
  }
  for (const e of arbiter.snapshot().resident.sd)
    if (e.model !== model) arbiter.noteUnloaded('sd', e.model);
  arbiter.noteResident('sd', model, loaded.bytes, 'weights', label);
  return true;
}
