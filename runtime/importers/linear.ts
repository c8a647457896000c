/**
 * The graph for tools that record settings rather than a graph (A1111/Forge, sd.cpp, SwarmUI,
 * InvokeAI linear UI): prompt (+ negative) → txt2img (or load-image → img2img) [→ upscale →
 * img2img for hires fix] → save.
 */
import { GraphBuilder, extractLoraTags, type ImportResult } from './build';
import { HIRES_UPSCALERS } from '../../nodes/diffusion/guide';

export interface LinearSpec {
  prompt: string;
  negativePrompt?: string;
  /** txt2img/img2img params (our names); undefined values are left to the defaults. */
  params: Record<string, unknown>;
  /** Denoising strength of an img2img source; its input image is not recorded in metadata. */
  img2imgStrength?: number;
  /**
   * A1111 hires fix. `as: 'params'` (default): txt2img's own Hires fix params (sd.cpp `--hires-*`);
   * `as: 'pair'`: the older mapping, upscale by `scale` then img2img with `strength` (and `steps`).
   * `resize` is A1111's `Hires resize: WxH` (a target size instead of the factor).
   */
  hires?: {
    scale: number;
    strength: number;
    steps?: number;
    upscaler?: string;
    resize?: { width: number; height: number };
    as?: 'params' | 'pair';
  };
  /** A1111 inpainting (`Mask blur` on an img2img infotext): a mask Load image to pick, and the blur. */
  inpaint?: { maskBlur: number };
  /** sd-webui-controlnet's first unit: the ControlNet model and weight; its image is to be picked. */
  control?: { model: string; strength?: number };
  /** Pull `<lora:name:w>` tags out of the prompt into `loras` (A1111 / sd.cpp syntax). */
  loraTags?: boolean;
  filenamePrefix?: string;
  name: string;
  data: Record<string, unknown>;
  warnings?: string[];
}

/** Builds the linear graph. @throws UserError WORKFLOW_INVALID (via GraphBuilder.finish) on an importer bug */
export function linearGraph(spec: LinearSpec): ImportResult {
  const b = new GraphBuilder(spec.name);
  for (const w of spec.warnings ?? []) b.warn(w);
  let prompt = spec.prompt;
  const params = { ...spec.params };
  if (spec.loraTags) {
    const t = extractLoraTags(prompt);
    if (t.loras.length) {
      prompt = t.text;
      params.loras = [...((params.loras as unknown[]) ?? []), ...t.loras];
    }
  }
  const p = b.add('prompt', 'prompt', { text: prompt }, { x: 0, y: 0 });
  const n = spec.negativePrompt
    ? b.add('prompt', 'negative', { text: spec.negativePrompt }, { x: 0, y: 260 })
    : undefined;
  let gen: string;
  if (spec.img2imgStrength !== undefined) {
    const li = b.add('load-image', 'source', {}, { x: 0, y: 520 });
    gen = b.add(
      'img2img',
      'generate',
      { ...params, strength: spec.img2imgStrength },
      { x: 380, y: 0 },
      spec.data,
    );
    b.connect(li, 'image', gen, 'image');
    if (spec.inpaint) {
      const mask = b.add(
        'load-image',
        'mask',
        {},
        { x: 0, y: 780 },
        {
          extra: { title: 'needs mask (white = repaint)' },
        },
      );
      b.connect(mask, 'image', gen, 'mask');
      b.warn(
        'The image was inpainted; its mask is not recorded in its metadata, so pick or paint it in the Load image node titled "needs mask"',
      );
    }
    b.warn(
      'The image was made with image-to-image; the source image is not recorded in its metadata, so pick it in the Load image node',
    );
  } else {
    const hires = spec.hires && spec.hires.as !== 'pair' ? hiresParamsOf(spec.hires, b) : {};
    gen = b.add('txt2img', 'generate', { ...params, ...hires }, { x: 380, y: 0 }, spec.data);
  }
  b.connect(p, 'text', gen, 'prompt');
  if (n) b.connect(n, 'text', gen, 'negative');
  if (spec.control) {
    const ci = b.add(
      'load-image',
      'control_image',
      {},
      { x: 0, y: 1040 },
      {
        extra: { title: 'needs image (ControlNet control image)' },
      },
    );
    b.connect(ci, 'image', gen, 'control');
    b.warn(
      `The image was guided by the ControlNet ${spec.control.model}; its control image is not recorded in its metadata, so pick it (a pose/edge/depth map) in the Load image node titled "needs image"`,
    );
  }
  let last = gen;
  let x = 760;
  if (spec.hires && (spec.hires.as === 'pair' || spec.img2imgStrength !== undefined)) {
    const up = b.add(
      'upscale',
      'hires_upscale',
      { method: 'lanczos', scale: spec.hires.scale },
      { x, y: 0 },
    );
    const fix = b.add(
      'img2img',
      'hires_fix',
      {
        ...params,
        strength: spec.hires.strength,
        ...(spec.hires.steps ? { steps: spec.hires.steps } : {}),
        width:
          typeof params.width === 'number'
            ? Math.round(params.width * spec.hires.scale)
            : undefined,
        height:
          typeof params.height === 'number'
            ? Math.round(params.height * spec.hires.scale)
            : undefined,
      },
      { x: x + 380, y: 0 },
    );
    b.connect(gen, 'image', up, 'image');
    b.connect(up, 'image', fix, 'image');
    b.connect(p, 'text', fix, 'prompt');
    if (n) b.connect(n, 'text', fix, 'negative');
    if (spec.hires.upscaler && !/lanczos/i.test(spec.hires.upscaler)) {
      b.warn(
        `Hires upscaler "${spec.hires.upscaler}" replaced by a Lanczos resize; choose an ESRGAN model in the Upscale node if you have one`,
      );
    }
    last = fix;
    x += 760;
  }
  const s = b.add(
    'save',
    'save',
    spec.filenamePrefix ? { filenamePrefix: spec.filenamePrefix } : {},
    { x, y: 0 },
  );
  b.connect(last, 'image', s, 'image');
  return b.finish();
}

/** sd.cpp's built-in hires upscalers (A1111 spells them the same): the node's list without `ESRGAN`. */
const BUILT_IN_UPSCALERS = new Set<string>(HIRES_UPSCALERS.filter((u) => u !== 'ESRGAN'));

/**
 * A1111's hires fields as txt2img's Hires fix params. An ESRGAN-type upscaler A1111 names by its
 * own label (R-ESRGAN 4x+, 4x-UltraSharp, …) has no file here: Lanczos is used, with a warning.
 */
function hiresParamsOf(
  h: NonNullable<LinearSpec['hires']>,
  b: GraphBuilder,
): Record<string, unknown> {
  const named = h.upscaler?.trim();
  const builtIn = named && BUILT_IN_UPSCALERS.has(named) ? named : undefined;
  if (named && !builtIn && named !== 'None')
    b.warn(
      `Hires upscaler "${named}" replaced by Lanczos; choose ESRGAN and its model in the Hires fix group if you have that file`,
    );
  return {
    hiresFix: true,
    hiresUpscaler: builtIn ?? (named ? 'Lanczos' : 'Latent'),
    hiresScale: h.scale,
    ...(h.resize ? { hiresWidth: h.resize.width, hiresHeight: h.resize.height } : {}),
    ...(h.steps ? { hiresSteps: h.steps } : {}),
    hiresDenoisingStrength: h.strength,
  };
}
