/**
 * Maps a ComfyUI graph (intermediate form, comfyui-ir.ts) onto our node types:
 * checkpoint/UNet loader + LoRA loaders + text encodes + KSampler + empty latent + VAE decode
 * → prompt(s) → txt2img; an encoded image (or an earlier sampler's latent) → img2img with the
 * denoise as strength; upscale-model / scale-by nodes → upscale; SaveImage → save; LoadImage →
 * load-image. Every other node becomes a placeholder that keeps its original object, and every
 * approximation is a warning. Nodes folded into a mapped node are listed in its `data.absorbed`.
 */
import { GraphBuilder, int, modelName, num, seedOf, str, type ImportResult } from './build';
import { Ref, type IrGraph, type IrNode } from './comfyui-ir';
import { mapComfySampler } from './samplers';

const SAMPLERS = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustomAdvanced']);
const CLIP_LOADERS = new Set([
  'CLIPLoader',
  'DualCLIPLoader',
  'TripleCLIPLoader',
  'QuadrupleCLIPLoader',
]);
const FLOW_SHIFT = new Set(['ModelSamplingSD3', 'ModelSamplingAuraFlow']);
const MODEL_LOADERS: Record<string, string> = {
  CheckpointLoaderSimple: 'ckpt_name',
  CheckpointLoader: 'ckpt_name',
  'CheckpointLoader|pysssss': 'ckpt_name',
  UNETLoader: 'unet_name',
  UnetLoaderGGUF: 'unet_name',
};
const LORA_LOADERS = new Set(['LoraLoader', 'LoraLoaderModelOnly']);
const PLUMBING = new Set([
  'Reroute',
  'PrimitiveNode',
  '$subgraph',
  'PrimitiveString',
  'PrimitiveStringMultiline',
  'PrimitiveInt',
  'PrimitiveFloat',
]);
/** Nodes that only feed a mapped node and are represented by it (never placeholders on their own). */
const FOLDABLE = new Set([
  ...Object.keys(MODEL_LOADERS),
  ...LORA_LOADERS,
  'CLIPTextEncode',
  'CLIPTextEncodeSDXL',
  'ConditioningZeroOut',
  'EmptyLatentImage',
  'EmptySD3LatentImage',
  'EmptyHunyuanLatentVideo',
  'VAEDecode',
  'VAEEncode',
  'VAELoader',
  ...CLIP_LOADERS,
  'CLIPSetLastLayer',
  'UpscaleModelLoader',
  'RandomNoise',
  'KSamplerSelect',
  'BasicScheduler',
  'FluxGuidance',
  'BasicGuider',
  'CFGGuider',
  'ModelSamplingFlux',
  ...FLOW_SHIFT,
]);

/**
 * The stack role of a ComfyUI text-encoder file, from its name (the registry is not consulted at
 * import; validation with the files present checks the real family). ComfyUI's own names:
 * clip_l, clip_g, t5xxl_fp16 / t5xxl_fp8_e4m3fn, umt5_xxl, qwen_3_4b, qwen_2.5_vl_7b, llama_3.1_8b, mistral_3_small.
 */
export function encoderParamOf(file: string): 'clipL' | 'clipG' | 't5xxl' | 'llm' | undefined {
  const f = file.toLowerCase();
  if (/clip[_-]?l\b|clip_l|vit-l/.test(f)) return 'clipL';
  if (/clip[_-]?g\b|clip_g|vit-bigg/.test(f)) return 'clipG';
  if (/t5|umt5/.test(f)) return 't5xxl';
  if (/qwen|llama|mistral|gemma/.test(f)) return 'llm';
  return undefined;
}

/** ComfyUI classes mapped onto a node of our own, which keeps a muted (2) or bypassed (4) mode. */
const OWN_NODE = new Set(['SaveImage', 'ImageUpscaleWithModel', 'ImageScaleBy', 'LoadImage']);
/**
 * Of those, the ones whose bypass our runtime can pass through (an image input for the image
 * output, like ComfyUI): consumers are wired to them, and they carry `mode: "bypass"`.
 */
