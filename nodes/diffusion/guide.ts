/**
 * Guide inputs and params of the diffusion nodes (issue 14), declared once for txt2img and img2img:
 * ControlNet (a control image + model + strength), reference images (`-r`, for the families that
 * take them: Flux Kontext, Qwen-Image-Edit, …), IP-Adapter (image + adapter + CLIP vision), image
 * CFG, and the hires fix (txt2img only). Flag names: `sd-cli --help` of master-827-97d2990
 * (shared/docs/sdcpp.md §1.1); sd.cpp has no preprocessor, so the control image must already be
 * a pose / edge / depth map.
 */
import { p, type GuidePair, type PortSpec } from '../core/define-node';

/** How many reference-image inputs a node has (`reference`, `reference2`, …). */
export const MAX_REFERENCES = 4;
/** The reference ports in order (their order is sd.cpp's `-r` order: the image indexes). */
export const REFERENCE_PORTS = ['reference', 'reference2', 'reference3', 'reference4'] as const;

/** Optional image inputs: a control image, reference images, an IP-Adapter image. */
export const guideInputs: Record<string, PortSpec> = {
  control: { type: 'image', optional: true, label: 'control image' },
  ...Object.fromEntries(
    REFERENCE_PORTS.map((port, k) => [
      port,
      { type: 'image', optional: true, label: k ? `reference ${k + 1}` : 'reference' },
    ]),
  ),
  ipAdapterImage: { type: 'image', optional: true, label: 'IP-Adapter image' },
};

/** The image/model pairs that make no sense alone (GUIDE_INCOMPLETE). */
export const GUIDE_PAIRS: GuidePair[] = [
  { port: 'control', param: 'controlNet', label: 'ControlNet' },
  {
    port: 'ipAdapterImage',
    param: 'ipAdapter',
    label: 'IP-Adapter',
    alsoNeeds: [{ param: 'clipVision', label: 'CLIP vision encoder' }],
  },
];

const CN = 'ControlNet';
const REF = 'Reference';

/** ControlNet + reference + IP-Adapter params (txt2img and img2img). */
export const guideParams = {
  controlNet: p.model('controlnet', {
    group: CN,
    label: 'ControlNet model',
    description:
      'ControlNet weights (models/controlnet/). Connect a control image that is ALREADY a pose, edge (canny), depth or similar map: sd.cpp runs no preprocessor',
  }),
  controlStrength: p.float(0.9, 0, 2, 0.05, {
    group: CN,
    label: 'Control strength',
    description: '--control-strength; 1 = full effect (sd.cpp default 0.9)',
  }),
  refImageArgs: p.text(
    '',
    {
      group: REF,
      label: 'Reference image args',
      description:
        '--ref-image-args key=value list, e.g. preset=flux_kontext or ref_index_mode=increase; empty = auto-detected from the model',
    },
    1000,
  ),
  ipAdapter: p.model('ipadapter', {
    group: REF,
    label: 'IP-Adapter model',
    description: 'IP-Adapter weights (models/ipadapter/); needs the CLIP vision encoder below',
  }),
  clipVision: p.model('clip_vision', {
    group: REF,
    label: 'CLIP vision encoder',
    description: 'CLIP vision model for the IP-Adapter (models/clip_vision/)',
  }),
  ipAdapterStrength: p.float(1, 0, 2, 0.05, { group: REF, label: 'IP-Adapter strength' }),
  imgCfgScale: p.float(0, 0, 30, 0.5, {
    group: REF,
    label: 'Image CFG scale',
    description:
      '--img-cfg-scale for inpainting and image-edit models; 0 = same as CFG scale (sd.cpp default)',
  }),
};

/** sd.cpp's hires-fix upscalers (`--hires-upscaler`), plus `ESRGAN` = the model picked below. */
export const HIRES_UPSCALERS = [
  'Latent',
  'Latent (nearest)',
  'Latent (nearest-exact)',
  'Latent (antialiased)',
  'Latent (bicubic)',
  'Latent (bicubic antialiased)',
  'Lanczos',
  'Nearest',
  'ESRGAN',
] as const;

const HR = 'Hires fix';

/** Hires fix (txt2img): a second sampling pass at a larger size, as A1111's "Hires. fix". */
export const hiresParams = {
  hiresFix: p.bool(false, {
    group: HR,
    label: 'Hires fix',
    description: 'Upscale, then sample again at the larger size (--hires)',
  }),
  hiresUpscaler: p.choice(HIRES_UPSCALERS, 'Latent', {
    group: HR,
    label: 'Upscaler',
    description:
      'Latent modes upscale the latent; Lanczos/Nearest the image; ESRGAN = the model below',
  }),
  hiresModel: p.model('upscaler', {
    group: HR,
    label: 'ESRGAN model',
    description: 'Used when Upscaler is ESRGAN (models/upscale_models/)',
  }),
  hiresScale: p.float(2, 1, 4, 0.05, { group: HR, label: 'Upscale by' }),
  hiresWidth: p.int(0, 0, 4096, {
    group: HR,
    label: 'Resize width to (px)',
    description: 'Target width; 0 (with height 0) = use Upscale by',
  }),
  hiresHeight: p.int(0, 0, 4096, {
    group: HR,
    label: 'Resize height to (px)',
    description: 'Target height; 0 (with width 0) = use Upscale by',
  }),
  hiresSteps: p.int(0, 0, 150, {
    group: HR,
    label: 'Hires steps',
    description: 'Second-pass steps; 0 = same as Steps',
  }),
  hiresDenoisingStrength: p.float(0.7, 0, 1, 0.01, {
    group: HR,
    label: 'Denoising strength',
    description: 'How much the second pass may change the upscaled image',
  }),
};
