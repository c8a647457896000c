/**
 * Job payloads of the sd worker, as sent by the diffusion executors (nodes/diffusion/*.run.ts).
 * Validated on arrival; a bad payload is a `BAD_PARAMS` error, never a half-built argv.
 *
 * Sizes are pixels; `seed` -1 = random (sd.cpp picks one and logs it); paths are absolute.
 */
import { isAbsolute } from 'node:path';
import { z } from 'zod';

const absPath = z.string().min(1).refine((p) => isAbsolute(p), 'must be an absolute path');

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
  vaePath: absPath.optional(),
  taesdPath: absPath.optional(),
  /** Folder for `--lora-model-dir`; LoRA names are looked up there (sdcpp.md §1.5). */
  loraDir: absPath.optional(),
  width: z.number().int().min(1).max(8192),
  height: z.number().int().min(1).max(8192),
  steps: z.number().int().min(1).max(1000),
  cfgScale: z.number().min(0).max(100),
  sampler: z.string().min(1).default('default'),
  scheduler: z.string().min(1).default('default'),
  seed: z.number().int().min(-1).max(2 ** 53),
  batchCount: z.number().int().min(1).max(64).default(1),
  clipSkip: z.number().int().min(-1).max(24).default(-1),
  /** `name` is what goes in the tag: a file stem inside `loraDir`, or an absolute path stem. */
  loras: z.array(z.object({ name: z.string().min(1).regex(/^[^<>:]+$/, 'no <, > or : (they delimit the lora tag)'), weight: z.number() })).default([]),
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