const BYPASS_KEPT = new Set(['SaveImage', 'ImageUpscaleWithModel', 'ImageScaleBy']);

interface Out {
  id: string;
  handle: string;
}

const stripExt = (n: string) => n.replace(/\.(safetensors|ckpt|pt|pth|bin|gguf)$/i, '');

class Mapper {
  readonly b: GraphBuilder;
  /** IR node id → our output for it (mapped or placeholder). */
  private out = new Map<string, Out>();
  /** IR ids folded into some mapped node. */
  private folded = new Set<string>();
  private promptNodes = new Map<string, string>();

  constructor(
    private ir: IrGraph,
    name: string,
  ) {
    this.b = new GraphBuilder(name);
    for (const w of ir.warnings) this.b.warn(w);
  }

  /** Follows Reroutes, subgraph aliases and bypassed nodes to the node that really produces a value. */
  resolve(v: unknown, hops = 0): { node: IrNode; slot: number } | { literal: unknown } | undefined {
    if (!(v instanceof Ref)) return v === undefined ? undefined : { literal: v };
    if (hops > 64) return undefined;
    const node = this.ir.nodes.get(v.node);
    if (!node) return undefined;
    if (node.classType === '$subgraph')
      return this.resolve(new Ref(`${node.id}#out${v.slot}`, 0), hops + 1);
    if (node.classType === 'Reroute') {
      this.folded.add(node.id);
      return this.resolve(Object.values(node.inputs)[0], hops + 1);
    }
    if (node.classType.startsWith('Primitive')) {
      this.folded.add(node.id);
      return { literal: node.inputs.value };
    }
    if (node.mode === 4 && !BYPASS_KEPT.has(node.classType)) {
      // Bypass: ComfyUI feeds the first input of the same type straight to the output. Nodes we
      // map onto one of ours keep the mode instead (our runtime passes through the same way).
      if (!this.isPlaceholder(node)) this.folded.add(node.id);
      const t = node.outputTypes?.[v.slot];
      const name = Object.keys(node.inputs).find(
        (k) => node.inputs[k] instanceof Ref && (!t || node.inputTypes?.[k] === t),
      );
      return name ? this.resolve(node.inputs[name], hops + 1) : undefined;
    }
    return { node, slot: v.slot };
  }

  private nodeOf(v: unknown): IrNode | undefined {
    const r = this.resolve(v);
    return r && 'node' in r ? r.node : undefined;
  }

  private literal(v: unknown): unknown {
    const r = this.resolve(v);
    return r && 'literal' in r ? r.literal : undefined;
  }

  private pos(n: IrNode) {
    return n.position;
  }

  /** Walks the model chain: LoRAs, model name; nodes that alter the model are named in warnings. */
  private traceModel(
    v: unknown,
    loras: Array<{ name: string; weight: number }>,
    absorbed: string[],
  ): string | undefined {
    for (let i = 0, cur = v; i < 64; i++) {
      const n = this.nodeOf(cur);
      if (!n) return undefined;
      absorbed.push(n.id);
      if (n.classType in MODEL_LOADERS)
        return modelName(this.literal(n.inputs[MODEL_LOADERS[n.classType]!]));
      if (LORA_LOADERS.has(n.classType)) {
        const name = str(this.literal(n.inputs.lora_name));
        if (name)
          loras.push({
            name: stripExt(name),
            weight: num(this.literal(n.inputs.strength_model)) ?? 1,
          });
        cur = n.inputs.model;
        continue;
      }
      if (FLOW_SHIFT.has(n.classType)) {
        const shift = num(this.literal(n.inputs.shift));
        if (shift !== undefined) this.extra.flowShift = shift;
        cur = n.inputs.model;
        continue;
      }
      if (n.classType === 'ModelSamplingFlux') {
        // sd.cpp derives Flux's resolution-dependent shift itself (base 0.5, max 1.15 as ComfyUI's defaults).
        const max = num(this.literal(n.inputs.max_shift)),
          base = num(this.literal(n.inputs.base_shift));
        if ((max !== undefined && max !== 1.15) || (base !== undefined && base !== 0.5))
          this.b.warn(
            `ComfyUI node ${n.id} (ModelSamplingFlux) sets max_shift ${max} / base_shift ${base}; sd.cpp uses Flux's default shift`,
          );
        cur = n.inputs.model;
        continue;
      }
      if (n.inputs.model instanceof Ref) {
        this.b.warn(
          `ComfyUI node ${n.id} (${n.classType}) changes the model before sampling; MystiCanvas has no equivalent, so it was left out`,
        );
        cur = n.inputs.model;
        continue;
      }
      this.b.warn(
        `ComfyUI node ${n.id} (${n.classType}) provides the model; it is not a model loader MystiCanvas knows`,
      );
      absorbed.pop();
      return undefined;
    }
    return undefined;
  }

