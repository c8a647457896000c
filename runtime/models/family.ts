/**
 * Model family detection from tensor names and shapes only (a header-only read: no weights).
 *
 * Rules and their sources:
 * - Full checkpoints and standalone diffusion models follow stable-diffusion.cpp's
 *   `ModelLoader::get_sd_version()` (model.cpp, the commit pinned in sdcpp.md), so what we show
 *   is what the engine will decide:
 *   - `conditioner.embedders.1` / `cond_stage_model.1` / `te.1` (a second text encoder) with a
 *     UNet (`input_blocks.`) → SDXL (no `middle_block.1` → SSD-1B, or Vega without
 *     `output_blocks.3.1.transformer_blocks.1`);
 *   - `joint_blocks.` → SD3; `double_blocks.` → Flux (`double_stream_modulation_img` → Flux 2;
 *     `distilled_guidance_layer.` → Chroma, from ComfyUI's model_detection.py);
 *     `transformer_blocks.0.img_mod.1.weight` → Qwen-Image; `cap_embedder.0.weight` → Z-Image;
 *     `blocks.0.cross_attn.norm_k.weight` → Wan; `input_blocks.8.0.time_mixer.mix_factor` → SVD;
 *   - otherwise the CLIP token embedding width decides: 768 (`cond_stage_model.transformer.`,
 *     OpenAI CLIP ViT-L) → SD1, 1024 (`cond_stage_model.model.`, OpenCLIP ViT-H) → SD2; no
 *     `middle_block.1` → tiny UNets (SDXS-512-DS without `output_blocks.7.1`), and the first
 *     conv's input channels give inpaint (9) / instruct-pix2pix (8).
 *   Standalone diffusion models (ComfyUI `diffusion_models/`, ComfyUI-GGUF) carry the same names
 *   without the `model.diffusion_model.` prefix; they are matched the same way.
 * - LoRA key styles: kohya (`lora_unet_…`, `lora_te_…`, `lora_te1_/lora_te2_` = SDXL),
 *   diffusers/PEFT (`.lora_A.`/`.lora_B.`), LyCORIS (`hada_`, `lokr_`); the base model from the
 *   names, then kohya's `ss_base_model_version` or `modelspec.architecture` metadata, then the text
 *   encoder width (768 SD1 / 1024 SD2) of a `lora_te_` down weight.
 * - ESRGAN: BasicSR RRDBNet names (`conv_first`, `body.N.rdbK`, `conv_up1/2`) or the old ESRGAN
 *   layout (`model.0.weight`, `model.1.sub.`); scale from the upsampling convs, or from
 *   pixel-unshuffle input channels (12 → ×2, 48 → ×1) as in Real-ESRGAN's x2plus.
 * - TAESD: `decoder.layers.N` / `encoder.layers.N` (madebyollin/taesd); VAE: LDM
 *   `decoder.conv_in` + `encoder.down.` (latent channels = `decoder.conv_in` input channels).
 * - Text encoders: CLIP `text_model.encoder.layers.` (width 768 CLIP-L, 1024 CLIP-H, 1280
 *   CLIP-G), T5 `encoder.block.N.layer.` (T5-XXL when 4096 wide), decoder-only LLMs
 *   `model.embed_tokens` + `model.layers.N.self_attn.q_proj` (2560 Qwen3-4B, Qwen2.5-VL with
 *   `visual.`, 4096 Llama-3.1-8B, 5120 Mistral Small) — their role comes from nodes/diffusion/families.ts.
 * - Textual-inversion embeddings: A1111 `string_to_param.*` / `emb_params`, SDXL `clip_l` + `clip_g`.
 *
 * Shapes are PyTorch order (slowest dimension first); GGUF dims must be reversed before calling.
 */

/** One tensor's name and PyTorch-order shape. */
export interface TensorInfo {
  name: string;
  shape: readonly number[];
}

/** What a file holds. */
export type ModelComponent =
  | 'checkpoint'
  | 'diffusion_model'
  | 'vae'
  | 'taesd'
  | 'lora'
  | 'upscaler'
  | 'text_encoder'
  | 'embedding'
  | 'controlnet'
  | 'ipadapter'
  | 'clip_vision'
  | 'unknown';

