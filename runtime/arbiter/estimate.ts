/**
 * Memory estimates for the arbiter (design.md §6), pure: file sizes and GGUF numbers come in as
 * arguments. All results are in bytes.
 *
 * SD weights = the sizes of the files sd.cpp loads (a GGUF file is already in its quantized
 * size; a safetensors/ckpt file is its dtype's size, f16 or f32). sd.cpp converts conv kernels to
 * f16 at load, so an f32 file can end up a little smaller on the device: the file size is the
 * conservative bound.
 *
 * SD compute comes from {@link SD_FAMILY_TABLE}: ComfyUI's own estimators, which it uses to decide
 * what to unload and when to tile (anchors-mission.md §2.4):
 * - sampler activations, `comfy/model_base.py` `BaseModel.memory_required`:
 *   `batch × latent_h × latent_w × dtype_size × 0.01 × memory_usage_factor` MiB, where batch is
 *   doubled by CFG > 1 (cond + uncond) and `memory_usage_factor` is per family
 *   (`comfy/supported_models.py`: SD15 1.0, SDXL 0.8, Flux 2.8; SD2 has no override so takes
 *   the base 2.0; SD3 1.2). We use dtype_size 4 because ggml compute buffers are f32.
 * - VAE decode, `comfy/sd.py` `VAE.memory_used_decode`: `2178 × output_pixels × dtype_size`
 *   (ComfyUI's comment says it "need[s] tweaking (should be lower)": a safe upper bound); tiled
 *   decode is bounded by one tile (sd.cpp's default 32×32 latent = 256×256 px) plus overlap.
 * - a fixed overhead per family for text-encoder activations and scratch, sized from sd.cpp's
 *   measurements (sdcpp.md §5: 64×64 with a 79 MiB model peaks at 128 MB RSS, i.e. ~50 MB beyond
 *   the weights; T5-XXL families need far more for the text pass).
 * The corrections store (corrections.ts) then replaces guesses with measured peaks per model.
 *
 * LLM: weights = GGUF file size; KV cache = n_layers × n_ctx × (n_embd_k_gqa + n_embd_v_gqa) ×
 * bytes per element (f16 = 2), the formula node-llama-cpp's GgufInsights uses
 * (`_estimateContextCacheMemorySplitInBytes`, after llama.cpp's `llama_kv_cache_init`), plus a
 * compute-graph allowance.
 */
import type { SdBreakdown } from './types';

const MIB = 1024 * 1024;

export type SdFamily = 'sd1' | 'sd2' | 'sdxl' | 'sd3' | 'flux';

export interface SdFamilyRow {
  /** ComfyUI `memory_usage_factor`. */
  memoryUsageFactor: number;
  /** Output pixels per latent pixel side (VAE downscale). */
  latentDownscale: number;
  /** ComfyUI VAE decode bytes per output pixel per dtype byte. */
  vaeDecodePerPixel: number;
  /** Always-present buffers (text encoders' activations, latents, scratch). */
  fixedOverheadBytes: number;
}

/** The documented table (sources in the module comment). */
export const SD_FAMILY_TABLE: Readonly<Record<SdFamily, SdFamilyRow>> = {
  sd1: {
    memoryUsageFactor: 1.0,
    latentDownscale: 8,
    vaeDecodePerPixel: 2178,
    fixedOverheadBytes: 128 * MIB,
  },
  sd2: {
    memoryUsageFactor: 2.0,
    latentDownscale: 8,
    vaeDecodePerPixel: 2178,
    fixedOverheadBytes: 160 * MIB,
  },
  sdxl: {
    memoryUsageFactor: 0.8,
    latentDownscale: 8,
    vaeDecodePerPixel: 2178,
    fixedOverheadBytes: 256 * MIB,
  },
  sd3: {
    memoryUsageFactor: 1.2,
    latentDownscale: 8,
    vaeDecodePerPixel: 2178,
    fixedOverheadBytes: 768 * MIB,
  },
  flux: {
    memoryUsageFactor: 2.8,
    latentDownscale: 8,
    vaeDecodePerPixel: 2178,
    fixedOverheadBytes: 768 * MIB,
  },
};

/** ggml compute buffers are f32. */
const COMPUTE_DTYPE_BYTES = 4;
/** ComfyUI decodes the VAE in f16/bf16 on GPUs; sd.cpp keeps VAE activations in f32 on CPU, but
 *  ComfyUI's factor already over-estimates ("should be lower"), so we keep its f16 figure. */
const VAE_DTYPE_BYTES = 2;
/** sd.cpp's default `--vae-tile-size 32x32` latent → 256×256 px, plus 50 % overlap margin. */
const VAE_TILE_PIXELS = 256 * 256 * 1.5;

/** Maps a registry family string ("sdxl", "SD1.x", "flux-dev", "sdxs") to a table row key. */
export function sdFamilyOf(family: string | null | undefined): SdFamily {
  const f = (family ?? '').toLowerCase();
  if (f.includes('flux')) return 'flux';
  if (f.includes('sd3') || f.includes('sd 3')) return 'sd3';
  if (f.includes('xl')) return 'sdxl';
  if (f.includes('sd2') || f.includes('2.')) return 'sd2';
  if (f.includes('sd1') || f.includes('1.') || f.includes('sdxs') || f === 'sd') return 'sd1';
  // Unknown: assume the larger UNet family rather than under-estimate.
  return 'sdxl';
}

export type WeightFormat = 'gguf' | 'safetensors' | 'ckpt' | 'other';

/** One model file sd.cpp loads. `dtype` is informational ("f16", "q4_0", …). */
export interface WeightFile {
  role: 'diffusion' | 'vae' | 'textEncoder';
  bytes: number;
  format?: WeightFormat;
  dtype?: string;
}

