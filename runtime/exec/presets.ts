/**
 * Model presets in nodes (issue 5 §6): a txt2img/img2img node's `preset` param names an image
 * preset, an llm-enhance/tag node's names an LLM preset (by id or by name). Merged once, when the
 * node is prepared (runtime/exec/prepare.ts): the executor receives the merged params and the
 * admission control estimates from the same ones (and uses the preset's measured footprint).
 *
 * Precedence: the preset's files (diffusion model, VAE, LoRAs; GGUF model) replace the node's;
 * the preset's default params apply to every param the node leaves at its schema default, so a
 * value the user changed on the node wins over the preset. Unknown keys in a preset's params are
 * ignored; a preset whose params do not fit the node's schema is refused (PRESET_INVALID).
 */
import type { NodeSpec } from '../../nodes/core/define-node';
import { UserError } from '../errors';
import type { ImagePreset, LlmPreset, PresetStore } from '../store/presets';
import type { EncoderRole } from '../../nodes/diffusion/families';

export type PresetKind = 'image' | 'llm';

/** The preset lookups preparation needs (runtime/store/presets.ts PresetStore). */
export type PresetLookup = Pick<
  PresetStore,
  'getImage' | 'getImageByName' | 'getLlm' | 'getLlmByName'
>;

/** A preset a node's params were merged with. */
export type AppliedPreset =
  { kind: 'image'; value: ImagePreset } | { kind: 'llm'; value: LlmPreset };

/**
 * Looks a preset up by id, then by name.
 * @throws UserError PRESET_NOT_FOUND (404) when neither matches; PRESETS_UNAVAILABLE when the
 *   runtime has no preset store.
 */
export function findPreset(
  store: PresetLookup | undefined,
  kind: 'image',
  ref: string,
): ImagePreset;
export function findPreset(store: PresetLookup | undefined, kind: 'llm', ref: string): LlmPreset;
export function findPreset(
  store: PresetLookup | undefined,
  kind: PresetKind,
  ref: string,
): ImagePreset | LlmPreset {
  if (!store)
    throw new UserError(
      'PRESETS_UNAVAILABLE',
      `this node names the ${kind} preset "${ref}", but presets are not available here`,
    );
  const p =
    kind === 'image'
      ? (store.getImage(ref) ?? store.getImageByName(ref))
      : (store.getLlm(ref) ?? store.getLlmByName(ref));
  if (!p) {
    throw new UserError(
      'PRESET_NOT_FOUND',
      `no ${kind === 'image' ? 'image' : 'LLM'} preset "${ref}": pick one from /api/presets/${kind} or clear the node's Preset field`,
      { kind, ref },
      404,
    );
  }
  return p;
}

/** The preset kind a node's worker uses. */
export function presetKindFor(worker: string | null | undefined): PresetKind | null {
  return worker === 'sd' ? 'image' : worker === 'llm' ? 'llm' : null;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Applies `defaults` (a preset's params) to the params the node left at its schema default, plus
 * `files` unconditionally, and re-validates the result with the node's schema.
 * @throws UserError PRESET_INVALID when the merged params do not validate.
 */
function mergePresetParams(
  spec: NodeSpec,
  params: Record<string, unknown>,
  defaults: Record<string, unknown>,
  files: Record<string, unknown>,
  presetName: string,
): Record<string, unknown> {
  const schemaDefaults = spec.params.parse({}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...params };
  for (const [k, v] of Object.entries(defaults)) {
    if (k === 'preset' || !(k in schemaDefaults)) continue;
    if (same(params[k], schemaDefaults[k])) merged[k] = v;
  }
  Object.assign(merged, files);
  const r = spec.params.safeParse(merged);
  if (!r.success) {
    throw new UserError(
      'PRESET_INVALID',
      `preset "${presetName}" does not fit the ${spec.title} node: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  // A seed the engine already made concrete is never at its default ('random'), so it stays.
  return r.data as Record<string, unknown>;
}

/**
 * THE preset merge: a node's params with the preset its `preset` param names applied, or the
 * params unchanged (preset null) when it names none or the node's worker has no preset kind.
 * Image presets (sd worker) bring the diffusion model, the VAE and — when they list any — the
 * LoRAs; LLM presets bring the GGUF model (their context size is read from `preset.value`).
 * An image preset holds a whole stack: each of its text encoders goes into the param of its role
 * (`roleOf`: the registry's family → role, nodes/diffusion/families.ts; clipL, clipG, t5xxl, llm).
 * @throws UserError PRESET_NOT_FOUND / PRESETS_UNAVAILABLE (findPreset), PRESET_INVALID (also a
 *   text encoder of unknown role, or two for one role)
 */
export function applyPreset(
  spec: NodeSpec,
  params: Record<string, unknown>,
  store: PresetLookup | undefined,
  roleOf?: (ref: string) => EncoderRole | null,
): { params: Record<string, unknown>; preset: AppliedPreset | null } {
  const ref = typeof params.preset === 'string' ? params.preset.trim() : '';
  const kind = presetKindFor(spec.worker);
  if (!ref || !kind) return { params, preset: null };
  if (kind === 'image') {
    const value = findPreset(store, 'image', ref);
    const encoders: Record<string, string> = {};
    for (const te of value.textEncoders) {
      const role = roleOf?.(te);
      if (!role)
        throw new UserError(
          'PRESET_INVALID',
          `preset "${value.name}": text encoder "${te}" is not a known CLIP-L, CLIP-G, T5-XXL or LLM encoder`,
        );
      const param = ROLE_PARAM[role];
      if (encoders[param])
        throw new UserError(
          'PRESET_INVALID',
          `preset "${value.name}": two text encoders for the ${role} role ("${encoders[param]}", "${te}")`,
        );
      encoders[param] = te;
    }
    const files = {
      model: value.diffusionModel,
      vae: value.vae ?? '',
      loras: value.loras.length ? value.loras : params.loras,
      ...encoders,
    };
    return {
      params: mergePresetParams(spec, params, value.params, files, value.name),
      preset: { kind, value },
    };
  }
  const value = findPreset(store, 'llm', ref);
  return {
    params: mergePresetParams(spec, params, value.params, { model: value.model }, value.name),
    preset: { kind, value },
  };
}

/** Stack param of each text-encoder role (nodes/diffusion/sampling.ts). */
const ROLE_PARAM: Record<EncoderRole, string> = {
  clip_l: 'clipL',
  clip_g: 'clipG',
  t5xxl: 't5xxl',
  llm: 'llm',
};

/** Cache fingerprint of an applied preset: its content, so editing a preset invalidates cached outputs. */
export function presetFingerprint(applied: AppliedPreset | null): string | undefined {
  if (!applied) return undefined;
  const { measuredVramBytes: _m, createdAt: _c, updatedAt: _u, ...content } = applied.value;
  return `preset:${applied.kind}:${JSON.stringify(content)}`;
}
