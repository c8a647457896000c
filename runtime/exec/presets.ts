/**
 * Model presets in nodes (issue 5 §6): a txt2img/img2img node's `preset` param names an image
 * preset, an llm-enhance/tag node's names an LLM preset (by id or by name). Shared by the
 * executors (which take the files and default params from the preset) and the admission control
 * (which estimates from the preset's files and uses its measured footprint).
 *
 * Precedence: the preset's files (diffusion model, VAE, LoRAs; GGUF model) replace the node's;
 * the preset's default params apply to every param the node leaves at its schema default, so a
 * value the user changed on the node wins over the preset. Unknown keys in a preset's params are
 * ignored; a preset whose params do not fit the node's schema is refused (PRESET_INVALID).
 */
import type { NodeSpec } from '../../nodes/core/define-node';
import { UserError } from '../errors';
import type { ImagePreset, LlmPreset, PresetStore } from '../store/presets';

export type PresetKind = 'image' | 'llm';

/** The PresetStore the runtime puts in `ctx.services.presets` (absent in bare executor tests). */
export function presetStoreOf(services: Record<string, unknown>): PresetStore | undefined {
  const s = services.presets as PresetStore | undefined;
  return s && typeof s.getImage === 'function' ? s : undefined;
}

/**
 * Looks a preset up by id, then by name.
 * @throws UserError PRESET_NOT_FOUND (404) when neither matches; PRESETS_UNAVAILABLE when the
 *   runtime has no preset store.
 */
export function findPreset(store: PresetStore | undefined, kind: 'image', ref: string): ImagePreset;
export function findPreset(store: PresetStore | undefined, kind: 'llm', ref: string): LlmPreset;
export function findPreset(store: PresetStore | undefined, kind: PresetKind, ref: string): ImagePreset | LlmPreset {
  if (!store) throw new UserError('PRESETS_UNAVAILABLE', `this node names the ${kind} preset "${ref}", but presets are not available here`);
  const p = kind === 'image' ? (store.getImage(ref) ?? store.getImageByName(ref)) : (store.getLlm(ref) ?? store.getLlmByName(ref));
  if (!p) {
    throw new UserError('PRESET_NOT_FOUND', `no ${kind === 'image' ? 'image' : 'LLM'} preset "${ref}": pick one from /api/presets/${kind} or clear the node's Preset field`, { kind, ref }, 404);
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
export function mergePresetParams<P extends Record<string, unknown>>(spec: NodeSpec, params: P, defaults: Record<string, unknown>, files: Record<string, unknown>, presetName: string): P {
  const schemaDefaults = spec.params.parse({}) as Record<string, unknown>;
  const merged: Record<string, unknown> = { ...params };
  for (const [k, v] of Object.entries(defaults)) {
    if (k === 'preset' || !(k in schemaDefaults)) continue;
    if (same(params[k], schemaDefaults[k])) merged[k] = v;
  }
  Object.assign(merged, files);
  const r = spec.params.safeParse(merged);
  if (!r.success) {
    throw new UserError('PRESET_INVALID', `preset "${presetName}" does not fit the ${spec.title} node: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  // A seed the engine already made concrete is never at its default ('random'), so it stays.
  return r.data as P;
}

/**
 * A diffusion node's params with its image preset applied (unchanged when `preset` is empty).
 * Text encoders of the preset are counted by the arbiter but not passed to sd.cpp yet (the sd
 * worker's payload has no text-encoder fields).
 */
export function withImagePreset<P extends { preset?: string; model: string; vae: string; loras: { name: string; weight: number }[] }>(
  spec: NodeSpec, params: P, store: PresetStore | undefined,
): { params: P; preset: ImagePreset | null } {
  const ref = params.preset?.trim();
  if (!ref) return { params, preset: null };
  const preset = findPreset(store, 'image', ref);
  const files = { model: preset.diffusionModel, vae: preset.vae ?? '', loras: preset.loras.length ? preset.loras : params.loras };
  return { params: mergePresetParams(spec, params, preset.params, files, preset.name), preset };
}

/** An LLM node's params with its LLM preset applied; `contextSize` is the preset's (else undefined). */
export function withLlmPreset<P extends { preset?: string; model: string }>(
  spec: NodeSpec, params: P, store: PresetStore | undefined,
): { params: P; preset: LlmPreset | null; contextSize?: number } {
  const ref = params.preset?.trim();
  if (!ref) return { params, preset: null };
  const preset = findPreset(store, 'llm', ref);
  return { params: mergePresetParams(spec, params, preset.params, { model: preset.model }, preset.name), preset, contextSize: preset.contextSize };
}

/** Cache fingerprint of a node's preset: its content, so editing a preset invalidates cached outputs. */
export function presetFingerprint(services: Record<string, unknown>, kind: PresetKind, ref: string | undefined): string | undefined {
  const r = ref?.trim();
  if (!r) return undefined;
  const store = presetStoreOf(services);
  const p = store ? (kind === 'image' ? (store.getImage(r) ?? store.getImageByName(r)) : (store.getLlm(r) ?? store.getLlmByName(r))) : undefined;
  if (!p) return `preset:${kind}:${r}:missing`;
  const { measuredVramBytes: _m, createdAt: _c, updatedAt: _u, ...content } = p;
  return `preset:${kind}:${JSON.stringify(content)}`;
}
