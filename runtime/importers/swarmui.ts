/**
 * SwarmUI `parameters` JSON (docs/Image Metadata Format.md): `{sui_image_params: {prompt,
 * negativeprompt, model, seed, steps, cfgscale, width, height, sampler, scheduler, …},
 * sui_extra_data?, sui_models?}`. Values may be strings; sampler names are ComfyUI's.
 */
import { int, num, seedOf, str, type ImportResult } from './build';
import { linearGraph } from './linear';
import { mapComfySampler } from './samplers';

type Json = Record<string, unknown>;

/** True when the parsed `parameters` JSON is SwarmUI's. */
export function isSwarmParams(v: unknown): v is { sui_image_params: Json } {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as Json).sui_image_params === 'object' &&
    (v as Json).sui_image_params !== null
  );
}

const MAPPED = new Set([
  'prompt',
  'negativeprompt',
  'model',
  'seed',
  'steps',
  'cfgscale',
  'width',
  'height',
  'sampler',
  'scheduler',
  'clipstopatlayer',
  'initimagecreativity',
  'swarm_version',
  'aspectratio',
  'automaticvae',
  'vae',
  'batchsize',
  'images',
  't5xxlmodel',
  'cliplmodel',
  'clipgmodel',
  'fluxguidancescale',
]);

/** Imports SwarmUI's parameters JSON. */
export function importSwarm(v: { sui_image_params: Json } & Json): ImportResult {
  const s = v.sui_image_params;
  const warnings: string[] = [];
  const sm = mapComfySampler(s.sampler, s.scheduler);
  if (sm.warning) warnings.push(sm.warning);
  const clip = int(s.clipstopatlayer);
  const params: Record<string, unknown> = {
    model: str(s.model),
    width: int(s.width),
    height: int(s.height),
    steps: int(s.steps),
    cfgScale: num(s.cfgscale),
    sampler: sm.sampler,
    scheduler: sm.scheduler,
    seed: seedOf(s.seed, (m) => warnings.push(m)),
    clipSkip: clip !== undefined && clip < -1 ? -clip : undefined,
    vae: typeof s.vae === 'string' && s.vae !== 'None' && s.vae !== 'Automatic' ? s.vae : undefined,
    // A Flux/SD3 stack's separate text encoders and Flux guidance (SwarmUI's T5-XXL / CLIP-L / CLIP-G Model params).
    t5xxl: str(s.t5xxlmodel),
    clipL: str(s.cliplmodel),
    clipG: str(s.clipgmodel),
    guidance: num(s.fluxguidancescale),
  };
  const unmapped = Object.keys(s).filter((k) => !MAPPED.has(k));
  if (unmapped.length)
    warnings.push(
      `SwarmUI settings without a MystiCanvas equivalent were not applied: ${unmapped.join(', ')}`,
    );
  const creativity = num(s.initimagecreativity);
  const prompt = str(s.prompt) ?? '';
  return linearGraph({
    prompt,
    negativePrompt: str(s.negativeprompt),
    params,
    loraTags: true,
    warnings,
    ...(creativity !== undefined && s.initimage !== undefined
      ? { img2imgStrength: creativity }
      : {}),
    name: prompt.split('\n')[0]!.slice(0, 60) || 'SwarmUI image',
    data: {
      source: 'swarmui',
      imported: {
        swarmVersion: s.swarm_version,
        ...(Array.isArray(v.sui_models) ? { models: v.sui_models } : {}),
      },
    },
  });
}
