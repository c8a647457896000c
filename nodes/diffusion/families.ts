/**
 * Model stacks (issue 13 §1–2): what each diffusion family needs beside its diffusion model, by
 * text-encoder *role*, and which family-specific params apply. Browser-safe: the runtime checks a
 * stack before a run with it and the editor uses it to filter pickers and show params.
 *
 * Sources: stable-diffusion.cpp's docs per family (docs/flux.md, sd3.md, chroma.md, z_image.md,
 * qwen_image.md, flux2.md, wan.md, hidream.md at the commit sdcpp.md pins) and ComfyUI's loaders
 * (DualCLIPLoader flux = clip_l + t5xxl; TripleCLIPLoader sd3 = clip_l + clip_g + t5xxl;
 * QuadrupleCLIPLoader hidream = + llama). Family names are family.ts's.
 */

/** A text-encoder slot of a stack; the value is also sd.cpp's flag name (`--clip_l`, …). */
export type EncoderRole = 'clip_l' | 'clip_g' | 't5xxl' | 'llm';

export const ENCODER_ROLES: readonly EncoderRole[] = ['clip_l', 'clip_g', 't5xxl', 'llm'];

/** Human names of the roles, as messages and pickers show them. */
export const ROLE_LABEL: Record<EncoderRole, string> = {
  clip_l: 'CLIP-L',
  clip_g: 'CLIP-G',
  t5xxl: 'T5-XXL',
  llm: 'LLM (Qwen/Mistral/Llama)',
};

/** What a family needs and uses. */
export interface FamilyNeeds {
  label: string;
  /** Encoders a standalone diffusion model of this family cannot run without. */
  required: EncoderRole[];
  /** Encoders it can use when given. */
  optional: EncoderRole[];
  /** A standalone diffusion model needs a separate VAE. */
  needsVae: boolean;
  /** Takes sd.cpp's distilled guidance (`--guidance`). */
  distilledGuidance: boolean;
  /** A flow-matching model (`--flow-shift` applies). */
  flow: boolean;
  /** CFG to use when the node's CFG is left at its default (1 for guidance-distilled models). */
  cfgScale?: number;
  /** Width/height must be multiples of this (px). */
  sizeStep: number;
}

const unet = (label: string, required: EncoderRole[]): FamilyNeeds => ({
  label,
  required,
  optional: [],
  needsVae: true,
  distilledGuidance: false,
  flow: false,
  sizeStep: 64,
});
const dit = (
  label: string,
  o: Partial<FamilyNeeds> & Pick<FamilyNeeds, 'required'>,
): FamilyNeeds => ({
  label,
  optional: [],
  needsVae: true,
  distilledGuidance: false,
  flow: true,
  sizeStep: 16,
  ...o,
});

/** Needs per family (family.ts names). Full checkpoints carry their encoders and VAE. */
export const FAMILY_NEEDS: Record<string, FamilyNeeds> = {
  sd1: unet('SD 1.x', ['clip_l']),
  sd2: unet('SD 2.x', ['clip_l']),
  sdxl: unet('SDXL', ['clip_l', 'clip_g']),
  sd3: dit('SD3 / SD3.5', { required: ['clip_l', 'clip_g'], optional: ['t5xxl'] }),
  flux: dit('Flux', { required: ['t5xxl', 'clip_l'], distilledGuidance: true, cfgScale: 1 }),
  chroma: dit('Chroma', { required: ['t5xxl'] }),
  flux2: dit('Flux 2', { required: ['llm'], distilledGuidance: true, cfgScale: 1 }),
  'z-image': dit('Z-Image', { required: ['llm'], cfgScale: 1 }),
  'qwen-image': dit('Qwen-Image', { required: ['llm'] }),
  wan: dit('Wan', { required: ['t5xxl'] }),
  hidream: dit('HiDream', { required: ['clip_l', 'clip_g', 't5xxl', 'llm'] }),
};

/**
 * The role a text-encoder file plays, from its registry family (family.ts: `clip-l`, `clip-g`,
 * `t5`; GGUF/LLM architectures such as `qwen3`, `qwen2vl`, `mistral3`, `llama`, `gemma3`).
 * null when unknown (e.g. CLIP-H, which sd.cpp takes inside SD2 checkpoints only).
 */
export function encoderRole(family: string | null | undefined): EncoderRole | null {
  const f = (family ?? '').toLowerCase();
  if (f === 'clip-l') return 'clip_l';
  if (f === 'clip-g') return 'clip_g';
  if (f === 't5' || f === 't5xxl' || f === 'umt5' || f === 't5encoder') return 't5xxl';
  if (/^(qwen(\d|2vl|$)|mistral|llama|gemma|llm$)/.test(f)) return 'llm';
  return null;
}

/** The resolved main model of a stack, as the registry describes it. */
export interface StackModel {
  family: string | null;
  /** family.ts component: `checkpoint` (full file) or `diffusion_model` (standalone). */
  component: string | null;
}

/** English list: "a T5-XXL text encoder and a CLIP-L". */
function roleList(roles: EncoderRole[]): string {
  const names = roles.map((r, i) =>
    i === 0 ? `a ${ROLE_LABEL[r]} text encoder` : `a ${ROLE_LABEL[r]}`,
  );
  return names.length <= 1
    ? names.join('')
    : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * What is missing from a stack, as one sentence per problem (empty = runnable). Full checkpoints
 * need nothing more; a standalone diffusion model needs its family's required encoders and a VAE.
 * @param have which roles (and `vae`) the node fills
 */
export function stackProblems(
  model: StackModel,
  have: Partial<Record<EncoderRole | 'vae', boolean>>,
): { field: EncoderRole | 'vae'; message: string }[] {
  if (model.component !== 'diffusion_model' || !model.family) return [];
  const needs = FAMILY_NEEDS[model.family];
  if (!needs) return [];
  const missing = needs.required.filter((r) => !have[r]);
  const out: { field: EncoderRole | 'vae'; message: string }[] = [];
  if (missing.length)
    out.push({
      field: missing[0]!,
      message: `${needs.label} needs ${roleList(missing)}: choose ${missing.length === 1 ? 'it' : 'them'} in the node's text encoder fields`,
    });
  if (needs.needsVae && !have.vae)
    out.push({
      field: 'vae',
      message: `${needs.label} (a standalone diffusion model) needs a VAE: choose one in the node's VAE field`,
    });
  return out;
}
