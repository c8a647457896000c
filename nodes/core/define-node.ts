/**
 * The node declaration DSL: every node type is declared once with {@link defineNode} and read by
 * both the editor (widgets, handles, connection checks) and the runtime (validation, scheduling,
 * caching, the VRAM arbiter's estimate). Browser-safe: plain data and zod schemas only, no
 * `node:` imports (tests/unit/nodes/browser-safe.test.ts enforces it).
 *
 * Shape follows design.md §4; the idea of one description object shared by UI and executor is
 * n8n's `INodeTypeDescription`, the per-type version + migrations is InvokeAI's `version=`.
 */
import { z } from 'zod';
import { seedParamSchema } from './seed';

/** The value kinds that travel along edges. A connection is legal only between equal port types. */
export const PORT_TYPES = ['text', 'image', 'tags'] as const;
export type PortType = (typeof PORT_TYPES)[number];

/** A named input or output of a node. */
export interface PortSpec {
  type: PortType;
  /** An optional input may stay unconnected; outputs ignore this. */
  optional?: boolean;
  /** Short user-facing label; defaults to the port name. */
  label?: string;
}

/** Which worker process executes the node; `null` runs inside the runtime (e.g. save). */
export type WorkerKind = 'sd' | 'llm' | null;

/**
 * How the scheduler may reuse a node's outputs.
 * - `pure`: same cache key → same outputs (ComfyUI's default).
 * - `never`: always executes (InvokeAI `use_cache=False`, ComfyUI `NOT_IDEMPOTENT`).
 * - `fingerprint`: like pure, plus a fingerprint of external state (file size + mtime) that the
 *   runtime computes for the params named in `fingerprintParams` (ComfyUI's `IS_CHANGED`).
 */
export type CachePolicy = 'pure' | 'never' | { fingerprint: string[] };

/** Memory a node needs on its worker, in bytes; the arbiter adds weights and compute. */
export interface MemoryEstimate {
  /** Model weights resident on the worker (bytes). 0 when the node loads no model. */
  weightsBytes: number;
  /** Activations / KV cache / latents for this job (bytes). */
  computeBytes: number;
  /** The model the weights belong to (registry id or file name), if any. */
  model?: string;
}

/**
 * What a node cannot run without, beyond a valid graph. The editor checks these before Run
 * (editor/src/queue/preflight.ts), the runtime refuses the same at run time.
 */
export interface NodeRequirements {
  /**
   * A model picker param that must be set unless the node's `preset` param names a preset;
   * `nodeName` is how the runtime's "choose a model" sentence names the node.
   */
  model?: { param: string; nodeName: string };
  /**
   * Whether running the node starts stable-diffusion.cpp: always (`true`), or only when param
   * `whenSet` is non-empty and no param in `unless` has the listed value.
   */
  sdEngine?: true | { whenSet: string; unless?: Record<string, unknown> };
  /** A param naming the image the node reads (a generation id or a path); must be non-empty. */
  imageSource?: string;
  /**
   * Guide pairs (issue 14): an image input that is useless without its model param and the other
   * way round (a ControlNet image without a ControlNet model, …). Either half alone is
   * GUIDE_INCOMPLETE at submit and at run time ({@link guideProblems}).
   */
  guides?: GuidePair[];
}

/** One image-input + model-param pair of {@link NodeRequirements.guides}; `label` names it in sentences. */
export interface GuidePair {
  port: string;
  param: string;
  label: string;
  /** More params the model needs when set (IP-Adapter: the CLIP vision encoder). */
  alsoNeeds?: { param: string; label: string }[];
}

/**
 * The guide pairs of a node that are half set: `connected` = its input ports with an edge (or a
 * value), `params` its params. One sentence per problem, e.g. "a control image is connected but
 * no ControlNet model is chosen".
 */
