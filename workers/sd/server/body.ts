/**
 * Per-job request body of `POST /sdcpp/v1/img_gen` (sdcpp.md §2), built from the same payload the
 * CLI path turns into argv (argv.ts), so that both give the same image:
 *
 * | payload | body | CLI flag |
 * | --- | --- | --- |
 * | prompt (+ no tags) | `prompt` | `-p` |
 * | negativePrompt | `negative_prompt` | `-n` |
 * | width/height (aligned to 64) | `width`, `height` | `-W`, `-H` |
 * | steps, cfgScale | `sample_params.sample_steps`, `sample_params.guidance.txt_cfg` | `--steps`, `--cfg-scale` |
 * | sampler, scheduler (`default` = sd.cpp's choice) | `sample_params.sample_method`, `.scheduler` | `--sampling-method`, `--scheduler` |
 * | seed (64-bit, -1 random) | `seed` | `-s` |
 * | batchCount, clipSkip | `batch_count`, `clip_skip` | `-b`, `--clip-skip` |
 * | loras | `lora[{path, multiplier, is_high_noise:false}]` (absolute file paths) | `<lora:NAME:W>` tags |
 * | initImagePath + strength | `init_image` (base64 PNG), `strength` | `-i`, `--strength` |
 * | maskPath (greyscale, blurred by the worker) | `mask_image` | `--mask` |
 * | controlImagePath, controlStrength | `control_image`, `control_strength` | `--control-image`, `--control-strength` |
 * | refImagePaths | `ref_images[]` | `-r` (repeated) |
 * | ipAdapterImagePath, ipAdapterStrength | `ip_adapter_image`, `ip_adapter_strength` | `--ip-adapter-image`, `--ip-adapter-strength` |
 * | imgCfgScale | `sample_params.guidance.img_cfg` | `--img-cfg-scale` |
 * | hires | `hires{enabled, upscaler, scale, target_width, target_height, steps, denoising_strength}` | `--hires`, `--hires-*` |
 *
 * ControlNet / IP-Adapter / CLIP vision weights, the hires upscalers folder and `--ref-image-args`
 * are start-up options of sd-server (flags.ts), not body fields.
 * | vaeTiling mitigation | `vae_tiling_params.enabled` | `--vae-tiling` |
 *
 * `output_format: "png"`, `embed_image_metadata: false` (the CLI path passes `--disable-image-metadata`;
 * the studio writes its own metadata on save).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { WorkerJobError } from '../../protocol/server';
import { align64, hiresUpscalerName } from '../argv';
import type { GenPayload } from '../payload';

/** LoRA file extensions in sd.cpp's lookup order (sdcpp.md §1.5). */
const LORA_EXT = ['.gguf', '.safetensors', '.pt', '.ckpt'];

/**
 * The file a LoRA name means, as the CLI's tag lookup would find it: an absolute stem is used as
 * is, else `loraDir/NAME`; `NAME` itself, then `NAME` + each extension.
 * @throws WorkerJobError MODEL_NOT_FOUND when nothing matches (the CLI would drop the tag with a
 *   warning; the server path refuses instead of silently generating without the LoRA).
 */
export function resolveLoraFile(name: string, loraDir: string | undefined): string {
  const base = isAbsolute(name) ? name : join(loraDir ?? '.', name);
  for (const c of [base, ...LORA_EXT.map((e) => base + e)]) if (existsSync(c)) return c;
  throw new WorkerJobError(
    'MODEL_NOT_FOUND',
    `LoRA ${name} not found${loraDir ? ` in ${loraDir}` : ''}`,
    { name, loraDir },
  );
}

/**
 * The JSON body for one job.
 * @throws WorkerJobError BAD_PARAMS when the init image cannot be read; MODEL_NOT_FOUND for a missing LoRA.
 */
export async function buildImgGenBody(p: GenPayload): Promise<Record<string, unknown>> {
  const sample: Record<string, unknown> = {
    sample_steps: p.steps,
    guidance: { txt_cfg: p.cfgScale },
  };
  if (p.sampler !== 'default') sample.sample_method = p.sampler;
  if (p.scheduler !== 'default') sample.scheduler = p.scheduler;
  const body: Record<string, unknown> = {
    prompt: p.prompt,
    negative_prompt: p.negativePrompt,
    width: align64(p.width),
    height: align64(p.height),
    seed: p.seed,
    batch_count: p.batchCount,
    clip_skip: p.clipSkip,
    sample_params: sample,
    output_format: 'png',
    embed_image_metadata: false,
  };
  if (p.loras.length)
    body.lora = p.loras.map((l) => ({
      path: resolveLoraFile(l.name, p.loraDir),
      multiplier: l.weight,
      is_high_noise: false,
    }));
  if (p.initImagePath) {
    body.init_image = await base64Of(p.initImagePath, 'input image');
    body.strength = p.strength ?? 0.75;
  }
  if (p.maskPath) body.mask_image = await base64Of(p.maskPath, 'mask');
  if (p.controlImagePath) body.control_image = await base64Of(p.controlImagePath, 'control image');
  if (p.controlStrength !== undefined) body.control_strength = p.controlStrength;
  if (p.refImagePaths?.length) {
    const refs: string[] = [];
    for (const r of p.refImagePaths) refs.push(await base64Of(r, 'reference image'));
    body.ref_images = refs;
  }
  if (p.ipAdapterImagePath)
    body.ip_adapter_image = await base64Of(p.ipAdapterImagePath, 'IP-Adapter image');
  if (p.ipAdapterStrength !== undefined) body.ip_adapter_strength = p.ipAdapterStrength;
  if (p.imgCfgScale !== undefined)
    (sample.guidance as Record<string, unknown>).img_cfg = p.imgCfgScale;
  if (p.hires)
    body.hires = {
      enabled: true,
      upscaler: hiresUpscalerName(p.hires),
      scale: p.hires.scale,
      target_width: p.hires.width > 0 && p.hires.height > 0 ? p.hires.width : 0,
      target_height: p.hires.width > 0 && p.hires.height > 0 ? p.hires.height : 0,
      steps: p.hires.steps,
      denoising_strength: p.hires.denoisingStrength,
    };
  if (p.mitigations?.vaeTiling) body.vae_tiling_params = { enabled: true };
  return body;
}

/** The body's image fields replaced by `<path>` (for lineage: no megabytes of base64 in `info`). */
export function bodyForRecord(
  p: GenPayload,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...body };
  if (body.init_image) out.init_image = `<${p.initImagePath}>`;
  if (body.mask_image) out.mask_image = `<${p.maskPath}>`;
  if (body.control_image) out.control_image = `<${p.controlImagePath}>`;
  if (body.ip_adapter_image) out.ip_adapter_image = `<${p.ipAdapterImagePath}>`;
  if (body.ref_images) out.ref_images = (p.refImagePaths ?? []).map((r) => `<${r}>`);
  return out;
}

/** A file as base64. @throws WorkerJobError BAD_PARAMS when it cannot be read. */
async function base64Of(path: string, what: string): Promise<string> {
  try {
    return (await readFile(path)).toString('base64');
  } catch {
    throw new WorkerJobError('BAD_PARAMS', `the ${what} ${path} could not be read`, { path });
  }
}