  /** Walks a conditioning input back to its text encoder; returns the prompt node id or null (zeroed). */
  private traceText(
    v: unknown,
    role: string,
    absorbed: string[],
    clip: { skip?: number; loras: Array<{ name: string; weight: number }> },
  ): string | null | undefined {
    for (let i = 0, cur = v; i < 64; i++) {
      const n = this.nodeOf(cur);
      if (!n) return undefined;
      if (n.classType === 'ConditioningZeroOut') {
        absorbed.push(n.id);
        return null;
      }
      if (n.classType === 'CLIPTextEncode' || n.classType === 'CLIPTextEncodeSDXL') {
        absorbed.push(n.id);
        this.traceClip(n.inputs.clip, clip, absorbed);
        const existing = this.promptNodes.get(n.id);
        if (existing) return existing;
        let text = this.literal(n.inputs.text ?? n.inputs.text_g);
        if (
          n.classType === 'CLIPTextEncodeSDXL' &&
          n.inputs.text_l !== undefined &&
          this.literal(n.inputs.text_l) !== text
        ) {
          this.b.warn(
            `ComfyUI node ${n.id} (CLIPTextEncodeSDXL): only text_g was used; text_l differs and was left out`,
          );
        }
        if (typeof text !== 'string') {
          this.b.warn(
            `ComfyUI node ${n.id}: the ${role} prompt text comes from a node MystiCanvas cannot map; the prompt is empty`,
          );
          text = '';
        }
        const id = this.b.add('prompt', n.id, { text }, this.pos(n), {
          source: 'comfyui',
          classType: n.classType,
          ...(n.title ? { title: n.title } : {}),
        });
        this.promptNodes.set(n.id, id);
        this.out.set(n.id, { id, handle: 'text' });
        return id;
      }
      if (n.classType === 'FluxGuidance') {
        absorbed.push(n.id);
        const g = num(this.literal(n.inputs.guidance));
        if (g !== undefined) this.extra.guidance = g;
        cur = n.inputs.conditioning;
        continue;
      }
      const next = n.inputs.conditioning ?? n.inputs.conditioning_1 ?? n.inputs[role];
      if (next instanceof Ref) {
        this.b.warn(
          `ComfyUI node ${n.id} (${n.classType}) sits between the ${role} prompt and the sampler; it was not applied`,
        );
        cur = next;
        continue;
      }
      this.b.warn(
        `ComfyUI node ${n.id} (${n.classType}) produces the ${role} conditioning; MystiCanvas cannot map it`,
      );
      return undefined;
    }
    return undefined;
  }

