/**
 * Runtime-side helpers shared by the diffusion executors (nodes/diffusion/*.run.ts): turn a node's
 * inputs + params into the sd worker's job payload (workers/sd/payload.ts) and the worker's result
 * into the node's image output. Runtime-only: the worker side of the contract is workers/sd/payload.ts.
 */
import { basename, dirname, extname, join } from 'node:path';
import type { ExecContext, ResolvedModel } from '../engine/executor';
import type { NewImage, PortValue } from '../engine/values';
import type { ProgressMsg } from '../../workers/protocol/messages';
import { OperationalError, UserError } from '../errors';
import { sentences } from '../../wire/errors';
import type { Mitigations } from '../../workers/sd/payload';
import { lineageModels, modelFolders, portableArgv } from './lineage';
import { FAMILY_NEEDS, stackProblems, type EncoderRole } from '../../nodes/diffusion/families';
import { preparedModel as prepared } from './models';
import { loraTags, stripLoraTags } from '../../workers/sd/lora-tags';

/** The params txt2img and img2img share (nodes/diffusion/sampling.ts). */
export interface SamplingParamsLike {
  model: string;
  vae: string;
  taesd: string;
  width: number;
  height: number;
  steps: number;
  cfgScale: number;
  sampler: string;
  scheduler: string;
  /** Decimal seed text (nodes/core/seed.ts) or 'random'; a number from older callers is accepted. */
  seed: string | number | 'random';
  batchCount: number;
  clipSkip: number;
  loras: { name: string; weight: number }[];
  /** Stack text encoders (registry refs; '' = none). Absent in older callers. */
  clipL?: string;
  clipG?: string;
  t5xxl?: string;
  llm?: string;
  guidance?: number;
  flowShift?: number;
  /** Run with sd-cli for live previews instead of the resident sd-server (issue 12). */
  livePreview?: boolean;
}

/** The CFG param's declared default: "left at default" for the family-default rule. */
const CFG_DEFAULT = 7;
const ENCODER_PARAMS = [
  ['clipL', 'clip_l', 'clipLPath'],
  ['clipG', 'clip_g', 'clipGPath'],
  ['t5xxl', 't5xxl', 't5xxlPath'],
  ['llm', 'llm', 'llmPath'],
] as const;

/**
 * Resolves the stack's text encoders and checks the stack against its family's needs
 * (nodes/diffusion/families.ts), then applies the family-aware params: `--diffusion-model` for a
 * standalone model, `--guidance` only for distilled-guidance families, `--flow-shift` only for
 * flow models (0 = auto), and the family's CFG (1 for guidance-distilled) when CFG is left at 7.
 * @throws UserError STACK_INCOMPLETE ("Flux needs a T5-XXL text encoder and a CLIP-L …")
 */
export function applyStack(
  ctx: ExecContext,
  node: string,
  model: ResolvedModel,
  params: SamplingParamsLike,
  payload: Record<string, unknown>,
  used: Record<string, ResolvedModel>,
): void {
  const have: Partial<Record<EncoderRole | 'vae', boolean>> = { vae: Boolean(params.vae) };
  for (const [param, role, key] of ENCODER_PARAMS) {
    const ref = params[param];
    if (!ref) continue;
    const m = (used[role] = prepared(ctx, param));
    payload[key] = m.path;
    have[role] = true;
  }
  const family = model.family ?? null;
  const problems = stackProblems({ family, component: model.component ?? null }, have);
  if (problems.length)
    throw new UserError(
      'STACK_INCOMPLETE',
      `${node}: ${problems.map((p) => p.message).join('; ')}`,
      { family, missing: problems.map((p) => p.field) },
    );
  if (model.component === 'diffusion_model') payload.modelRole = 'diffusion_model';
  const needs = family ? FAMILY_NEEDS[family] : undefined;
  if (needs?.distilledGuidance && params.guidance !== undefined) payload.guidance = params.guidance;
  if (needs?.flow && params.flowShift) payload.flowShift = params.flowShift;
  if (needs?.cfgScale !== undefined && params.cfgScale === CFG_DEFAULT)
    payload.cfgScale = needs.cfgScale;
}

/** Text of a text input, '' for an absent optional one. @throws UserError INPUT_MISSING when required and absent. */
export function textInput(
  v: PortValue | undefined,
  port: string,
  node: string,
  required: boolean,
): string {
  if (v && v.kind === 'text') return v.text;
  if (required) throw new UserError('INPUT_MISSING', `${node} needs text on its "${port}" input`);
  return '';
}