export interface FamilyGuess {
  /** `sd1`, `sd2`, `sdxl`, `sd3`, `flux`, `flux2`, `chroma`, `wan`, `svd`, `qwen-image`, `z-image`,
   *  `esrgan`, `clip-l`, `clip-g`, `clip-h`, `t5`; null when the names do not tell. */
  family: string | null;
  /** e.g. `inpaint`, `pix2pix`, `sdxs-512-ds`, `tiny-unet`, `ssd-1b`, `vega`, `x4`. */
  variant?: string;
  component: ModelComponent;
  /** Which rule decided, for the UI and for debugging a wrong guess. */
  rule: string;
  /** Latent channels of a VAE / TAESD. */
  latentChannels?: number;
  /** ESRGAN output scale. */
  scale?: number;
}

const DM = 'model.diffusion_model.';

/** Kohya/modelspec metadata → family (LoRAs often say what they were trained on). */
function familyFromMetadata(meta: Record<string, string>): string | null {
  const base = (meta.ss_base_model_version ?? '').toLowerCase();
  const arch = (meta['modelspec.architecture'] ?? '').toLowerCase();
  for (const s of [base, arch]) {
    if (!s) continue;
    if (s.includes('sdxl') || s.includes('stable-diffusion-xl')) return 'sdxl';
    if (s.includes('flux')) return 'flux';
    if (s.includes('sd3') || s.includes('stable-diffusion-3')) return 'sd3';
    if (s.startsWith('sd_v2') || s.includes('stable-diffusion-v2')) return 'sd2';
    if (s.startsWith('sd_v1') || s.includes('stable-diffusion-v1')) return 'sd1';
  }
  return null;
}

function detectLora(
  names: string[],
  byName: Map<string, TensorInfo>,
  meta: Record<string, string>,
): FamilyGuess | null {
  const isLora = names.some((n) =>
    /(^|[._])lora_(up|down|A|B)[._]|^lora_(unet|te\d?)_|(^|\.)(hada|lokr)_/.test(n),
  );
  if (!isLora) return null;
  const g = (family: string | null, rule: string): FamilyGuess => ({
    family,
    component: 'lora',
    rule,
  });
  if (names.some((n) => n.startsWith('lora_te1_') || n.startsWith('lora_te2_')))
    return g('sdxl', 'lora: lora_te1_/lora_te2_ keys (two text encoders)');
  if (names.some((n) => /double_blocks|single_blocks|single_transformer_blocks/.test(n)))
    return g('flux', 'lora: Flux double/single block keys');
  if (names.some((n) => /joint_blocks|joint_transformer_blocks/.test(n)))
    return g('sd3', 'lora: SD3 joint block keys');
  const fromMeta = familyFromMetadata(meta);
  if (fromMeta) return g(fromMeta, 'lora: ss_base_model_version / modelspec.architecture metadata');
  const te = names.find((n) => n.startsWith('lora_te_') && n.endsWith('.lora_down.weight'));
  const width = te ? byName.get(te)!.shape[1] : undefined;
  if (width === 768) return g('sd1', 'lora: lora_te_ down weight 768 wide (CLIP ViT-L)');
  if (width === 1024) return g('sd2', 'lora: lora_te_ down weight 1024 wide (OpenCLIP ViT-H)');
  return g(null, 'lora: key style only (base model not identifiable)');
}

function detectEmbedding(names: string[], byName: Map<string, TensorInfo>): FamilyGuess | null {
  if (names.length === 0 || names.length > 4) return null;
  const set = new Set(names);
  if (set.has('clip_g') && set.has('clip_l'))
    return { family: 'sdxl', component: 'embedding', rule: 'embedding: clip_l + clip_g vectors' };
  const vec = names.find((n) => n === 'emb_params' || n.startsWith('string_to_param.'));
  if (!vec) return null;
  const w = byName.get(vec)!.shape.at(-1);
  return {
    family: w === 768 ? 'sd1' : w === 1024 ? 'sd2' : null,
    component: 'embedding',
    rule: `embedding: ${vec} vectors ${w ?? '?'} wide`,
  };
}

