/**
 * Decides a model file's registry kind from (1) the folder names on its path, as laid out by
 * ComfyUI's `models/` tree (checkpoints/, loras/, vae/, upscale_models/, text_encoders/,
 * embeddings/, …), (2) for GGUF files, the header's `general.architecture`, (3) what the tensor
 * names say (family.ts), (4) the file extension.
 */
import type { ModelKind } from '../store/models';

/** Extensions the registry considers model files (lower case, with dot). */
export const MODEL_EXTENSIONS = new Set([
  '.gguf',
  '.safetensors',
  '.sft',
  '.ckpt',
  '.pt',
  '.pth',
  '.bin',
]);

/** Pickle-based formats: unpickling can run arbitrary code, so they are flagged `unsafe` and only loaded with consent. */
export const PICKLE_EXTENSIONS = new Set(['.ckpt', '.pt', '.pth', '.bin']);

/** ComfyUI folder names (folder_paths.py) and a few common variants → kind. */
const FOLDER_KIND: Record<string, ModelKind> = {
  checkpoints: 'sd',
  diffusion_models: 'sd',
  unet: 'sd',
  'stable-diffusion': 'sd',
  stable_diffusion: 'sd',
  loras: 'lora',
  lora: 'lora',
  lycoris: 'lora',
  vae: 'vae',
  vae_approx: 'taesd',
  taesd: 'taesd',
  upscale_models: 'upscaler',
  esrgan: 'upscaler',
  upscalers: 'upscaler',
  text_encoders: 'text_encoder',
  clip: 'text_encoder',
  t5: 'text_encoder',
  llm: 'llm',
  llms: 'llm',
  language_models: 'llm',
  gguf_llm: 'llm',
  embeddings: 'embedding',
  embedding: 'embedding',
  textual_inversion: 'embedding',
  // ComfyUI's controlnet/, ipadapter/, clip_vision/ (issue 14 guide models).
  controlnet: 'controlnet',
  t2i_adapter: 'controlnet',
  ipadapter: 'ipadapter',
  clip_vision: 'clip_vision',
};

/** llama.cpp language-model architectures (llama-arch.cpp `LLM_ARCH_NAMES`, the common ones). */
export const LLM_ARCHITECTURES = new Set([
  'llama',
  'llama4',
  'mistral3',
  'qwen',
  'qwen2',
  'qwen2moe',
  'qwen2vl',
  'qwen3',
  'qwen3moe',
  'gemma',
  'gemma2',
  'gemma3',
  'gemma3n',
  'phi2',
  'phi3',
  'phimoe',
  'gpt2',
  'gptj',
  'gptneox',
  'falcon',
  'mpt',
  'starcoder',
  'starcoder2',
  'bloom',
  'stablelm',
  'baichuan',
  'internlm2',
  'minicpm',
  'minicpm3',
  'command-r',
  'cohere2',
  'deepseek',
  'deepseek2',
  'olmo',
  'olmo2',
  'olmoe',
  'granite',
  'granitemoe',
  'exaone',
  'mamba',
  'rwkv6',
  'rwkv7',
  'chatglm',
  'glm4',
  'smollm3',
  'gpt-oss',
  'ernie4_5',
  'hunyuan-moe',
  'dbrx',
  'arctic',
  'jais',
  'nemotron',
  'bitnet',
  'plamo',
  'plamo2',
  'orion',
  'xverse',
  'refact',
  'codeshell',
  'openelm',
]);

/** Diffusion architectures written by sd.cpp/ComfyUI-GGUF converters. */
export const DIFFUSION_ARCHITECTURES = new Set([
  'sd1',
  'sd2',
  'sdxl',
  'sd3',
  'flux',
  'aura',
  'ltxv',
  'hyvid',
  'wan',
  'lumina2',
  'qwen_image',
  'hidream',
  'cosmos',
  'chroma',
]);

/**
 * @param relDir directory of the file relative to its model folder, `/`-separated ('' at the root)
 * @param ext lower-case extension with dot
 * @param ggufArch `general.architecture` when the file is a valid GGUF, else null
 * @param contentKind what the tensor names say (family.ts), when known; it overrides a generic
 *   `checkpoints/` placement (a LoRA dropped there is still a LoRA) but not a specific folder
 */
export function classifyModel(
  relDir: string,
  ext: string,
  ggufArch: string | null,
  contentKind: ModelKind | null = null,
): ModelKind {
  const parts = relDir
    .split('/')
    .filter(Boolean)
    .map((p) => p.toLowerCase());
  // The innermost known folder wins (e.g. checkpoints/loras-test/ is unusual, loras/sdxl/ common).
  let folderKind: ModelKind | null = null;
  for (const p of parts) if (FOLDER_KIND[p]) folderKind = FOLDER_KIND[p];
  if (folderKind && folderKind !== 'sd' && folderKind !== 'llm') return folderKind;
  if (contentKind && contentKind !== 'unknown' && !(ggufArch && LLM_ARCHITECTURES.has(ggufArch)))
    return contentKind;
  if (ext === '.gguf') {
    if (ggufArch && LLM_ARCHITECTURES.has(ggufArch)) return folderKind === 'sd' ? 'sd' : 'llm';
    if (ggufArch && DIFFUSION_ARCHITECTURES.has(ggufArch)) return 'sd';
    // sd.cpp's own converter writes no general.architecture; unknown named ones are newer LLMs.
    return folderKind ?? (ggufArch ? 'llm' : 'sd');
  }
  if (folderKind) return folderKind;
  if (ext === '.safetensors' || ext === '.sft' || ext === '.ckpt') return 'sd';
  return 'unknown';
}