export function guideProblems(
  req: NodeRequirements | undefined,
  connected: ReadonlySet<string>,
  params: Record<string, unknown>,
): { port: string; param: string; message: string }[] {
  const out: { port: string; param: string; message: string }[] = [];
  const set = (k: string) => typeof params[k] === 'string' && (params[k] as string).trim() !== '';
  for (const g of req?.guides ?? []) {
    const img = connected.has(g.port);
    const model = set(g.param);
    if (img && !model)
      out.push({
        port: g.port,
        param: g.param,
        message: `its ${g.label} image is connected but no ${g.label} model is chosen`,
      });
    else if (model && !img)
      out.push({
        port: g.port,
        param: g.param,
        message: `a ${g.label} model is chosen but no image is connected to its "${g.port}" input`,
      });
    if (model)
      for (const a of g.alsoNeeds ?? [])
        if (!set(a.param))
          out.push({
            port: g.port,
            param: a.param,
            message: `the ${g.label} model needs a ${a.label}`,
          });
  }
  return out;
}

/**
 * What a node is for, where the runtime or the editor must know it:
 * - `generator`: samples a new image; its params and prompts describe how an image was made
 *   (provenance of saved images, generation info of imported ones);
 * - `output`: ends a graph by storing its input (the image a `save` writes is the one that counts).
 */
export type NodeRole = 'generator' | 'output';

/** Editor hints beyond each param's own `.meta()`. */
export interface NodeUi {
  /** Widget per param where the schema's hint is a plain field (`{ source: 'image-source' }`). */
  widgets?: Record<string, string>;
  /** Shows the prompt-template picker under the params. */
  promptTemplates?: boolean;
}

/** A param migration: receives the params of version `from` and returns those of `from + 1`. */
export type ParamMigration = (params: Record<string, unknown>) => Record<string, unknown>;

/** The full declaration of one node type. */
export interface NodeSpec<P extends z.ZodObject = z.ZodObject> {
  /** Stable type name stored in graphs, e.g. `txt2img`. Part of the graph format. */
  type: string;
  /** Declaration version (integer ≥ 1). Graph nodes store it; older versions are migrated. */
  version: number;
  title: string;
  category: 'input' | 'text' | 'diffusion' | 'image' | 'output';
  /** User-facing documentation shown in the palette and on hover. Required. */
  description: string;
  inputs: Record<string, PortSpec>;
  outputs: Record<string, PortSpec>;
  /** zod object of params; every field has a default so a freshly dropped node is valid. */
  params: P;
  worker: WorkerKind;
  cache: CachePolicy;
  /** Migrations keyed by the version they upgrade *from*: `{1: v1 => v2}`. */
  migrate?: Record<number, ParamMigration>;
  /** Memory estimate for the arbiter (design.md §6). Runtime adds file-size based weights. */
  estimate?: (params: z.infer<P>) => MemoryEstimate;
  /**
   * The params the arbiter's image-size estimate reads (runtime/arbiter/estimate.ts estimateSd):
   * output size, batch count and CFG scale (CFG > 1 doubles the batch). Without it, or without a
   * positive size, the arbiter uses {@link estimate} for the compute part.
   */
  estimateFrom?: { width: string; height: string; batchCount?: string; cfgScale?: string };
  /** Pre-run requirements (see {@link NodeRequirements}). */
  requires?: NodeRequirements;
  role?: NodeRole;
  ui?: NodeUi;
}

/**
 * True when running a node with these declared requirements and params starts stable-diffusion.cpp
 * (read by the editor's pre-run check and by executors that can also run without it).
 */
export function needsSdEngine(
  req: NodeRequirements | undefined,
  params: Record<string, unknown>,
): boolean {
  const sd = req?.sdEngine;
  if (!sd) return false;
  if (sd === true) return true;
  const set = params[sd.whenSet];
  if (typeof set !== 'string' || !set.trim()) return false;
  return !Object.entries(sd.unless ?? {}).some(([k, v]) => params[k] === v);
}

/** How the runtime's "choose a model" sentence names a node: its declared `requires.model.nodeName`, else its title. */
export function modelNodeName(spec: Pick<NodeSpec, 'title' | 'requires'>): string {
  return spec.requires?.model?.nodeName ?? spec.title;
}

/** Params type inferred from a spec. */
export type ParamsOf<S extends NodeSpec> = z.infer<S['params']>;