function detectEsrgan(names: Set<string>, byName: Map<string, TensorInfo>): FamilyGuess | null {
  const basicsr =
    names.has('conv_first.weight') &&
    [...names].some((n) => n.startsWith('body.') || n.startsWith('RRDB_trunk.'));
  const old = names.has('model.0.weight') && [...names].some((n) => n.startsWith('model.1.sub.'));
  if (!basicsr && !old) return null;
  let scale: number | undefined;
  if (basicsr) {
    const inCh = byName.get('conv_first.weight')!.shape[1];
    const ups = ['conv_up1.weight', 'conv_up2.weight', 'upconv1.weight', 'upconv2.weight'].filter(
      (n) => names.has(n),
    ).length;
    scale = inCh === 12 ? 2 : inCh === 48 ? 1 : 2 ** ups;
  }
  return {
    family: 'esrgan',
    component: 'upscaler',
    rule: basicsr
      ? 'esrgan: BasicSR RRDBNet keys (conv_first, body.N.rdbK)'
      : 'esrgan: old ESRGAN keys (model.0, model.1.sub)',
    ...(scale ? { scale, variant: `x${scale}` } : {}),
  };
}

function detectAutoencoder(names: string[], byName: Map<string, TensorInfo>): FamilyGuess | null {
  if (names.length && names.every((n) => /^(decoder|encoder)\.layers\./.test(n))) {
    const first = byName.get('decoder.layers.0.weight');
    return {
      family: null,
      component: 'taesd',
      rule: 'taesd: only decoder.layers / encoder.layers keys',
      ...(first ? { latentChannels: first.shape[1] } : {}),
    };
  }
  const conv =
    byName.get('decoder.conv_in.weight') ?? byName.get('first_stage_model.decoder.conv_in.weight');
  const onlyVae = names.every((n) =>
    /^(first_stage_model\.|vae\.)?(encoder|decoder|quant_conv|post_quant_conv)\b/.test(n),
  );
  if (conv && onlyVae)
    return {
      family: null,
      component: 'vae',
      rule: 'vae: only encoder/decoder keys (LDM AutoencoderKL)',
      latentChannels: conv.shape[1],
    };
  return null;
}

function detectTextEncoder(names: string[], byName: Map<string, TensorInfo>): FamilyGuess | null {
  const emb = [
    'text_model.embeddings.token_embedding.weight',
    'transformer.text_model.embeddings.token_embedding.weight',
  ]
    .map((n) => byName.get(n))
    .find(Boolean);
  if (
    emb &&
    names.every((n) => /^(transformer\.)?text_model\.|^(text_projection|logit_scale)/.test(n))
  ) {
    const w = emb.shape[1];
    const family = w === 768 ? 'clip-l' : w === 1280 ? 'clip-g' : w === 1024 ? 'clip-h' : null;
    return { family, component: 'text_encoder', rule: `text encoder: CLIP text_model, ${w} wide` };
  }
  const t5 = names.find((n) => /^encoder\.block\.0\.layer\.0\.SelfAttention\.q\.weight$/.test(n));
  if (t5) {
    const w = byName.get(t5)!.shape[1];
    return {
      family: 't5',
      component: 'text_encoder',
      rule: `text encoder: T5 encoder.block keys, ${w} wide`,
      ...(w === 4096 ? { variant: 'xxl' } : {}),
    };
  }
  // Decoder-only LLMs used as text encoders (Z-Image: Qwen3-4B; Qwen-Image: Qwen2.5-VL-7B;
  // Flux 2: Mistral Small; HiDream: Llama 3.1 8B), in Hugging Face transformers naming.
  const embed = byName.get('model.embed_tokens.weight');
  if (
    embed &&
    names.some((n) => /^model\.layers\.0\.self_attn\.q_proj\.weight$/.test(n)) &&
    !names.some((n) => n.startsWith(DM))
  ) {
    const w = embed.shape[1];
    const vision = names.some((n) => n.startsWith('visual.'));
    const family = vision
      ? 'qwen2vl'
      : w === 2560
        ? 'qwen3'
        : w === 5120
          ? 'mistral3'
          : w === 4096
            ? 'llama'
            : 'llm';
    return {
      family,
      component: 'text_encoder',
      rule: `text encoder: LLM model.layers + embed_tokens, ${w} wide${vision ? ', vision tower' : ''}`,
    };
  }
  return null;
}