  private traceClip(
    v: unknown,
    clip: { skip?: number; loras: Array<{ name: string; weight: number }> },
    absorbed: string[],
  ): void {
    for (let i = 0, cur = v; i < 64; i++) {
      const n = this.nodeOf(cur);
      if (!n) return;
      absorbed.push(n.id);
      if (n.classType === 'CLIPSetLastLayer') {
        const layer = int(this.literal(n.inputs.stop_at_clip_layer));
        if (layer !== undefined && layer < -1) clip.skip = -layer;
        cur = n.inputs.clip;
      } else if (n.classType === 'LoraLoader') {
        cur = n.inputs.clip;
      } else {
        if (CLIP_LOADERS.has(n.classType)) {
          // Split text encoders become the stack's role params (clipL, clipG, t5xxl, llm).
          const names = [
            n.inputs.clip_name,
            n.inputs.clip_name1,
            n.inputs.clip_name2,
            n.inputs.clip_name3,
            n.inputs.clip_name4,
          ]
            .map((v) => this.literal(v))
            .filter((v): v is string => typeof v === 'string' && v !== '');
          for (const file of names) {
            const param = encoderParamOf(file);
            if (param) this.extra[param] = file;
            else
              this.b.warn(
                `ComfyUI node ${n.id} (${n.classType}) loads the text encoder ${file}, whose role (CLIP-L, CLIP-G, T5-XXL or LLM) its name does not tell; choose it in the node's text encoder fields`,
              );
          }
        }
        return;
      }
    }
  }

  /** Maps one sampler (and what feeds it) to txt2img or img2img. */
  /** Stack files and family params found while tracing the current sampler. */
  private extra: Record<string, unknown> = {};

  /**
   * SamplerCustomAdvanced's parts (RandomNoise, BasicGuider/CFGGuider, KSamplerSelect,
   * BasicScheduler) folded into KSampler-shaped inputs, so one mapping serves both.
   */
  private customAsKSampler(s: IrNode, absorbed: string[]): IrNode {
    const noise = this.nodeOf(s.inputs.noise);
    const guider = this.nodeOf(s.inputs.guider);
    const sampler = this.nodeOf(s.inputs.sampler);
    const sigmas = this.nodeOf(s.inputs.sigmas);
    for (const n of [noise, guider, sampler, sigmas]) if (n) absorbed.push(n.id);
    const inputs: Record<string, unknown> = { latent_image: s.inputs.latent_image };
    if (noise?.classType === 'RandomNoise') inputs.seed = noise.inputs.noise_seed;
    else if (noise)
      this.b.warn(
        `ComfyUI node ${noise.id} (${noise.classType}) makes the noise; MystiCanvas uses a seed, left at random`,
      );
    if (guider?.classType === 'BasicGuider') {
      inputs.model = guider.inputs.model;
      inputs.positive = guider.inputs.conditioning;
      inputs.cfg = 1; // BasicGuider samples without CFG.
    } else if (guider?.classType === 'CFGGuider') {
      Object.assign(inputs, {
        model: guider.inputs.model,
        positive: guider.inputs.positive,
        negative: guider.inputs.negative,
        cfg: guider.inputs.cfg,
      });
    } else if (guider)
      this.b.warn(
        `ComfyUI node ${guider.id} (${guider.classType}) guides the sampler; MystiCanvas cannot map it`,
      );
    if (sampler?.classType === 'KSamplerSelect') inputs.sampler_name = sampler.inputs.sampler_name;
    if (sigmas?.classType === 'BasicScheduler')
      Object.assign(inputs, {
        scheduler: sigmas.inputs.scheduler,
        steps: sigmas.inputs.steps,
        denoise: sigmas.inputs.denoise,
      });
    else if (sigmas)
      this.b.warn(
        `ComfyUI node ${sigmas.id} (${sigmas.classType}) makes the sigmas; MystiCanvas uses steps + scheduler, left at their defaults`,
      );
    return { ...s, inputs };
  }