/**
 * Declares a node type. Checks the declaration's own consistency at module load so a bad spec
 * fails the first test that imports it rather than a user's run.
 *
 * @throws Error when the version is not a positive integer or a param has no default.
 */
export function defineNode<P extends z.ZodObject>(spec: NodeSpec<P>): NodeSpec<P> {
  if (!Number.isInteger(spec.version) || spec.version < 1) {
    throw new Error(`node ${spec.type}: version must be a positive integer`);
  }
  const defaults = spec.params.safeParse({});
  if (!defaults.success) {
    throw new Error(`node ${spec.type}: every param needs a default (${defaults.error.message})`);
  }
  return Object.freeze(spec) as NodeSpec<P>;
}

/** UI hints carried in each param's zod `.meta()` and so in the served JSON Schema. */
export interface UiHints {
  /** Widget the editor renders; inferred from the schema when absent. */
  widget?:
    'textarea' | 'slider' | 'number' | 'select' | 'seed' | 'model' | 'text' | 'toggle' | 'loras';
  /** Slider/number step. */
  step?: number;
  /** Which registry kind a model picker lists. */
  modelKind?:
    | 'sd'
    | 'llm'
    | 'vae'
    | 'lora'
    | 'upscaler'
    | 'taesd'
    | 'text_encoder'
    | 'controlnet'
    | 'ipadapter'
    | 'clip_vision';
  /** Param group of the node's panel (`Inpainting`, `ControlNet`, `Reference`, `Hires fix`): shown folded. */
  group?: string;
  /** For a text-encoder picker: the stack role it fills (nodes/diffusion/families.ts); the list shows files of that role. */
  encoderRole?: 'clip_l' | 'clip_g' | 't5xxl' | 'llm';
  /** Show the param only for these model families (nodes/diffusion/families.ts flags), e.g. `distilledGuidance`. */
  onlyFor?: 'distilledGuidance' | 'flow';
  /** Human labels for enum values. */
  labels?: Record<string, string>;
  label?: string;
  description?: string;
}

/** Param helpers: zod schemas with defaults and UI hints, so declarations stay one-liners. */
export const p = {
  /** An integer with bounds (inclusive). */
  int: (d: number, min: number, max: number, ui: UiHints = {}) =>
    z
      .number()
      .int()
      .min(min)
      .max(max)
      .default(d)
      .meta({ widget: 'number', step: 1, ...ui }),
  /** A float with bounds (inclusive) and slider step. */
  float: (d: number, min: number, max: number, step: number, ui: UiHints = {}) =>
    z
      .number()
      .min(min)
      .max(max)
      .default(d)
      .meta({ widget: 'slider', step, ...ui }),
  /** Free text; multi-line when `widget: 'textarea'`. */
  text: (d: string, ui: UiHints = {}, maxLength = 20_000) =>
    z
      .string()
      .max(maxLength)
      .default(d)
      .meta({ widget: 'text', ...ui }),
  /** One of a fixed set of strings. */
  choice: <const T extends readonly [string, ...string[]]>(
    values: T,
    d: T[number],
    ui: UiHints = {},
  ) =>
    z
      .enum(values)
      .default(d as never)
      .meta({ widget: 'select', ...ui }),
  /**
   * A seed: an exact integer 0 … 2^63−1 as a decimal string (a safe-integer number is accepted and
   * normalised), or `"random"` (resolved and recorded before hashing). See nodes/core/seed.ts.
   */
  seed: (ui: UiHints = {}) =>
    seedParamSchema()
      .default('random')
      .meta({ widget: 'seed', ...ui }),
  /** A model reference: registry id or file name relative to a model folder; empty = unset. */
  model: (kind: NonNullable<UiHints['modelKind']>, ui: UiHints = {}) =>
    z
      .string()
      .max(1024)
      .default('')
      .meta({ widget: 'model', modelKind: kind, ...ui }),
  bool: (d: boolean, ui: UiHints = {}) =>
    z
      .boolean()
      .default(d)
      .meta({ widget: 'toggle', ...ui }),
};

export { MAX_SEED, MAX_SEED_STRING } from './seed';
