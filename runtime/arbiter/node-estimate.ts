/**
 * The arbiter request for one worker node (design.md §6): which model it loads, the weights and
 * compute it needs (runtime/arbiter/estimate.ts), a preset's measured footprint, and a display
 * label — all read from the node as prepared for execution (runtime/exec/prepare.ts: preset
 * merged, models resolved), so the estimate sees exactly what the executor will run. Pure apart
 * from the registry facts it is given, so it is unit-testable with plain objects.
 */
import type { ResolvedModel } from '../engine/executor';
import { mergeLlmConfig } from '../llm/defaults';
import type { PreparedNode } from '../exec/prepare';
import type { AppliedPreset } from '../exec/presets';
import { estimateLlm, estimateSd, type WeightFile } from './estimate';
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
  preset?: AppliedPreset;
  /** LLM context size the job will create (tokens). */
  contextSize?: number;
}

const fileName = (m: ResolvedModel) => m.id.split('/').pop() ?? m.id;

/**
 * Estimates one prepared node: its resolved models (the preset's files when it names a preset)
 * and its merged params. Throws nothing of its own: preparation already raised every user error.
 */
export function estimateNode(req: { node: PreparedNode }, deps: NodeEstimateDeps): NodeEstimate {
  const { spec, models } = req.node;
  const worker = spec.worker as WorkerKind;
  const params = req.node.params as Record<string, number | string | undefined | unknown[]>;
  const preset = req.node.preset ?? undefined;
  const main = models.model;
  const measured = preset?.value.measuredVramBytes ?? undefined;
  const base = {
    worker,
    model: main?.id ?? '',
    label: preset?.value.name ?? (main ? fileName(main) : spec.title),
    ...(preset ? { preset } : {}),
    ...(measured && measured > 0 ? { measuredBytes: measured } : {}),
  };

  if (worker === 'llm') {
    const configured = mergeLlmConfig(
      (deps.rawConfig as { llm?: unknown } | undefined)?.llm,
    ).contextSize;
    const wanted = preset?.kind === 'llm' ? preset.value.contextSize : configured;
    const meta = main ? deps.facts(main).metadata : null;
    const n = (k: string) =>
      meta && typeof meta[k] === 'number' ? (meta[k] as number) : undefined;
    // The worker caps the context to the model's trained length (workers/llm/engine.ts capContext).
    const contextSize = Math.min(wanted, n('contextLength') ?? wanted);
    const blocks = n('blockCount'),
      embd = n('embeddingLength'),
      heads = n('headCount');
    if (main && blocks !== undefined && embd !== undefined && heads !== undefined) {
      const kvHeads = n('headCountKv');
      const e = estimateLlm({
        fileBytes: main.bytes,
        nLayers: blocks,
        contextSize,
        nEmbd: embd,
        nHead: heads,
        ...(kvHeads !== undefined ? { nHeadKv: kvHeads } : {}),
      });
      return { ...base, weightsBytes: e.weightsBytes, computeBytes: e.computeBytes, contextSize };
    }
    const fallback = spec.estimate?.(params);
    return {
      ...base,
      weightsBytes: main?.bytes ?? 0,
      computeBytes: fallback?.computeBytes ?? 64 * MIB,
      contextSize,
    };
  }

  // LoRAs are merged into the diffusion weights at load: count their files with the model.
  let loraBytes = 0;
  for (const [role, m] of Object.entries(models))
    if (role.startsWith('lora:')) loraBytes += m.bytes;
  // Guide models (issue 14) run beside the diffusion model: ControlNet and IP-Adapter weights with
  // it, the CLIP vision encoder with the text encoders.
  for (const role of ['controlNet', 'ipAdapter'])
    if (models[role] && (role !== 'ipAdapter' || models.clipVision))
      loraBytes += models[role]!.bytes;
  const files: WeightFile[] = [
    ...(main ? [{ role: 'diffusion' as const, bytes: main.bytes + loraBytes }] : []),
    ...(models.vae ? [{ role: 'vae' as const, bytes: models.vae.bytes }] : []),
    // Stack text encoders (clipL, clipG, t5xxl, llm; a preset's are merged into them): every file sd.cpp loads.
    ...Object.entries(models)
      .filter(
        ([k]) =>
          k === 'clipL' || k === 'clipG' || k === 't5xxl' || k === 'llm' || k === 'clipVision',
      )
      .map(([, m]) => ({ role: 'textEncoder' as const, bytes: m.bytes })),
  ];
  // Which params give the output size etc. is the declaration's to say (NodeSpec.estimateFrom).
  const from = spec.estimateFrom;
  let width = from ? Number(params[from.width]) : 0,
    height = from ? Number(params[from.height]) : 0;
  // A hires fix samples its second pass at the larger size: that pass sets the peak.
  const hires = hiresSize(params, width, height);
  if (hires) ({ width, height } = hires);
  if (from && width > 0 && height > 0) {
    const facts = main ? deps.facts(main) : null;
    const family = facts?.family ?? (facts?.metadata?.architecture as string | undefined) ?? null;
    const num = (name: string | undefined, d: number) =>
      Number((name ? params[name] : undefined) ?? d);
    const e = estimateSd(files, {
      family,
      width,
      height,
      batchCount: num(from.batchCount, 1),
      cfgScale: num(from.cfgScale, 7),
    });
    return { ...base, weightsBytes: e.weightsBytes, computeBytes: e.computeBytes, sd: e.breakdown };
  }
  const fallback = spec.estimate?.(params);
  return {
    ...base,
    weightsBytes: files.reduce((a, f) => a + f.bytes, 0),
    computeBytes: fallback?.computeBytes ?? 256 * MIB,
  };
}

/**
 * The hires fix's second-pass size (txt2img's Hires fix params, nodes/diffusion/guide.ts): the
 * target size when both are set, else first pass × scale; undefined when the fix is off.
 */
export function hiresSize(
  params: Record<string, unknown>,
  width: number,
  height: number,
): { width: number; height: number } | undefined {
  if (params.hiresFix !== true || !(width > 0 && height > 0)) return undefined;
  const w = Number(params.hiresWidth ?? 0);
  const h = Number(params.hiresHeight ?? 0);
  if (w > 0 && h > 0) return { width: Math.max(w, width), height: Math.max(h, height) };
  const k = Math.max(1, Number(params.hiresScale ?? 2));
  return { width: Math.round(width * k), height: Math.round(height * k) };
}