  private mapSampler(orig: IrNode): void {
    const absorbed: string[] = [];
    this.extra = {};
    const s =
      orig.classType === 'SamplerCustomAdvanced' ? this.customAsKSampler(orig, absorbed) : orig;
    const loras: Array<{ name: string; weight: number }> = [];
    const clip: { skip?: number; loras: Array<{ name: string; weight: number }> } = { loras };
    const model = this.traceModel(s.inputs.model, loras, absorbed);
    const positive = this.traceText(s.inputs.positive, 'positive', absorbed, clip);
    const negative = this.traceText(s.inputs.negative, 'negative', absorbed, clip);
    const advanced = s.classType === 'KSamplerAdvanced';
    const steps = int(this.literal(s.inputs.steps));
    const sm = mapComfySampler(
      this.literal(s.inputs.sampler_name),
      this.literal(s.inputs.scheduler),
    );
    this.b.warn(sm.warning);
    const params: Record<string, unknown> = {
      model,
      steps,
      cfgScale: num(this.literal(s.inputs.cfg)),
      sampler: sm.sampler,
      scheduler: sm.scheduler,
      seed: seedOf(this.literal(advanced ? s.inputs.noise_seed : s.inputs.seed), (m) =>
        this.b.warn(`ComfyUI node ${s.id}: ${m}`),
      ),
      clipSkip: clip.skip,
      loras: dedupe(loras),
      ...this.extra,
    };
    let denoise = num(this.literal(s.inputs.denoise)) ?? 1;
    if (advanced) {
      const start = int(this.literal(s.inputs.start_at_step)) ?? 0;
      const end = int(this.literal(s.inputs.end_at_step)) ?? 10000;
      if (steps && (start > 0 || end < steps)) {
        denoise = Math.max(0, Math.min(1, 1 - start / steps));
        this.b.warn(
          `ComfyUI node ${s.id} (KSamplerAdvanced) samples steps ${start}–${Math.min(end, steps)} of ${steps}; approximated as denoising strength ${denoise}`,
        );
      }
    }
    // VAE: whatever decodes this sampler's latent.
    for (const n of this.ir.nodes.values()) {
      if (n.classType !== 'VAEDecode' || this.nodeOf(n.inputs.samples)?.id !== s.id) continue;
      const vae = this.nodeOf(n.inputs.vae);
      if (vae?.classType === 'VAELoader') {
        params.vae = modelName(this.literal(vae.inputs.vae_name));
        absorbed.push(vae.id);
      }
      absorbed.push(n.id);
      this.out.set(n.id, { id: '', handle: 'image' }); // filled below
    }

    const latent = this.nodeOf(s.inputs.latent_image);
    let imageIn: Out | undefined;
    let type: 'txt2img' | 'img2img' = 'txt2img';
    if (latent && /^Empty.*Latent/.test(latent.classType)) {
      absorbed.push(latent.id);
      params.width = int(this.literal(latent.inputs.width));
      params.height = int(this.literal(latent.inputs.height));
      params.batchCount = int(this.literal(latent.inputs.batch_size));
      if (denoise < 1)
        this.b.warn(
          `ComfyUI node ${s.id}: denoise ${denoise} on an empty latent has no MystiCanvas equivalent; sampled as full text-to-image`,
        );
    } else if (latent?.classType === 'VAEEncode') {
      absorbed.push(latent.id);
      type = 'img2img';
      imageIn = this.imageSource(latent.inputs.pixels);
    } else if (latent && SAMPLERS.has(latent.classType)) {
      type = 'img2img';
      imageIn = this.out.get(latent.id);
      const up = this.b.nodes.find((x) => x.id === imageIn?.id);
      params.width = up?.params.width;
      params.height = up?.params.height;
      this.b.warn(
        `ComfyUI node ${s.id} continues the latent of sampler ${latent.id}; mapped to image-to-image on its decoded image`,
      );
    } else if (latent && /^LatentUpscale/.test(latent.classType)) {
      absorbed.push(latent.id);
      type = 'img2img';
      const from = this.nodeOf(latent.inputs.samples);
      const src = from ? this.out.get(from.id) : undefined;
      const scale = num(this.literal(latent.inputs.scale_by)) ?? 2;
      if (src) {
        const up = this.b.add(
          'upscale',
          latent.id,
          { method: 'lanczos', scale },
          this.pos(latent),
          { source: 'comfyui', absorbed: [latent.id] },
        );
        this.b.connect(src.id, src.handle, up, 'image');
        imageIn = { id: up, handle: 'image' };
      }
      this.b.warn(
        `ComfyUI node ${latent.id} (${latent.classType}) upscales in latent space; mapped to a Lanczos upscale of the image before image-to-image`,
      );
    } else if (latent) {
      type = 'img2img';
      imageIn = this.out.get(latent.id);
      this.b.warn(
        `ComfyUI node ${s.id}: its latent comes from ${latent.classType} ${latent.id}, which MystiCanvas cannot map`,
      );
    }
    if (type === 'img2img') params.strength = denoise;

    const id = this.b.add(type, s.id, params, this.pos(s), {
      source: 'comfyui',
      classType: s.classType,
      absorbed: [...new Set(absorbed)],
    });
    for (const a of absorbed) this.folded.add(a);
    this.folded.add(s.id);
    const me = { id, handle: 'image' };
    this.out.set(s.id, me);
    for (const [k, v] of this.out) if (v.id === '') this.out.set(k, me);
    if (positive) this.b.connect(positive, 'text', id, 'prompt');
    else
      this.b.warn(`ComfyUI node ${s.id}: no positive prompt could be found; connect one to ${id}`);
    if (negative) this.b.connect(negative, 'text', id, 'negative');
    if (imageIn?.id) this.b.connect(imageIn.id, imageIn.handle, id, 'image');
  }

