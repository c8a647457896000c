/**
 * Preparing a node, once per execution: graph params → defaults applied and random seeds made
 * concrete → the preset merged in (runtime/exec/presets.ts applyPreset) → every model reference
 * resolved (runtime/exec/models.ts resolveNodeModels). The engine keys its cache on the result,
 * the VRAM arbiter estimates from it (runtime/arbiter/node-estimate.ts) and the executor runs with
 * it (`params` + `ctx.models` + `ctx.preset`), so the three can never disagree.
 */
import type { NodeSpec } from '../../nodes/core/define-node';
import { resolveParams } from '../engine/params';
import type { ResolvedModel } from './context';
import { resolveNodeModels, type ModelLookup } from './models';
import { applyPreset, presetFingerprint, type AppliedPreset, type PresetLookup } from './presets';
import { encoderRole } from '../../nodes/diffusion/families';

/** A node ready to be admitted and executed. */
export interface PreparedNode {
  spec: NodeSpec;
  /**
   * The node's own params, defaults applied and random seeds concrete: what the run records
   * (and provenance reads) and what the cache key hashes.
   */
  recorded: Record<string, unknown>;
  /** `recorded` with the preset merged in: what the executor and the estimate use. */
  params: Record<string, unknown>;
  preset: AppliedPreset | null;
  /** Role → file for every model reference of `params` (see resolveNodeModels). */
  models: Record<string, ResolvedModel>;
  /** Preset content for the cache key (undefined without a preset). */
  presetFingerprint?: string;
}

/** What preparation looks things up in. */
export interface PrepareEnv {
  resolveModel: ModelLookup;
  presets?: PresetLookup;
}

/**
 * Prepares one node from its graph params.
 * @throws UserError from param parsing, the preset (PRESET_NOT_FOUND, PRESET_INVALID,
 *   PRESETS_UNAVAILABLE) and the registry (MODEL_NOT_FOUND, MODEL_WRONG_KIND, …)
 */
export function prepareNode(
  spec: NodeSpec,
  raw: Record<string, unknown>,
  env: PrepareEnv,
): PreparedNode {
  return prepareParsed(spec, resolveParams(spec, raw), env);
}

/**
 * {@link prepareNode} for params already parsed and with their seeds resolved (kept as given):
 * the preset merge, then the model resolution.
 * @throws UserError as prepareNode
 */
export function prepareParsed(
  spec: NodeSpec,
  recorded: Record<string, unknown>,
  env: PrepareEnv,
): PreparedNode {
  // A preset's text encoders take the param of their role, read from the registry's family.
  const roleOf = (ref: string) => encoderRole(env.resolveModel(ref, 'text_encoder').family);
  const { params, preset } = applyPreset(spec, recorded, env.presets, roleOf);
  const models = resolveNodeModels(spec, params, env.resolveModel);
  const fp = presetFingerprint(preset);
  return { spec, recorded, params, preset, models, ...(fp ? { presetFingerprint: fp } : {}) };
}