export interface SdJobShape {
  family: string | null | undefined;
  width: number;
  height: number;
  /** sd.cpp `-b`: images run one after another, so memory does not multiply (sdcpp.md §1.1). */
  batchCount?: number;
  /** CFG scale; 1 skips the unconditional pass (half the sampler batch). */
  cfgScale?: number;
  /** Images sampled at once (not sd.cpp's -b); default 1. */
  parallelBatch?: number;
}

export interface SdEstimate {
  weightsBytes: number;
  computeBytes: number;
  breakdown: SdBreakdown;
  family: SdFamily;
  /** Human notes on the files ("diffusion: 2.1 GB gguf q4_0"). */
  notes: string[];
}

/**
 * Estimates an sd.cpp job. Width/height are rounded up to the latent multiple as sd.cpp does.
 * @throws RangeError on non-positive dimensions.
 */
export function estimateSd(files: WeightFile[], job: SdJobShape): SdEstimate {
  if (!(job.width > 0 && job.height > 0))
    throw new RangeError(`bad image size ${job.width}x${job.height}`);
  const family = sdFamilyOf(job.family);
  const row = SD_FAMILY_TABLE[family];
  const w = (role: WeightFile['role']) =>
    files.filter((f) => f.role === role).reduce((a, f) => a + f.bytes, 0);
  const latentW = Math.ceil(job.width / row.latentDownscale);
  const latentH = Math.ceil(job.height / row.latentDownscale);
  const outPixels = latentW * latentH * row.latentDownscale ** 2;
  const samplerBatch = (job.parallelBatch ?? 1) * ((job.cfgScale ?? 7) > 1 ? 2 : 1);
  const diffusionComputeBytes = Math.round(
    samplerBatch * latentW * latentH * COMPUTE_DTYPE_BYTES * 0.01 * row.memoryUsageFactor * MIB,
  );
  const vaeDecodeBytes = Math.round(row.vaeDecodePerPixel * outPixels * VAE_DTYPE_BYTES);
  const vaeDecodeTiledBytes = Math.round(
    row.vaeDecodePerPixel * Math.min(outPixels, VAE_TILE_PIXELS) * VAE_DTYPE_BYTES,
  );
  const breakdown: SdBreakdown = {
    diffusionWeightsBytes: w('diffusion'),
    vaeWeightsBytes: w('vae'),
    textEncoderWeightsBytes: w('textEncoder'),
    diffusionComputeBytes,
    vaeDecodeBytes,
    vaeDecodeTiledBytes,
    fixedOverheadBytes: row.fixedOverheadBytes,
  };
  return {
    weightsBytes:
      breakdown.diffusionWeightsBytes +
      breakdown.vaeWeightsBytes +
      breakdown.textEncoderWeightsBytes,
    computeBytes: Math.max(diffusionComputeBytes, vaeDecodeBytes) + row.fixedOverheadBytes,
    breakdown,
    family,
    notes: files.map(
      (f) =>
        `${f.role}: ${f.bytes} bytes${f.format ? ` ${f.format}` : ''}${f.dtype ? ` ${f.dtype}` : ''}`,
    ),
  };
}

/** The GGUF numbers the KV formula needs (read by the caller, e.g. with node-llama-cpp's `readGgufFileInfo`). */
export interface LlmShape {
  /** GGUF file size = weights. */
  fileBytes: number;
  /** `<arch>.block_count`. */
  nLayers: number;
  /** Context size the worker creates. */
  contextSize: number;
  /** `<arch>.embedding_length`. */
  nEmbd: number;
  /** `<arch>.attention.head_count`. */
  nHead: number;
  /** `<arch>.attention.head_count_kv` (GQA); defaults to nHead. */
  nHeadKv?: number;
  /** `<arch>.attention.key_length` / `value_length`; default nEmbd / nHead. */
  keyLength?: number;
  valueLength?: number;
  /** KV cache element size: 2 for the default f16 cache. */
  kvBytesPerElement?: number;
  /** Fraction of layers on the GPU (gpuLayers / nLayers); 1 on CPU-only machines (RAM budget). */
  offloadFraction?: number;
}

export interface LlmEstimate {
  weightsBytes: number;
  kvBytes: number;
  /** KV cache + compute graph allowance. */
  computeBytes: number;
}

/**
 * Compute-graph allowance beside the KV cache. llama.cpp sizes its compute buffer by the batch
 * (n_batch × n_vocab logits + activations); node-llama-cpp estimates it from tensor counts. We
 * use a flat floor plus 1 % of the weights, which the corrections store refines per model.
 */
const LLM_GRAPH_FLOOR = 32 * MIB;

/** Estimates an LLM context: weights from the file, KV from the GgufInsights formula. */
export function estimateLlm(s: LlmShape): LlmEstimate {
  const nHeadKv = s.nHeadKv ?? s.nHead;
  const headK = s.keyLength ?? (s.nHead ? s.nEmbd / s.nHead : 0);
  const headV = s.valueLength ?? (s.nHead ? s.nEmbd / s.nHead : 0);
  const nEmbdKGqa = headK * nHeadKv;
  const nEmbdVGqa = headV * nHeadKv;
  const kvBytes = Math.round(
    s.nLayers * s.contextSize * (nEmbdKGqa + nEmbdVGqa) * (s.kvBytesPerElement ?? 2),
  );
  const f = Math.min(1, Math.max(0, s.offloadFraction ?? 1));
  const weightsBytes = Math.round(s.fileBytes * f);
  return {
    weightsBytes,
    kvBytes: Math.round(kvBytes * f),
    computeBytes: Math.round(kvBytes * f) + LLM_GRAPH_FLOOR + Math.round(s.fileBytes * 0.01),
  };
}