  /** The node output that yields the image at `v` (mapping LoadImage on demand). */
  private imageSource(v: unknown): Out | undefined {
    const n = this.nodeOf(v);
    if (!n) return undefined;
    if (n.classType === 'VAEDecode') {
      const s = this.nodeOf(n.inputs.samples);
      return s ? this.out.get(s.id) : undefined;
    }
    if (n.classType === 'LoadImage' && !this.out.has(n.id)) {
      const image = str(this.literal(n.inputs.image)) ?? '';
      const id = this.b.add('load-image', n.id, { source: image }, this.pos(n), {
        source: 'comfyui',
        classType: n.classType,
      });
      this.b.warn(
        `ComfyUI node ${n.id} (LoadImage) refers to "${image}" in ComfyUI's input folder; pick the image again in MystiCanvas`,
      );
      this.out.set(n.id, { id, handle: 'image' });
      this.folded.add(n.id);
    }
    return this.out.get(n.id);
  }

  private mapImageNode(n: IrNode): boolean {
    if (n.classType === 'SaveImage') {
      const prefix = (str(this.literal(n.inputs.filename_prefix)) ?? 'ComfyUI')
        .replace(/[^A-Za-z0-9._-]/g, '_')
        .slice(0, 64);
      const id = this.b.add('save', n.id, { filenamePrefix: prefix }, this.pos(n), {
        source: 'comfyui',
        classType: n.classType,
      });
      const src = this.imageSource(n.inputs.images);
      if (src?.id) this.b.connect(src.id, src.handle, id, 'image');
      this.out.set(n.id, { id, handle: 'image' });
      return true;
    }
    if (n.classType === 'PreviewImage') {
      this.b.warn(
        `ComfyUI node ${n.id} (PreviewImage) was left out: MystiCanvas previews every image on its node`,
      );
      return true;
    }
    if (n.classType === 'ImageUpscaleWithModel' || n.classType === 'ImageScaleBy') {
      const params: Record<string, unknown> = {};
      const absorbed = [n.id];
      if (n.classType === 'ImageScaleBy') {
        params.method = 'lanczos';
        params.scale = num(this.literal(n.inputs.scale_by));
        const m = str(this.literal(n.inputs.upscale_method));
        if (m && m !== 'lanczos')
          this.b.warn(`ComfyUI node ${n.id}: resize method "${m}" replaced by Lanczos`);
      } else {
        const loader = this.nodeOf(n.inputs.upscale_model);
        const model =
          loader?.classType === 'UpscaleModelLoader'
            ? modelName(this.literal(loader.inputs.model_name))
            : undefined;
        if (loader) absorbed.push(loader.id);
        params.method = 'esrgan';
        params.model = model;
        const factor = /(?:^|[^\d])([1-8])x|x([1-8])(?:[^\d]|$)/i.exec(model ?? '');
        params.scale = factor ? Number(factor[1] ?? factor[2]) : 4;
        if (!factor)
          this.b.warn(
            `ComfyUI node ${n.id}: the upscale factor of "${model ?? '?'}" is not in its name; assumed 4x`,
          );
      }
      const id = this.b.add('upscale', n.id, params, this.pos(n), {
        source: 'comfyui',
        classType: n.classType,
        absorbed,
      });
      for (const a of absorbed) this.folded.add(a);
      const src = this.imageSource(n.inputs.image);
      if (src?.id) this.b.connect(src.id, src.handle, id, 'image');
      this.out.set(n.id, { id, handle: 'image' });
      return true;
    }
    if (n.classType === 'LoadImage') {
      this.imageSource(new Ref(n.id, 0));
      return true;
    }
    return false;
  }

