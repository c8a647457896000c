/**
 * Writers for small but real model files in tests: safetensors (huggingface/safetensors README
 * "Format": u64 LE header length, JSON header, data buffer) and GGUF v3 (ggml docs/gguf.md). The
 * tensor data is real (zero-filled, of the exact declared size); shapes keep only the dimensions
 * the family rules look at (e.g. a CLIP token table 4 × 768 instead of 49408 × 768).
 */
import fs from 'node:fs';
import path from 'node:path';

export interface CraftTensor {
  name: string;
  /** PyTorch order. */
  shape: number[];
  dtype?: 'F16' | 'F32' | 'BF16';
}

const SIZE = { F16: 2, F32: 4, BF16: 2 } as const;

/** Bytes of a safetensors file holding `tensors` (zeros) and `metadata`. */
export function safetensorsBytes(
  tensors: CraftTensor[],
  metadata: Record<string, string> = {},
): Buffer {
  const header: Record<string, unknown> = Object.keys(metadata).length
    ? { __metadata__: metadata }
    : {};
  let off = 0;
  for (const t of tensors) {
    const dtype = t.dtype ?? 'F16';
    const n = t.shape.reduce((a, b) => a * b, 1) * SIZE[dtype];
    header[t.name] = { dtype, shape: t.shape, data_offsets: [off, off + n] };
    off += n;
  }
  let json = Buffer.from(JSON.stringify(header));
  json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, json, Buffer.alloc(off)]);
}

export function writeSafetensors(
  file: string,
  tensors: CraftTensor[],
  metadata: Record<string, string> = {},
): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, safetensorsBytes(tensors, metadata));
  return file;
}

function ggufString(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(b.length));
  return Buffer.concat([len, b]);
}

/** Writes a GGUF v3 file with F32 tensors (zeros) and string metadata. */
export function writeGguf(
  file: string,
  tensors: CraftTensor[],
  metadata: Record<string, string> = {},
): string {
  const parts: Buffer[] = [Buffer.from('GGUF', 'latin1')];
  const head = Buffer.alloc(20);
  head.writeUInt32LE(3, 0);
  head.writeBigUInt64LE(BigInt(tensors.length), 4);
  head.writeBigUInt64LE(BigInt(Object.keys(metadata).length), 12);
  parts.push(head);
  for (const [k, v] of Object.entries(metadata)) {
    const type = Buffer.alloc(4);
    type.writeUInt32LE(8, 0); // GGUF_TYPE_STRING
    parts.push(ggufString(k), type, ggufString(v));
  }
  let off = 0;
  const sizes: number[] = [];
  for (const t of tensors) {
    const ne = [...t.shape].reverse(); // ggml order: fastest dimension first
    const info = Buffer.alloc(4 + 8 * ne.length + 4 + 8);
    info.writeUInt32LE(ne.length, 0);
    ne.forEach((d, i) => info.writeBigUInt64LE(BigInt(d), 4 + 8 * i));
    info.writeUInt32LE(0, 4 + 8 * ne.length); // GGML_TYPE_F32
    info.writeBigUInt64LE(BigInt(off), 8 + 8 * ne.length);
    parts.push(ggufString(t.name), info);
    const n = t.shape.reduce((a, b) => a * b, 1) * 4;
    sizes.push(n);
    off += Math.ceil(n / 32) * 32;
  }
  let bytes = Buffer.concat(parts);
  bytes = Buffer.concat([bytes, Buffer.alloc((32 - (bytes.length % 32)) % 32)]);
  const data = Buffer.alloc(off);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, Buffer.concat([bytes, data]));
  return file;
}

const DM = 'model.diffusion_model.';

/** A UNet skeleton: first conv (in channels), optional middle block 1 and output block 7.1. */
export function unet(
  o: { inChannels?: number; middle?: boolean; out71?: boolean; prefix?: string } = {},
): CraftTensor[] {
  const p = o.prefix ?? DM;
  const t: CraftTensor[] = [
    { name: `${p}input_blocks.0.0.weight`, shape: [4, o.inChannels ?? 4, 3, 3] },
    { name: `${p}input_blocks.0.0.bias`, shape: [4], dtype: 'F32' },
  ];
  if (o.middle !== false) t.push({ name: `${p}middle_block.1.proj_in.weight`, shape: [4, 4] });
  if (o.out71 !== false) t.push({ name: `${p}output_blocks.7.1.proj_out.weight`, shape: [4, 4] });
  return t;
}

/** The KL VAE part of a checkpoint. */
export const ckptVae: CraftTensor[] = [
  { name: 'first_stage_model.decoder.conv_in.weight', shape: [8, 4, 3, 3] },
];

/** Crafted tensor sets per family, as found in real files of that family (names; shrunken shapes). */
export const FAMILY_FILES: Record<
  string,
  { tensors: CraftTensor[]; metadata?: Record<string, string>; folder: string }
