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