  /** A class with no mapping of ours: it becomes a placeholder (which keeps its mode). */
  private isPlaceholder(n: IrNode): boolean {
    return (
      !PLUMBING.has(n.classType) &&
      !SAMPLERS.has(n.classType) &&
      !FOLDABLE.has(n.classType) &&
      !OWN_NODE.has(n.classType) &&
      n.classType !== 'PreviewImage' &&
      !/^(Empty.*Latent|LatentUpscale)/.test(n.classType)
    );
  }

  /** Whether the node's mode (2 mute / 4 bypass) is kept on a node of ours (issue 15). */
  private keepsMode(n: IrNode): boolean {
    if (n.mode === 2)
      return this.isPlaceholder(n) || OWN_NODE.has(n.classType) || SAMPLERS.has(n.classType);
    if (n.mode === 4) return this.isPlaceholder(n) || BYPASS_KEPT.has(n.classType);
    return false;
  }

  run(meta: Record<string, unknown>): ImportResult {
    const order = topoOrder(this.ir);
    // Unknown classes become placeholders first so mapped nodes downstream can wire to them.
    for (const n of order) {
      if (n.mode === 2 && !this.keepsMode(n)) {
        this.folded.add(n.id);
        this.b.warn(
          `ComfyUI node ${n.id} (${n.classType}) is muted in the source workflow; left out`,
        );
      } else if (this.isPlaceholder(n)) {
        this.addPlaceholder(n);
      }
    }
    const skipMode = (n: IrNode) => (n.mode === 4 || n.mode === 2) && !this.keepsMode(n);
    for (const n of order) {
      if (this.folded.has(n.id) || this.out.has(n.id) || skipMode(n) || PLUMBING.has(n.classType))
        continue;
      if (SAMPLERS.has(n.classType)) this.mapSampler(n);
      else this.mapImageNode(n);
    }
    // The kept modes, on the node each ComfyUI node became.
    for (const n of order) {
      if (!this.keepsMode(n)) continue;
      const mine = this.b.nodes.find((x) => x.id === this.out.get(n.id)?.id);
      if (mine) mine.mode = n.mode === 2 ? 'mute' : 'bypass';
    }
    for (const n of order) {
      if (n.mode === 4 && !this.folded.has(n.id) && !this.keepsMode(n))
        this.b.warn(
          `ComfyUI node ${n.id} (${n.classType}) is bypassed in the source workflow; left out`,
        );
      else if (
        !this.folded.has(n.id) &&
        !this.out.has(n.id) &&
        !PLUMBING.has(n.classType) &&
        !skipMode(n) &&
        n.classType !== 'PreviewImage'
      ) {
        this.addPlaceholder(n, 'not connected to anything MystiCanvas could map');
      }
    }
    this.wirePlaceholders();
    if (!this.b.nodes.some((x) => x.type === 'txt2img' || x.type === 'img2img')) {
      this.b.warn(
        'No sampler (KSampler) was found that MystiCanvas could map; the workflow will not generate images as is',
      );
    }
    return this.b.finish(meta);
  }

