/**
 * Shared shapes of the VRAM arbiter (design.md §6). All sizes are in bytes, all times in ms since
 * the epoch. These types are plain data so the decision function stays pure and table-testable.
 */

/** The worker process a node runs on. */
export type WorkerKind = 'sd' | 'llm';

/**
 * sd.cpp flags that lower peak memory (sdcpp.md §1.1): `--vae-tiling`, `--vae-on-cpu`
 * (`--backend vae=cpu`), `--clip-on-cpu` (`--backend te=cpu`), `--offload-to-cpu`, `--max-vram`.
 */
export interface Mitigations {
  vaeTiling?: boolean;
  vaeOnCpu?: boolean;
  clipOnCpu?: boolean;
  offloadToCpu?: boolean;
  /** The `--max-vram` budget in MiB (sd.cpp takes GiB: divide by 1024 when building argv). */
  maxVramMb?: number;
}

/**
 * Which mitigations the machine can use. On a CPU-only machine (budget source `system-ram`) only
 * `vaeTiling` lowers the peak: moving a module "to the CPU" keeps it in the same RAM.
 */
export interface MitigationsAvailable {
  vaeTiling?: boolean;
  vaeOnCpu?: boolean;
  clipOnCpu?: boolean;
  offloadToCpu?: boolean;
  maxVram?: boolean;
}

/**
 * The parts of an SD estimate each mitigation acts on (from {@link estimateSd}). Without it the
 * decision function cannot mitigate and treats the request as all-or-nothing.
 */
export interface SdBreakdown {
  /** Diffusion model (UNet/DiT) weights. */
  diffusionWeightsBytes: number;
  /** VAE weights (0 when the checkpoint bundles it: then it is inside diffusionWeightsBytes). */
  vaeWeightsBytes: number;
  /** Text encoder weights (CLIP-L/G, T5, …). */
  textEncoderWeightsBytes: number;
  /** Sampler activations (peak during the denoising loop). */
  diffusionComputeBytes: number;
  /** Full-image VAE decode activations. */
  vaeDecodeBytes: number;
  /** VAE decode activations with `--vae-tiling` (bounded by the tile size). */
  vaeDecodeTiledBytes: number;
  /** Buffers that are always there (text encoding, latents, scratch). */
  fixedOverheadBytes: number;
}

/** What a node asks the arbiter for before it is dispatched. */
export interface ArbiterRequest {
  /** Who holds the lease, e.g. `run:<runId>/node:<nodeId>`; shown in "waiting for VRAM: …". */
  holder: string;
  worker: WorkerKind;
  /** Registry id (or file name) of the model; '' when the node loads none. */
  model: string;
  /** A display name for messages ("SDXL", "llama-3-8b"); defaults to `model`. */
  label?: string;
  weightsBytes: number;
  /** Activations / KV cache / latents for the job. */
  computeBytes: number;
  /** True when `model` is already loaded on `worker` (then only compute is new). */
  alreadyResidentOnWorker: boolean;
  /** Optional SD breakdown; enables mitigations. Its weight parts must sum to weightsBytes. */
  sd?: SdBreakdown;
}

/** A model (weights) or an LLM context (KV cache) that a worker keeps in memory. */
export interface ResidentEntry {
  worker: WorkerKind;
  model: string;
  label?: string;
  bytes: number;
  /** `weights`: hard eviction unloads it. `kv`: an LLM context; soft eviction drops it. */
  kind: 'weights' | 'kv';
  /** False while a running node uses it (never evicted then). */
  idle: boolean;
  lastUsedAt: number;
}

/** Memory held by a running node (its compute, beyond resident weights). */
export interface LeaseEntry {
  holder: string;
  worker: WorkerKind;
  bytes: number;
}

export interface DecideInput {
  budgetBytes: number;
  reserveBytes: number;
  request: ArbiterRequest;
  resident: ResidentEntry[];
  leases: LeaseEntry[];
  mitigationsAvailable: MitigationsAvailable;
}

export interface Eviction {
  worker: WorkerKind;
  model: string;
  /** soft = drop the LLM context/KV cache; hard = unload the model (or stop the idle worker). */
  mode: 'soft' | 'hard';
  /** Bytes this eviction frees in the ledger. */
  bytes: number;
}

interface DecisionBase {
  /** One sentence for the UI. */
  message: string;
  /** Bytes the request will hold once granted (weights not yet resident + compute, after mitigations). */
  projectedBytes: number;
}

export type Decision =
  | (DecisionBase & { action: 'proceed' })
  | (DecisionBase & { action: 'evict'; evictions: Eviction[] })
  | (DecisionBase & { action: 'mitigate'; mitigations: Mitigations; evictions: Eviction[] })
  | (DecisionBase & { action: 'wait'; reason: string; blockers: string[] })
  | (DecisionBase & { action: 'refuse'; reason: string });
