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
import { preparedModel as prepared } from './models';

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
  seed: number | 'random';
  batchCount: number;
  clipSkip: number;
  loras: { name: string; weight: number }[];
  /** Run with sd-cli for live previews instead of the resident sd-server (issue 12). */
  livePreview?: boolean;
}

/** Text of a text input, '' for an absent optional one. @throws UserError INPUT_MISSING when required and absent. */
export function textInput(v: PortValue | undefined, port: string, node: string, required: boolean): string {
  if (v && v.kind === 'text') return v.text;
  if (required) throw new UserError('INPUT_MISSING', `${node} needs text on its "${port}" input`);
  return '';
}

/** Path of an image input. @throws UserError INPUT_MISSING. */
export function imageInput(v: PortValue | undefined, node: string): { path: string; width?: number; height?: number } {
  if (v && v.kind === 'image') return { path: v.path, ...(v.width ? { width: v.width } : {}), ...(v.height ? { height: v.height } : {}) };
  throw new UserError('INPUT_MISSING', `${node} needs an image on its "image" input`);
}

/** Forwards worker progress (minus the wire `type`) to the node's progress events. */
export function forwardProgress(ctx: ExecContext) {
  return ({ type: _type, ...p }: ProgressMsg) => ctx.progress(p);
}

/** The arbiter's mitigations, narrowed to the fields the sd worker understands. */
export function sdMitigations(m: Record<string, unknown> | undefined): Mitigations | undefined {
  if (!m) return undefined;
  const out: Mitigations = {};
  for (const k of ['vaeTiling', 'vaeOnCpu', 'clipOnCpu', 'offloadToCpu'] as const) if (m[k] === true) out[k] = true;
  if (typeof m.maxVramMb === 'number' && m.maxVramMb > 0) out.maxVramMb = m.maxVramMb;
  return Object.keys(out).length ? out : undefined;
}

/**
 * Builds the txt2img/img2img payload from the node's prepared models (`ctx.models`: model, VAE,
 * TAESD and LoRAs, resolved by runtime/exec/models.ts). LoRAs are passed as `<lora:name:weight>`
 * tags looked up in one `--lora-model-dir` (the first LoRA's folder); a LoRA elsewhere is named by
 * its absolute path stem, which sd.cpp uses as is. When `used` is given, every file is recorded
 * there by role (`model`, `vae`, `taesd`, `lora:<ref>`) for lineage.
 * @throws UserError MODEL_NOT_CONFIGURED when no model is chosen.
 */
export function genPayload(ctx: ExecContext, node: string, prompt: string, negative: string, params: SamplingParamsLike, used: Record<string, ResolvedModel> = {}): Record<string, unknown> {
  const model = params.model ? ctx.models.model : undefined;
  if (!model) {
    throw new UserError('MODEL_NOT_CONFIGURED', sentences.modelNotConfigured(node, 'sd'));
  }
  used.model = model;
  const payload: Record<string, unknown> = {
    prompt,
    negativePrompt: negative,
    modelPath: model.path,
    width: params.width,
    height: params.height,
    steps: params.steps,
    cfgScale: params.cfgScale,
    sampler: params.sampler,
    scheduler: params.scheduler,
    seed: params.seed === 'random' ? -1 : params.seed,
    batchCount: params.batchCount,
    clipSkip: params.clipSkip,
    loras: [],
    outDir: ctx.paths.tmp,
    livePreview: params.livePreview === true,
  };
  if (params.vae) payload.vaePath = (used.vae = prepared(ctx, 'vae')).path;
  if (params.taesd) payload.taesdPath = (used.taesd = prepared(ctx, 'taesd')).path;
  if (params.loras.length) {
    const files = params.loras.map((l) => ({ path: (used[`lora:${l.name}`] = prepared(ctx, `lora:${l.name}`)).path, weight: l.weight }));
    const loraDir = dirname(files[0]!.path);
    payload.loraDir = loraDir;
    payload.loras = files.map((f) => {
      const stem = basename(f.path, extname(f.path));
      return { name: dirname(f.path) === loraDir ? stem : join(dirname(f.path), stem), weight: f.weight };
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
  seed?: number;
}

/**
 * The node's `image` output from a worker result: the first image is the port value; the others
 * of a batch go in `info.batch` (paths + seeds). `info` records the lineage (runtime/exec/lineage.ts):
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
    engine: engine ? { name: engine.name, version: engine.version, ...(engine.mode ? { mode: engine.mode } : {}) } : undefined,
    argv: lineage ? portableArgv(argv, lineage.ctx.paths.home, modelFolders(lineage.ctx)) : argv,
    ...(lineage ? { models: lineageModels(lineage.ctx, lineage.models) } : {}),
  };
  for (const k of ['requested', 'aligned', 'warnings', 'method', 'modelFactor', 'resizedTo', 'previews']) if (output[k] !== undefined) info[k] = output[k];
  // Resident mode: the sd-server start-up flags and the img_gen body (paths portable like argv).
  const server = output.server as { argv?: string[]; body?: Record<string, unknown>; started?: string } | undefined;
  if (server?.argv) {
    const port = (a: string) => (lineage ? portableArgv([a], lineage.ctx.paths.home, modelFolders(lineage.ctx))[0]! : a);
    const lora = Array.isArray(server.body?.lora) ? (server.body.lora as { path: string }[]).map((l) => ({ ...l, path: port(l.path) })) : undefined;
    info.server = { argv: server.argv.map(port), body: { ...server.body, ...(lora ? { lora } : {}) }, ...(server.started ? { started: server.started } : {}) };
  }
  if (images.length > 1) info.batch = images.slice(1).map((i) => ({ path: i.path, sha256: i.sha256, seed: i.seed, width: i.width, height: i.height }));
  return { kind: 'image', tempPath: first.path, sha256: first.sha256, width: first.width, height: first.height, info };
}
