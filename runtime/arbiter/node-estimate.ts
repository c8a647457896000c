/**
 * The arbiter request for one worker node (design.md §6): which model it loads (from its params
 * or its preset), the weights and compute it needs (runtime/arbiter/estimate.ts), a preset's
 * measured footprint, and a display label. Pure apart from the two lookups it is given
 * (model registry, preset store), so it is unit-testable with plain objects.
 */
import type { NodeSpec } from '../../nodes/core/define-node';
import type { ResolvedModel } from '../engine/executor';
import { mergeLlmConfig } from '../llm/defaults';
import type { ImagePreset, LlmPreset, PresetStore } from '../store/presets';
import { estimateLlm, estimateSd, type WeightFile } from './estimate';
import { findPreset, mergePresetParams, presetKindFor } from '../exec/presets';
import type { SdBreakdown, WorkerKind } from './types';

const MIB = 1024 * 1024;

/** Registry facts about a resolved model: GGUF summary (`blockCount`, `embeddingLength`, …) and family. */
export interface ModelFacts {
  metadata: Record<string, unknown> | null;
  /** Registry family ("sdxl", "llama", …); null when unknown. */
  family: string | null;
}

export interface NodeEstimateDeps {
  facts: (m: ResolvedModel) => ModelFacts;
  /** Registry lookup for preset files (kinds as in ModelRegistry.resolve). */
  resolveModel?: (ref: string, kind: string) => ResolvedModel;
  presets?: PresetStore;
  /** config.json as loaded (its `llm.contextSize` is the LLM nodes' default context). */
  rawConfig?: Readonly<Record<string, unknown>>;
}

export interface NodeEstimate {
  worker: WorkerKind;
  /** Registry id of the main model ('' when none). */
  model: string;
  label: string;
  weightsBytes: number;
  computeBytes: number;
  sd?: SdBreakdown;
  /** A preset's measured footprint (bytes), when it has one. */
  measuredBytes?: number;
  preset?: { kind: 'image'; value: ImagePreset } | { kind: 'llm'; value: LlmPreset };
  /** LLM context size the job will create (tokens). */
  contextSize?: number;
}

const fileName = (m: ResolvedModel) => m.id.split('/').pop() ?? m.id;

function tryResolve(deps: NodeEstimateDeps, ref: string, kind: string): ResolvedModel | undefined {
  if (!ref || !deps.resolveModel) return undefined;
  return deps.resolveModel(ref, kind);
}

/**
 * Estimates one node. The node's own `model` param (resolved by the engine into `models`) is
 * used unless the node names a preset, whose files then count instead.
 * @throws UserError PRESET_NOT_FOUND and whatever the registry throws for a preset's files
 *   (MODEL_NOT_FOUND, …): the same errors the executor would raise, only earlier.
 */
export function estimateNode(
  req: { spec: NodeSpec; params: Record<string, unknown>; models: Record<string, ResolvedModel> },
  deps: NodeEstimateDeps,
): NodeEstimate {
  const worker = req.spec.worker as WorkerKind;
  const p = req.params as Record<string, number | string | undefined | unknown[]>;
  const presetRef = typeof p.preset === 'string' ? p.preset.trim() : '';
  const kind = presetKindFor(worker);
  let models = req.models;
  let preset: NodeEstimate['preset'];
  let params = p;
  if (presetRef && kind === 'image') {
    const value = findPreset(deps.presets, 'image', presetRef);
    preset = { kind: 'image', value };
    models = { ...models };
    delete models.vae;
    const main = tryResolve(deps, value.diffusionModel, 'sd');
    if (main) models.model = main;
    const vae = value.vae ? tryResolve(deps, value.vae, 'vae') : undefined;
    if (vae) models.vae = vae;
    // The same merge the executor does (presets.ts), so the estimate sees the size it will render.
    params = mergePresetParams(req.spec, p as Record<string, unknown>, value.params, { loras: value.loras.length ? value.loras : p.loras }, value.name) as typeof p;
  } else if (presetRef && kind === 'llm') {
    const value = findPreset(deps.presets, 'llm', presetRef);
    preset = { kind: 'llm', value };
    const main = tryResolve(deps, value.model, 'llm');
    models = main ? { ...models, model: main } : models;
  }
  const main = models.model;
  const measured = preset?.value.measuredVramBytes ?? undefined;
  const base = {
    worker, model: main?.id ?? '', label: preset?.value.name ?? (main ? fileName(main) : req.spec.title),
    ...(preset ? { preset } : {}), ...(measured && measured > 0 ? { measuredBytes: measured } : {}),
  };

  if (worker === 'llm') {
    const configured = mergeLlmConfig((deps.rawConfig as { llm?: unknown } | undefined)?.llm).contextSize;
    const wanted = preset?.kind === 'llm' ? preset.value.contextSize : configured;
    const meta = main ? deps.facts(main).metadata : null;
    const n = (k: string) => (meta && typeof meta[k] === 'number' ? (meta[k] as number) : undefined);
    // The worker caps the context to the model's trained length (workers/llm/engine.ts capContext).
    const contextSize = Math.min(wanted, n('contextLength') ?? wanted);
    const blocks = n('blockCount'), embd = n('embeddingLength'), heads = n('headCount');
    if (main && blocks !== undefined && embd !== undefined && heads !== undefined) {
      const kvHeads = n('headCountKv');
      const e = estimateLlm({ fileBytes: main.bytes, nLayers: blocks, contextSize, nEmbd: embd, nHead: heads, ...(kvHeads !== undefined ? { nHeadKv: kvHeads } : {}) });
      return { ...base, weightsBytes: e.weightsBytes, computeBytes: e.computeBytes, contextSize };
    }
    const fallback = req.spec.estimate?.(req.params);
    return { ...base, weightsBytes: main?.bytes ?? 0, computeBytes: fallback?.computeBytes ?? 64 * MIB, contextSize };
  }

  // LoRAs are merged into the diffusion weights at load: count their files with the model.
  let loraBytes = 0;
  for (const l of Array.isArray(params.loras) ? (params.loras as { name?: unknown }[]) : []) {
    if (typeof l?.name === 'string') loraBytes += tryResolve(deps, l.name, 'lora')?.bytes ?? 0;
  }
  const files: WeightFile[] = [
    ...(main ? [{ role: 'diffusion' as const, bytes: main.bytes + loraBytes }] : []),
    ...(models.vae ? [{ role: 'vae' as const, bytes: models.vae.bytes }] : []),
  ];
  const width = Number(params.width), height = Number(params.height);
  if (width > 0 && height > 0) {
    const facts = main ? deps.facts(main) : null;
    const family = facts?.family ?? (facts?.metadata?.architecture as string | undefined) ?? null;
    const e = estimateSd(files, { family, width, height, batchCount: Number(params.batchCount ?? 1), cfgScale: Number(params.cfgScale ?? 7) });
    return { ...base, weightsBytes: e.weightsBytes, computeBytes: e.computeBytes, sd: e.breakdown };
  }
  const fallback = req.spec.estimate?.(req.params);
  return { ...base, weightsBytes: files.reduce((a, f) => a + f.bytes, 0), computeBytes: fallback?.computeBytes ?? 256 * MIB };
}
