/**
 * stable-diffusion.cpp `parameters` (sdcpp.md §1.6): A1111-like text with C `%f` floats, an
 * optional empty `Model:`, `Sampler: <method> <scheduler>`, and newer builds end with
 * `SDCPP: {json}` (schema "sdcpp.image.params/v1"), which is preferred when present.
 */
import { parseA1111Parameters, parseSize } from '../png/a1111';
import { int, num, seedOf, str, type ImportResult } from './build';
import { parseJsonLossless } from './json';
import { linearGraph } from './linear';
import { mapSdcppSampler, mapScheduler } from './samplers';

/** True when a `parameters` text was written by sd.cpp. */
export function isSdcppParameters(text: string): boolean {
  return /Version: stable-diffusion\.cpp/.test(text) || /SDCPP: \{/.test(text);
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};

/** Imports an sd.cpp `parameters` text. */
export function importSdcpp(text: string): ImportResult {
  const a = parseA1111Parameters(text);
  const p = a.params;
  const warnings: string[] = [];
  let j: Json = {};
  if (p.SDCPP) {
    try {
      j = obj(parseJsonLossless(p.SDCPP));
    } catch {
      warnings.push('The SDCPP JSON trailer is malformed; used the text fields');
    }
  }
  const sampling = obj(j.sampling);
  const sm = mapSdcppSampler(p.Sampler);
  if (sm.warning) warnings.push(sm.warning);
  const sampler = str(sampling.method) ?? sm.sampler;
  const scheduler = mapScheduler(str(sampling.scheduler)) ?? sm.scheduler;
  const size = parseSize(p.Size);
  const models = obj(j.models);
  const model = str(models.model) || str(models.diffusion_model) || p.Model || undefined;
  if (!p.Model && (p.Unet || str(models.diffusion_model))) {
    warnings.push(
      `The image was made with a separate diffusion model (${p.Unet ?? str(models.diffusion_model)}); set it as the txt2img model`,
    );
  }
  const clipSkip = int(j.clip_skip ?? p['Clip skip']);
  const params: Record<string, unknown> = {
    model,
    width: int(j.width) ?? size?.width,
    height: int(j.height) ?? size?.height,
    steps: int(sampling.steps ?? p.Steps),
    cfgScale: num(obj(obj(sampling.guidance)).txt_cfg ?? p['CFG scale']),
    sampler: (sampler as string) === 'NONE' ? 'default' : sampler,
    scheduler,
    seed: seedOf(j.seed ?? p.Seed, (m) => warnings.push(m)),
    clipSkip: clipSkip !== undefined && clipSkip > 0 ? clipSkip : undefined,
    vae: str(models.vae) || p.VAE || undefined,
  };
  const prompt = obj(j.prompt);
  const mode = str(j.mode);
  const strength = num(j.strength);
  // img_gen covers txt2img and img2img (sdcpp.md §1): only a recorded init image tells them apart.
  const isImg2img = Boolean(j.init_image || j.init_images || (mode && /img2img|edit/.test(mode)));
  return linearGraph({
    prompt: str(prompt.positive) ?? a.prompt,
    negativePrompt: str(prompt.negative) ?? a.negativePrompt,
    params,
    loraTags: true,
    warnings,
    ...(isImg2img && strength !== undefined ? { img2imgStrength: strength } : {}),
    name: (str(prompt.positive) ?? a.prompt).split('\n')[0]!.slice(0, 60) || 'sd.cpp image',
    data: {
      source: 'sdcpp',
      imported: {
        ...(p.Guidance ? { guidance: p.Guidance } : {}),
        ...(p.RNG ? { rng: p.RNG } : {}),
        ...(Object.keys(j).length ? { sdcpp: j } : {}),
      },
    },
  });
}