/** Path of an image input. @throws UserError INPUT_MISSING. */
export function imageInput(
  v: PortValue | undefined,
  node: string,
  port = 'image',
): { path: string; width?: number; height?: number } {
  if (v && v.kind === 'image')
    return {
      path: v.path,
      ...(v.width ? { width: v.width } : {}),
      ...(v.height ? { height: v.height } : {}),
    };
  throw new UserError('INPUT_MISSING', `${node} needs an image on its "${port}" input`);
}

/** Path of an optional image input; undefined when the port is unconnected. */
export function optionalImage(v: PortValue | undefined): string | undefined {
  return v && v.kind === 'image' ? v.path : undefined;
}

/** Forwards worker progress (minus the wire `type`) to the node's progress events. */
export function forwardProgress(ctx: ExecContext) {
  return ({ type: _type, ...p }: ProgressMsg) => ctx.progress(p);
}

/** The arbiter's mitigations, narrowed to the fields the sd worker understands. */
export function sdMitigations(m: Record<string, unknown> | undefined): Mitigations | undefined {
  if (!m) return undefined;
  const out: Mitigations = {};
  for (const k of ['vaeTiling', 'vaeOnCpu', 'clipOnCpu', 'offloadToCpu'] as const)
    if (m[k] === true) out[k] = true;
  if (typeof m.maxVramMb === 'number' && m.maxVramMb > 0) out.maxVramMb = m.maxVramMb;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Builds the txt2img/img2img payload from the node's prepared models (`ctx.models`: model, VAE,
 * TAESD and LoRAs, resolved by runtime/exec/models.ts). LoRAs are passed as `<lora:name:weight>`
 * tags looked up in one `--lora-model-dir` (the first LoRA's folder); a LoRA elsewhere is named by
 * its absolute path stem, which sd.cpp uses as is. When `used` is given, every file is recorded
 * there by role (`model`, `vae`, `taesd`, `lora:<ref>`) for lineage. Every `<lora:NAME:WEIGHT>` tag
 * in the prompt or negative text is resolved through the registry like the `loras` param, removed
 * from the text and passed as a resolved LoRA (workers/sd/lora-tags.ts; issue 18 #2).
 * @throws UserError MODEL_NOT_CONFIGURED when no model is chosen; the registry's errors for a tag
 *   (PATH_OUTSIDE_ROOT for `<lora:/etc/passwd:1>`, MODEL_NOT_FOUND, …); BAD_PARAMS for a tag
 *   weight that is not a number.
 */
export function genPayload(
  ctx: ExecContext,
  node: string,
  prompt: string,
  negative: string,
  params: SamplingParamsLike,
  used: Record<string, ResolvedModel> = {},
): Record<string, unknown> {
  const model = params.model ? ctx.models.model : undefined;
  if (!model) {
    throw new UserError('MODEL_NOT_CONFIGURED', sentences.modelNotConfigured(node, 'sd'));
  }
  used.model = model;
  // `<lora:NAME:W>` in the text goes through the registry like the loras param (issue 18 #2):
  // an unknown name or a path outside the model folders throws here, before any worker call.
  const tagged = [...loraTags(prompt), ...loraTags(negative)].map((t) => {
    const weight = Number(t.weight);
    if (!Number.isFinite(weight))
      throw new UserError('BAD_PARAMS', `${node}: the LoRA tag ${t.raw} has no numeric weight`, {
        tag: t.raw,
      });
    const name = t.name.trim();
    return { path: (used[`lora:${name}`] = ctx.registry.resolve(name, 'lora')).path, weight };
  });
  const payload: Record<string, unknown> = {
    prompt: stripLoraTags(prompt),
    negativePrompt: stripLoraTags(negative),
    modelPath: model.path,
    width: params.width,
    height: params.height,
    steps: params.steps,
    cfgScale: params.cfgScale,
    sampler: params.sampler,
    scheduler: params.scheduler,
    seed: params.seed === 'random' ? '-1' : String(params.seed),
    batchCount: params.batchCount,
    clipSkip: params.clipSkip,
    loras: [],
    outDir: ctx.paths.tmp,
    livePreview: params.livePreview === true,
  };
  if (params.vae) payload.vaePath = (used.vae = prepared(ctx, 'vae')).path;
  if (params.taesd) payload.taesdPath = (used.taesd = prepared(ctx, 'taesd')).path;
  applyStack(ctx, node, model, params, payload, used);
  if (params.loras.length || tagged.length) {
    const files = [
      ...params.loras.map((l) => ({
        path: (used[`lora:${l.name}`] = prepared(ctx, `lora:${l.name}`)).path,
        weight: l.weight,
      })),
      ...tagged,
    ];
    const loraDir = dirname(files[0]!.path);
    payload.loraDir = loraDir;
    payload.loras = files.map((f) => {
      const stem = basename(f.path, extname(f.path));
      return {
        name: dirname(f.path) === loraDir ? stem : join(dirname(f.path), stem),
        weight: f.weight,
      };
    });
  }
  const m = sdMitigations(ctx.mitigations);
  if (m) payload.mitigations = m;
  return payload;
}

/** One image as the worker reports it. */
interface WorkerImage {
  path: string;
  sha256: string;
  width: number;
  height: number;
  seed?: string;
}

/**
 * The node's `image` output from a worker result: the first image is the port value; images
 * 1 … N−1 of a batch go in `batch` (each with its own seed in `info.seed`, `info.batchIndex` k). `info` records the lineage (runtime/exec/lineage.ts):
 * the actual seed, sizes, `engine: {name, version}`, `argv` with portable paths (`<models>/…`,
 * data-folder-relative) and `models` (role → {id, file, sha256, autoV2, identity}) when `lineage`
 * gives the context and the models used.
 */
export function imageFromResult(
  output: Record<string, unknown>,
  extraInfo: Record<string, unknown>,
  lineage?: { ctx: Pick<ExecContext, 'registry' | 'paths'>; models: Record<string, ResolvedModel> },
): NewImage {
  const images = (output.images ?? []) as WorkerImage[];
  const first = images[0];
  if (!first) throw new OperationalError('ENGINE_FAILED', 'the sd worker returned no image');
  const engine = output.engine as { name?: string; version?: string; mode?: string } | undefined;
  const argv = Array.isArray(output.argv) ? (output.argv as string[]) : [];
  const info: Record<string, unknown> = {
    ...extraInfo,
    ...(first.seed !== undefined ? { seed: first.seed } : {}),
    sha256: first.sha256,
    // The binary's absolute path stays out of lineage: name + version identify the engine.
    engine: engine
      ? {
          name: engine.name,
          version: engine.version,
          ...(engine.mode ? { mode: engine.mode } : {}),
        }
      : undefined,
    argv: lineage ? portableArgv(argv, lineage.ctx.paths.home, modelFolders(lineage.ctx)) : argv,
    ...(lineage ? { models: lineageModels(lineage.ctx, lineage.models) } : {}),
  };
  for (const k of [
    'requested',
    'aligned',
    'warnings',
    'method',
    'modelFactor',
    'resizedTo',
    'previews',
    'inpaint',
  ])
    if (output[k] !== undefined) info[k] = output[k];
  // Resident mode: the sd-server start-up flags and the img_gen body (paths portable like argv).
  const server = output.server as
    { argv?: string[]; body?: Record<string, unknown>; started?: string } | undefined;
  if (server?.argv) {
    const port = (a: string) =>
      lineage ? portableArgv([a], lineage.ctx.paths.home, modelFolders(lineage.ctx))[0]! : a;
    const lora = Array.isArray(server.body?.lora)
      ? (server.body.lora as { path: string }[]).map((l) => ({ ...l, path: port(l.path) }))
      : undefined;
    info.server = {
      argv: server.argv.map(port),
      body: { ...server.body, ...(lora ? { lora } : {}) },
      ...(server.started ? { started: server.started } : {}),
    };
  }
  // Every image of a batch is kept: images 1 … N−1 become artifacts of their own (seed base+k each,
  // as sd.cpp logs them; sdcpp.md §1.1) and downstream nodes run once per image.
  const batch = images.slice(1).map((i) => {
    const { seed: _s, sha256: _h, ...shared } = info;
    return {
      kind: 'image' as const,
      tempPath: i.path,
      sha256: i.sha256,
      width: i.width,
      height: i.height,
      info: {
        ...shared,
        ...(i.seed !== undefined ? { seed: i.seed } : {}),
        sha256: i.sha256,
        batchIndex: images.indexOf(i),
      },
    };
  });
  if (batch.length) info.batchIndex = 0;
  return {
    kind: 'image',
    tempPath: first.path,
    sha256: first.sha256,
    width: first.width,
    height: first.height,
    info,
    ...(batch.length ? { batch } : {}),
  };
}