> = {
  sd1: {
    folder: 'checkpoints',
    tensors: [
      {
        name: 'cond_stage_model.transformer.text_model.embeddings.token_embedding.weight',
        shape: [4, 768],
      },
      ...unet(),
      ...ckptVae,
    ],
  },
  sd1_inpaint: {
    folder: 'checkpoints',
    tensors: [
      {
        name: 'cond_stage_model.transformer.text_model.embeddings.token_embedding.weight',
        shape: [4, 768],
      },
      ...unet({ inChannels: 9 }),
      ...ckptVae,
    ],
  },
  sdxs: {
    folder: 'checkpoints',
    tensors: [
      {
        name: 'cond_stage_model.transformer.text_model.embeddings.token_embedding.weight',
        shape: [4, 768],
      },
      ...unet({ middle: false, out71: false }),
    ],
  },
  sd2: {
    folder: 'checkpoints',
    tensors: [
      { name: 'cond_stage_model.model.token_embedding.weight', shape: [4, 1024] },
      ...unet(),
      ...ckptVae,
    ],
  },
  sdxl: {
    folder: 'checkpoints',
    tensors: [
      {
        name: 'conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight',
        shape: [4, 768],
      },
      { name: 'conditioner.embedders.1.model.token_embedding.weight', shape: [4, 1280] },
      ...unet(),
      ...ckptVae,
    ],
  },
  sd3: {
    folder: 'checkpoints',
    tensors: [
      { name: `${DM}joint_blocks.0.x_block.attn.qkv.weight`, shape: [12, 4] },
      { name: `${DM}x_embedder.proj.weight`, shape: [4, 16, 2, 2] },
    ],
  },
  flux: {
    folder: 'diffusion_models',
    tensors: [
      { name: 'double_blocks.0.img_attn.qkv.weight', shape: [12, 4] },
      { name: 'single_blocks.0.linear1.weight', shape: [8, 4] },
      { name: 'img_in.weight', shape: [4, 64] },
    ],
  },
  flux_fill: {
    folder: 'diffusion_models',
    tensors: [
      { name: 'double_blocks.0.img_attn.qkv.weight', shape: [12, 4] },
      { name: 'img_in.weight', shape: [4, 384] },
    ],
  },
  chroma: {
    folder: 'diffusion_models',
    tensors: [
      { name: 'double_blocks.0.img_attn.qkv.weight', shape: [12, 4] },
      { name: 'distilled_guidance_layer.in_proj.weight', shape: [4, 4] },
    ],
  },
  sdxl_unet: {
    folder: 'diffusion_models',
    tensors: [
      ...unet({ prefix: '' }),
      { name: 'input_blocks.4.1.transformer_blocks.0.attn2.to_k.weight', shape: [4, 2048] },
    ],
  },
  lora_sd1: {
    folder: 'loras',
    tensors: [
      {
        name: 'lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_down.weight',
        shape: [4, 768],
      },
      {
        name: 'lora_te_text_model_encoder_layers_0_self_attn_q_proj.lora_up.weight',
        shape: [768, 4],
      },
      {
        name: 'lora_te_text_model_encoder_layers_0_self_attn_q_proj.alpha',
        shape: [],
        dtype: 'F32',
      },
      { name: 'lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight', shape: [4, 8] },
    ],
  },
  lora_sdxl: {
    folder: 'loras',
    tensors: [
      { name: 'lora_te1_text_model_encoder_layers_0_mlp_fc1.lora_down.weight', shape: [4, 768] },
      { name: 'lora_unet_input_blocks_4_1_proj_in.lora_down.weight', shape: [4, 8] },
    ],
  },
  lora_peft_meta: {
    folder: 'loras',
    metadata: { ss_base_model_version: 'sdxl_base_v1-0' },
    tensors: [{ name: 'unet.down_blocks.1.attentions.0.proj_in.lora_A.weight', shape: [4, 8] }],
  },
  esrgan: {
    folder: 'upscale_models',
    tensors: [
      { name: 'conv_first.weight', shape: [8, 3, 3, 3] },
      { name: 'body.0.rdb1.conv1.weight', shape: [4, 8, 3, 3] },
      { name: 'conv_up1.weight', shape: [8, 8, 3, 3] },
      { name: 'conv_up2.weight', shape: [8, 8, 3, 3] },
      { name: 'conv_last.weight', shape: [3, 8, 3, 3] },
    ],
  },
  vae: {
    folder: 'vae',
    tensors: [
      { name: 'encoder.down.0.block.0.conv1.weight', shape: [4, 4, 3, 3] },
      { name: 'decoder.conv_in.weight', shape: [8, 16, 3, 3] },
      { name: 'post_quant_conv.weight', shape: [16, 16, 1, 1] },
    ],
  },
  taesd: {
    folder: 'vae_approx',
    tensors: [
      { name: 'decoder.layers.0.weight', shape: [8, 4, 3, 3] },
      { name: 'encoder.layers.0.weight', shape: [8, 3, 3, 3] },
    ],
  },
  clip_l: {
    folder: 'text_encoders',
    tensors: [
      { name: 'text_model.embeddings.token_embedding.weight', shape: [4, 768] },
      { name: 'text_model.encoder.layers.0.mlp.fc1.weight', shape: [8, 768] },
    ],
  },
  t5: {
    folder: 'text_encoders',
    tensors: [
      { name: 'encoder.block.0.layer.0.SelfAttention.q.weight', shape: [4, 4096] },
      { name: 'shared.weight', shape: [4, 4096] },
    ],
  },
  embedding_sdxl: {
    folder: 'embeddings',
    tensors: [
      { name: 'clip_l', shape: [2, 768] },
      { name: 'clip_g', shape: [2, 1280] },
    ],
  },
  embedding_sd1: { folder: 'embeddings', tensors: [{ name: 'emb_params', shape: [2, 768] }] },
};
