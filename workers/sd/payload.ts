/**
 * Job payloads of the sd worker, as sent by the diffusion executors (nodes/diffusion/*.run.ts).
 * Validated on arrival; a bad payload is a `BAD_PARAMS` error, never a half-built argv.
 *
 * Sizes are pixels; `seed` -1 = random (sd.cpp picks one and logs it); paths are absolute.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { MAX_SEED } from '../../nodes/core/seed';

const absPath = z
  .string()
  .min(1)
  .refine((p) => isAbsolute(p), 'must be an absolute path');

/** Memory mitigations chosen by the VRAM arbiter (design.md §6). */
export const mitigationsSchema = z.object({
  vaeTiling: z.boolean().optional(),
  vaeOnCpu: z.boolean().optional(),
  clipOnCpu: z.boolean().optional(),
  offloadToCpu: z.boolean().optional(),
  /** GPU memory cap in MiB, passed as `--max-vram <GiB>` on builds that know it. */
  maxVramMb: z.number().positive().optional(),
});
export type Mitigations = z.infer<typeof mitigationsSchema>;

/** txt2img / img2img payload. */
export const genPayloadSchema = z.object({
  prompt: z.string().max(100_000).default(''),
  negativePrompt: z.string().max(100_000).default(''),
  modelPath: absPath,
  /** `diffusion_model`: `modelPath` is a standalone diffusion model (`--diffusion-model`). */
  modelRole: z.enum(['checkpoint', 'diffusion_model']).default('checkpoint'),
  /** Text encoders of a stack (`--clip_l`, `--clip_g`, `--t5xxl`, `--llm`). */
  clipLPath: absPath.optional(),
  clipGPath: absPath.optional(),
  t5xxlPath: absPath.optional(),
  llmPath: absPath.optional(),
  vaePath: absPath.optional(),
  taesdPath: absPath.optional(),
  /** Distilled guidance (`--guidance`), only for Flux-like families. */
  guidance: z.number().min(0).max(100).optional(),
  /** Flow shift (`--flow-shift`), only for flow models; absent = sd.cpp's auto. */
  flowShift: z.number().min(0).max(100).optional(),
  /** Folder for `--lora-model-dir`; LoRA names are looked up there (sdcpp.md §1.5). */
  loraDir: absPath.optional(),
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  steps: z.number().int().min(1).max(1000),
  cfgScale: z.number().min(0).max(100),
  sampler: z.string().min(1).default('default'),
  scheduler: z.string().min(1).default('default'),
  /** Exact decimal seed 0 … 2^63−1, or -1 (random); a safe-integer number is accepted. Output: decimal text. */
  seed: z
    .union([
      z.number().int().min(-1).max(Number.MAX_SAFE_INTEGER),
      z
        .string()
        .regex(/^(-1|0|[1-9][0-9]{0,18})$/)
        .refine((s) => BigInt(s) <= MAX_SEED, 'seed above 2^63−1'),
    ])
    .transform((v) => String(v)),
  batchCount: z.number().int().min(1).max(64).default(1),
  clipSkip: z.number().int().min(-1).max(24).default(-1),
  /** `name` is what goes in the tag: a file stem inside `loraDir`, or an absolute path stem. */
  loras: z
    .array(
      z.object({
        name: z
          .string()
          .min(1)
          .regex(/^[^<>:]+$/, 'no <, > or : (they delimit the lora tag)'),
        weight: z.number(),
      }),
    )
    .default([]),
  strength: z.number().min(0).max(1).optional(),
  initImagePath: absPath.optional(),
  /**
   * Inpainting mask (`--mask`, server `mask_image`): white = repaint, black = keep. Must have the
   * init image's size (MASK_SIZE_MISMATCH otherwise); only with `initImagePath`.
   */
  maskPath: absPath.optional(),
  /**
   * Mask blur in px (A1111's "Mask blur", default 4 there): Gaussian σ applied to the mask before
   * sd.cpp sees it and before the paste-back (sd.cpp has no blur flag of its own).
   */
  maskBlur: z.number().int().min(0).max(64).default(0),
  /**
   * Hires fix (`--hires …`, server `hires{}`): a second pass at a larger size. `upscaler` is one of
   * sd.cpp's built-in names (Latent, Lanczos, …) or, with `upscalerPath`, an ESRGAN file passed via
   * `--hires-upscalers-dir` (its folder) and named by its stem.
   */
  hires: z
    .object({
      upscaler: z.string().min(1).max(200),
      upscalerPath: absPath.optional(),
      /** Factor when no target size is given (`--hires-scale`). */
      scale: z.number().min(1).max(8).default(2),
      /** Target size in px (`--hires-width/--hires-height`); 0 = use `scale`. */
      width: z.number().int().min(0).max(8192).default(0),
      height: z.number().int().min(0).max(8192).default(0),
      /** Second-pass steps; 0 = reuse `steps` (sd.cpp's default). */
      steps: z.number().int().min(0).max(1000).default(0),
      denoisingStrength: z.number().min(0).max(1).default(0.7),
    })
    .optional(),
  /** ControlNet weights (`--control-net`, a start-up option of sd-server) and its image. */
  controlNetPath: absPath.optional(),
  controlImagePath: absPath.optional(),
  /** `--control-strength` / `control_strength` (sd.cpp default 0.9). */
  controlStrength: z.number().min(0).max(2).optional(),
  /** Reference images (`-r` repeated, server `ref_images[]`), in order. */
  refImagePaths: z.array(absPath).max(8).default([]),
  /**
   * `--ref-image-args "k=v,…"` (e.g. `ref_index_mode=increase`): a generation default that
   * sd-server takes only at start-up, so it is part of the resident stack.
   */
  refImageArgs: z.string().max(1000).default(''),
  /** IP-Adapter weights + CLIP vision encoder (start-up options) and the adapter's image. */
  ipAdapterPath: absPath.optional(),
  clipVisionPath: absPath.optional(),
  ipAdapterImagePath: absPath.optional(),
  ipAdapterStrength: z.number().min(0).max(2).optional(),
  /** `--img-cfg-scale` / `sample_params.guidance.img_cfg`: image guidance for inpaint/edit models. */
  imgCfgScale: z.number().min(0).max(100).optional(),
  /** Live preview kind; `tae` needs `taesdPath` and falls back to `proj` without it. */
  preview: z.enum(['none', 'proj', 'tae']).default('proj'),
  /**
   * Live previews need sd-cli (sd-server has none, sdcpp.md §2): true runs this job with sd-cli
   * even when a resident sd-server is available; false uses the server (no previews) when there is one.
   */
  livePreview: z.boolean().default(false),
  /** Absolute temp folder the worker writes its images into. */
  outDir: absPath,
  mitigations: mitigationsSchema.optional(),
});
export type GenPayload = z.infer<typeof genPayloadSchema>;

/** upscale payload: ESRGAN via `-M upscale`, then an optional resize to the requested scale. */
export const upscalePayloadSchema = z.object({
  initImagePath: absPath,
  upscaleModelPath: absPath,
  /** Wanted factor; the ESRGAN model has its own (usually 4), the result is resized to this one. */
  scale: z.number().min(1).max(16).optional(),
  tileSize: z.number().int().min(16).max(2048).optional(),
  outDir: absPath,
  mitigations: mitigationsSchema.optional(),
});
export type UpscalePayload = z.infer<typeof upscalePayloadSchema>;