  private placeholders: IrNode[] = [];
  private addPlaceholder(n: IrNode, reason?: string): void {
    const params: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(n.inputs)) if (!(v instanceof Ref)) params[k] = v;
    const id = this.b.placeholder(
      'comfyui',
      n.classType,
      n.id,
      params,
      n.original,
      n.position,
      reason,
    );
    this.out.set(n.id, { id, handle: n.outputNames?.[0] || 'out0' });
    this.placeholders.push(n);
  }

  /** Keeps the placeholders' own wiring (original port names) where both ends exist in our graph. */
  private wirePlaceholders(): void {
    for (const n of this.placeholders) {
      const me = this.out.get(n.id)!;
      for (const [name, v] of Object.entries(n.inputs)) {
        const src = this.resolve(v);
        if (!src || !('node' in src)) continue;
        const o = this.out.get(src.node.id);
        if (!o?.id) continue;
        const handle = this.placeholders.includes(src.node)
          ? src.node.outputNames?.[src.slot] || `out${src.slot}`
          : o.handle;
        this.b.connect(o.id, handle, me.id, name);
      }
    }
  }
}

function dedupe(
  loras: Array<{ name: string; weight: number }>,
): Array<{ name: string; weight: number }> {
  const seen = new Map<string, { name: string; weight: number }>();
  for (const l of loras.reverse()) if (!seen.has(l.name)) seen.set(l.name, l);
  return [...seen.values()];
}

/** Kahn order over the IR's refs (document order on ties; nodes on cycles appended). */
function topoOrder(ir: IrGraph): IrNode[] {
  const deps = new Map<string, Set<string>>();
  const users = new Map<string, string[]>();
  for (const n of ir.nodes.values()) {
    const d = new Set<string>();
    for (const v of Object.values(n.inputs)) {
      if (!(v instanceof Ref) || !ir.nodes.has(v.node)) continue;
      // A subgraph instance's output is its alias node, which the inner nodes feed.
      d.add(ir.nodes.get(v.node)!.classType === '$subgraph' ? `${v.node}#out${v.slot}` : v.node);
    }
    deps.set(n.id, d);
    for (const s of d) users.set(s, [...(users.get(s) ?? []), n.id]);
  }
  const ready = [...ir.nodes.keys()].filter((id) => deps.get(id)!.size === 0);
  const order: IrNode[] = [];
  const done = new Set<string>();
  while (ready.length) {
    const id = ready.shift()!;
    done.add(id);
    order.push(ir.nodes.get(id)!);
    for (const u of users.get(id) ?? []) {
      const d = deps.get(u)!;
      d.delete(id);
      if (d.size === 0) ready.push(u);
    }
  }
  for (const n of ir.nodes.values()) if (!done.has(n.id)) order.push(n);
  return order;
}

/** Maps an IR graph to a GraphDoc; notes go to `graph.meta.notes`. */
export function mapComfyGraph(
  ir: IrGraph,
  name: string,
  extraMeta: Record<string, unknown> = {},
): ImportResult {
  const m = new Mapper(ir, name);
  const meta: Record<string, unknown> = { ...extraMeta };
  if (ir.notes.length) {
    meta.notes = ir.notes;
    m.b.warn(`${ir.notes.length} ComfyUI note node(s) kept as graph notes (graph.meta.notes)`);
  }
  return m.run(meta);
}
