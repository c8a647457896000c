/**
 * Sampler and scheduler names exactly as stable-diffusion.cpp's `--sampling-method` and
 * `--scheduler` accept them (shared/docs/sdcpp.md, table of generation flags). `default` leaves
 * the choice to sd.cpp, which picks a model-specific one (euler_a for UNet, euler for Flux/SD3).
 */
import { z } from 'zod';
import { p } from '../core/define-node';

export const SAMPLERS = [
  'default',
  'euler',
  'euler_a',
  'heun',
  'dpm2',
  'dpm++2s_a',
  'dpm++2m',
  'dpm++2mv2',
  'ipndm',
  'ipndm_v',
  'lcm',
  'ddim_trailing',
  'tcd',
  'res_multistep',
  'res_2s',
  'er_sde',
  'euler_cfg_pp',
  'euler_a_cfg_pp',
  'euler_ge',
  'dpm++2m_sde',
  'dpm++2m_sde_bt',
  'lms',
] as const;

export const SCHEDULERS = [
  'default',
  'discrete',
  'karras',
  'exponential',
  'ays',
  'gits',
  'sgm_uniform',
  'simple',
  'smoothstep',
  'kl_optimal',
  'lcm',
  'bong_tangent',
  'ltx2',
  'logit_normal',
  'flux2',
  'flux',
  'beta',
] as const;

/** One LoRA applied as `<lora:name:weight>` in the prompt (sdcpp.md §1.5). */
export const loraSchema = z.object({
  name: z.string().min(1).max(512),
  weight: z.number().min(-10).max(10).default(1),
});

/**
 * A model preset reference (issue 5 §6): id or name of an image/LLM preset (`/api/presets/<kind>`);
 * '' = none. The editor lists the presets for `presetKind`.
 */
export const presetParam = (kind: 'image' | 'llm') =>
  z
    .string()
    .max(200)
    .default('')
    .meta({
      widget: 'preset',
      presetKind: kind,
      label: 'Preset',
      description:
        kind === 'image'
          ? 'Optional image preset: its model, VAE and LoRAs replace the fields below; its defaults fill the params left at their default'
          : 'Optional LLM preset: its model and context size replace the Model field; its defaults fill the params left at their default',
    });

/** Params shared by txt2img and img2img (design.md §4 key params). */
export const samplingParams = {
  preset: presetParam('image'),
  model: p.model('sd', {
    label: 'Model',
    description: 'Diffusion model (GGUF, safetensors, ckpt) or preset',
  }),
  vae: p.model('vae', {
    label: 'VAE',
    description: 'Optional separate VAE; empty = the model’s own',
  }),
  taesd: p.model('taesd', {
    label: 'TAESD',
    description: 'Optional tiny autoencoder for fast decoding',
  }),
  // Text encoders of a stack (issue 13): a standalone diffusion model (Flux, SD3.5, Z-Image, …)
  // needs the ones its family requires (nodes/diffusion/families.ts); full checkpoints carry theirs.
  clipL: p.model('text_encoder', {
    encoderRole: 'clip_l',
    label: 'CLIP-L',
    description:
      'CLIP-L text encoder (Flux, SD3.5, SDXL UNets); empty = none / the checkpoint’s own',
  }),
  clipG: p.model('text_encoder', {
    encoderRole: 'clip_g',
    label: 'CLIP-G',
    description: 'CLIP-G text encoder (SD3.5, SDXL UNets)',
  }),
  t5xxl: p.model('text_encoder', {
    encoderRole: 't5xxl',
    label: 'T5-XXL',
    description: 'T5-XXL text encoder (Flux, SD3.5, Chroma, Wan)',
  }),
  llm: p.model('text_encoder', {
    encoderRole: 'llm',
    label: 'LLM text encoder',
    description:
      'Language-model text encoder (Z-Image: Qwen3-4B, Qwen-Image: Qwen2.5-VL, Flux 2: Mistral)',
  }),
  width: p.int(512, 64, 4096, {
    widget: 'slider',
    step: 64,
    label: 'Width (px)',
    description: 'Rounded up to a multiple of 64',
  }),
  height: p.int(512, 64, 4096, {
    widget: 'slider',
    step: 64,
    label: 'Height (px)',
    description: 'Rounded up to a multiple of 64',
  }),
  steps: p.int(20, 1, 150, { widget: 'slider', label: 'Steps' }),
  cfgScale: p.float(7, 0, 30, 0.5, { label: 'CFG scale' }),
  sampler: p.choice(SAMPLERS, 'default', { label: 'Sampler' }),
  scheduler: p.choice(SCHEDULERS, 'default', { label: 'Scheduler' }),
  seed: p.seed({ label: 'Seed' }),
  batchCount: p.int(1, 1, 8, { label: 'Batch count' }),
  clipSkip: p.int(-1, -1, 12, { label: 'CLIP skip', description: '-1 = model default' }),
  guidance: p.float(3.5, 0, 30, 0.5, {
    onlyFor: 'distilledGuidance',
    label: 'Guidance',
    description: 'Distilled guidance (--guidance) for Flux-like models; CFG stays 1 for them',
  }),
  flowShift: p.float(0, 0, 20, 0.5, {
    onlyFor: 'flow',
    label: 'Flow shift',
    description:
      'Flow-matching shift (--flow-shift) for SD3, Flux, Wan, Qwen-Image, Z-Image; 0 = the model’s default',
  }),
  loras: z.array(loraSchema).max(16).default([]).meta({ widget: 'loras', label: 'LoRAs' }),
  livePreview: p.bool(false, {
    label: 'Live preview',
    description:
      'Show previews while sampling. Runs this node with sd-cli, which loads the model for every image; off = the resident sd-server (model stays loaded, no previews)',
  }),
};

/** Rounds a dimension up to the next multiple of 64 px (sd.cpp aligns sizes; we make it visible). */
export function alignTo64(px: number): number {
  return Math.ceil(px / 64) * 64;
}
