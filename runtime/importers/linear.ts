/**
 * The graph for tools that record settings rather than a graph (A1111/Forge, sd.cpp, SwarmUI,
 * InvokeAI linear UI): prompt (+ negative) → txt2img (or load-image → img2img) [→ upscale →
 * img2img for hires fix] → save.
 */
import { GraphBuilder, extractLoraTags, type ImportResult } from './build';

export interface LinearSpec {
  prompt: string;
  negativePrompt?: string;
  /** txt2img/img2img params (our names); undefined values are left to the defaults. */
  params: Record<string, unknown>;
  /** Denoising strength of an img2img source; its input image is not recorded in metadata. */
  img2imgStrength?: number;
  /** A1111 hires fix: upscale by `scale`, then img2img with `strength` (and `steps` if given). */
  hires?: { scale: number; strength: number; steps?: number; upscaler?: string };
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
    b.warn(
      'The image was made with image-to-image; the source image is not recorded in its metadata, so pick it in the Load image node',
    );
  } else {
    gen = b.add('txt2img', 'generate', params, { x: 380, y: 0 }, spec.data);
  }
  b.connect(p, 'text', gen, 'prompt');
  if (n) b.connect(n, 'text', gen, 'negative');
  let last = gen;
  let x = 760;
  if (spec.hires) {
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