/** sd.cpp's get_sd_version() over names with the `model.diffusion_model.` prefix (see the file doc). */
function detectDiffusion(
  names: string[],
  byName: Map<string, TensorInfo>,
  standalone: boolean,
): FamilyGuess | null {
  const component: ModelComponent = standalone ? 'diffusion_model' : 'checkpoint';
  const has = (frag: string) => names.some((n) => n.includes(frag));
  const g = (family: string, rule: string, variant?: string): FamilyGuess => ({
    family,
    component,
    rule,
    ...(variant ? { variant } : {}),
  });
  if (has(`${DM}joint_blocks.`)) return g('sd3', 'joint_blocks (MMDiT) → SD3');
  if (has(`${DM}transformer_blocks.0.img_mod.1.weight`))
    return g('qwen-image', 'transformer_blocks.0.img_mod → Qwen-Image');
  if (has(`${DM}cap_embedder.0.weight`)) return g('z-image', 'cap_embedder → Z-Image');
  if (has(`${DM}blocks.0.cross_attn.norm_k.weight`))
    return g('wan', 'blocks.0.cross_attn.norm_k → Wan');
  if (has(`${DM}input_blocks.8.0.time_mixer.mix_factor`))
    return g('svd', 'time_mixer → Stable Video Diffusion');
  const isFlux = has(`${DM}double_blocks.`);
  if (has(`${DM}double_stream_modulation_img.lin.weight`))
    return g(
      'flux2',
      'double_stream_modulation_img → Flux 2',
      has('single_blocks.47.linear1.weight') ? undefined : 'klein',
    );
  if (isFlux && has(`${DM}distilled_guidance_layer.`))
    return g('chroma', 'double_blocks + distilled_guidance_layer → Chroma');
  const inputW = byName.get(`${DM}input_blocks.0.0.weight`) ?? byName.get(`${DM}img_in.weight`);
  if (isFlux) {
    const inCh = byName.get(`${DM}img_in.weight`)?.shape.at(-1);
    const variant = inCh === 384 ? 'fill' : inCh === 128 ? 'controls' : undefined;
    return g('flux', 'double_blocks → Flux', variant);
  }
  const isUnet = has(`${DM}input_blocks.`);
  const multiEncoder = has('conditioner.embedders.1') || has('cond_stage_model.1') || has('te.1');
  const inCh = inputW?.shape[1];
  const unetVariant = inCh === 9 ? 'inpaint' : inCh === 8 ? 'pix2pix' : undefined;
  const mid1 = has(`${DM}middle_block.1.`);
  if (isUnet && multiEncoder) {
    const v =
      unetVariant ??
      (!mid1
        ? has(`${DM}output_blocks.3.1.transformer_blocks.1`)
          ? 'ssd-1b'
          : 'vega'
        : undefined);
    return g('sdxl', 'second text encoder (conditioner.embedders.1) + UNet → SDXL', v);
  }
  const tokenNames = [
    'cond_stage_model.transformer.text_model.embeddings.token_embedding.weight',
    'cond_stage_model.model.token_embedding.weight',
    'conditioner.embedders.0.model.token_embedding.weight',
    'conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight',
  ];
  const tokName = tokenNames.find((n) => byName.has(n));
  const width = tokName ? byName.get(tokName)!.shape.at(-1) : undefined;
  if (width === 768) {
    const v =
      unetVariant ??
      (!mid1 && isUnet ? (has(`${DM}output_blocks.7.1`) ? 'tiny-unet' : 'sdxs-512-ds') : undefined);
    return g('sd1', `${tokName} 768 wide (CLIP ViT-L) → SD1`, v);
  }
  if (width === 1024)
    return g(
      'sd2',
      `${tokName} 1024 wide (OpenCLIP ViT-H) → SD2`,
      unetVariant ?? (!mid1 && isUnet ? 'tiny-unet' : undefined),
    );
  if (isUnet && standalone) {
    // A bare UNet has no text encoder to measure: the cross-attention context width tells.
    const k = names.find((n) => /transformer_blocks\.0\.attn2\.to_k\.weight$/.test(n));
    const ctx = k ? byName.get(k)!.shape[1] : undefined;
    if (ctx === 2048) return g('sdxl', 'bare UNet, cross-attention context 2048 → SDXL');
    if (ctx === 768) return g('sd1', 'bare UNet, cross-attention context 768 → SD1');
    if (ctx === 1024) return g('sd2', 'bare UNet, cross-attention context 1024 → SD2');
  }
  if (isUnet) return { family: null, component, rule: 'UNet without a recognizable text encoder' };
  return null;
}

/**
 * Guide models (issue 14), by their key prefixes: a ControlNet (original `control_model.*` with
 * `input_hint_block` / `zero_convs`, or diffusers' `controlnet_cond_embedding.*`), an IP-Adapter
 * (`image_proj.*` + `ip_adapter.*`, as in h94/IP-Adapter), a CLIP vision encoder (`vision_model.*`
 * without `text_model.*`, transformers' CLIPVisionModel layout).
 */
function detectGuideModel(names: string[]): FamilyGuess | null {
  const has = (frag: string) => names.some((n) => n.includes(frag));
  const starts = (p: string) => names.some((n) => n.startsWith(p));
  if (
    (starts('control_model.') && (has('input_hint_block.') || has('zero_convs.'))) ||
    starts('controlnet_cond_embedding.')
  )
    return {
      family: null,
      component: 'controlnet',
      rule: 'control_model / controlnet_cond_embedding → ControlNet',
    };
  if (starts('image_proj.') && starts('ip_adapter.'))
    return { family: null, component: 'ipadapter', rule: 'image_proj + ip_adapter → IP-Adapter' };
  if (starts('vision_model.encoder.layers.') && !has('text_model.'))
    return {
      family: null,
      component: 'clip_vision',
      rule: 'vision_model without text_model → CLIP vision',
    };
  return null;
}

/**
 * Guesses what a model file is from its tensors (see the file doc for the rules and sources).
 * @param tensors names + PyTorch-order shapes (any order)
 * @param metadata safetensors `__metadata__` (kohya/modelspec keys), or {}
 */
export function detectFamily(
  tensors: readonly TensorInfo[],
  metadata: Record<string, string> = {},
): FamilyGuess {
  const names = tensors.map((t) => t.name);
  const byName = new Map(tensors.map((t) => [t.name, t]));
  const early =
    detectLora(names, byName, metadata) ??
    detectEmbedding(names, byName) ??
    detectEsrgan(new Set(names), byName) ??
    detectAutoencoder(names, byName) ??
    detectGuideModel(names) ??
    detectTextEncoder(names, byName);
  if (early) return early;
  const prefixed = names.some((n) => n.startsWith(DM));
  if (prefixed)
    return (
      detectDiffusion(names, byName, false) ?? {
        family: null,
        component: 'unknown',
        rule: 'model.diffusion_model keys of an unknown architecture',
      }
    );
  // Standalone diffusion model: give it the checkpoint prefix and match the same rules.
  const withPrefix = tensors.map((t) => ({ name: DM + t.name, shape: t.shape }));
  const guess = detectDiffusion(
    withPrefix.map((t) => t.name),
    new Map(withPrefix.map((t) => [t.name, t])),
    true,
  );
  if (guess) return guess;
  const fromMeta = familyFromMetadata(metadata);
  if (fromMeta)
    return { family: fromMeta, component: 'unknown', rule: 'modelspec.architecture metadata only' };
  return {
    family: null,
    component: 'unknown',
    rule: tensors.length ? 'no known key pattern' : 'no tensors in the header',
  };
}
