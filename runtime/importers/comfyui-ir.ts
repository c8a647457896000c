/**
 * ComfyUI's two graph formats (anchors-mission.md §2.2) read into one intermediate form: the
 * API "prompt" shape (named inputs, links as refs) plus what only the UI format has (positions,
 * titles, modes, slot types). The UI reader resolves widgets by name (from the paired API prompt
 * when there is one, else by position with the frontend-only `control_after_generate` skipped),
 * handles v0.4 array links and v1 object links, and expands subgraphs.
 */
import { UserError } from '../errors';
import type { Position } from './build';

/** A link to output `slot` of node `node`. */
export class Ref {
  constructor(
    readonly node: string,
    readonly slot: number,
  ) {}
}

export interface IrNode {
  id: string;
  classType: string;
  /** Named inputs: literals or {@link Ref}s. */
  inputs: Record<string, unknown>;
  position?: Position;
  title?: string;
  /** 0 normal, 2 muted (never runs), 4 bypassed (inputs pass through). */
  mode: number;
  /** Output slot types (UI format only), e.g. ['MODEL', 'CLIP', 'VAE']. */
  outputTypes?: string[];
  /** Input name → slot type (UI format only). */
  inputTypes?: Record<string, string>;
  /** Output names by slot (UI format only). */
  outputNames?: string[];
  /** The source object, kept for placeholders. */
  original: unknown;
}

export interface IrGraph {
  nodes: Map<string, IrNode>;
  /** Note / MarkdownNote texts (UI-only). */
  notes: Array<{ id: string; text: string; position?: Position }>;
  warnings: string[];
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for `[source_id, output_index]`, the API format's link. */
function isApiLink(v: unknown): v is [string | number, number] {
  return (
    Array.isArray(v) &&
    v.length === 2 &&
    (typeof v[0] === 'string' || typeof v[0] === 'number') &&
    Number.isInteger(v[1])
  );
}

/** True when the JSON looks like an API prompt: an object of `{class_type, inputs}` values. */
export function isComfyApiPrompt(v: unknown): v is Record<string, Json> {
  if (!isObj(v)) return false;
  const vals = Object.values(v);
  return (
    vals.length > 0 &&
    vals.every(
      (n) =>
        isObj(n) && typeof n.class_type === 'string' && (n.inputs === undefined || isObj(n.inputs)),
    )
  );
}

/** True when the JSON looks like a UI workflow (`nodes` array + `links`/`version`). */
export function isComfyUiWorkflow(v: unknown): v is Json {
  return (
    isObj(v) &&
    Array.isArray(v.nodes) &&
    (Array.isArray(v.links) || 'last_node_id' in v || isObj(v.state)) &&
    v.nodes.every((n) => isObj(n) && 'type' in n && 'id' in n)
  );
}

/** Reads an API prompt. @throws UserError WORKFLOW_INVALID when it is not one */
export function irFromApi(prompt: unknown): IrGraph {
  if (!isComfyApiPrompt(prompt))
    throw new UserError('WORKFLOW_INVALID', 'Not a ComfyUI API prompt');
  const nodes = new Map<string, IrNode>();
  for (const [id, n] of Object.entries(prompt)) {
    const inputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(isObj(n.inputs) ? n.inputs : {}))
      inputs[k] = isApiLink(v) ? new Ref(String(v[0]), v[1]) : v;
    const title = isObj(n._meta) && typeof n._meta.title === 'string' ? n._meta.title : undefined;
    nodes.set(id, {
      id,
      classType: String(n.class_type),
      inputs,
      mode: 0,
      original: n,
      ...(title ? { title } : {}),
    });
  }
  return { nodes, notes: [], warnings: [] };
}

/**
 * Widget names in `widgets_values` order for the classes we map. `$control` is the frontend-only
 * control_after_generate value (skipped only when it looks like one), `$skip` always skipped.
 */
const WIDGETS: Record<string, string[]> = {
  KSampler: ['seed', '$control', 'steps', 'cfg', 'sampler_name', 'scheduler', 'denoise'],
  KSamplerAdvanced: [
    'add_noise',
    'noise_seed',
    '$control',
    'steps',
    'cfg',
    'sampler_name',
    'scheduler',
    'start_at_step',
    'end_at_step',
    'return_with_leftover_noise',
  ],
  CheckpointLoaderSimple: ['ckpt_name'],
  CheckpointLoader: ['config_name', 'ckpt_name'],
  CLIPTextEncode: ['text'],
  EmptyLatentImage: ['width', 'height', 'batch_size'],
  EmptySD3LatentImage: ['width', 'height', 'batch_size'],
  LoraLoader: ['lora_name', 'strength_model', 'strength_clip'],
  LoraLoaderModelOnly: ['lora_name', 'strength_model'],
  SaveImage: ['filename_prefix'],
  VAELoader: ['vae_name'],
  UNETLoader: ['unet_name', 'weight_dtype'],
  UnetLoaderGGUF: ['unet_name'],
  CLIPLoader: ['clip_name', 'type', 'device'],
  DualCLIPLoader: ['clip_name1', 'clip_name2', 'type', 'device'],
  TripleCLIPLoader: ['clip_name1', 'clip_name2', 'clip_name3'],
  QuadrupleCLIPLoader: ['clip_name1', 'clip_name2', 'clip_name3', 'clip_name4'],
  RandomNoise: ['noise_seed', '$control'],
  KSamplerSelect: ['sampler_name'],
  BasicScheduler: ['scheduler', 'steps', 'denoise'],
  FluxGuidance: ['guidance'],
  CFGGuider: ['cfg'],
  ModelSamplingFlux: ['max_shift', 'base_shift', 'width', 'height'],
  ModelSamplingSD3: ['shift'],
  ModelSamplingAuraFlow: ['shift'],
  EmptyHunyuanLatentVideo: ['width', 'height', 'length', 'batch_size'],
  CLIPSetLastLayer: ['stop_at_clip_layer'],
  LoadImage: ['image', '$skip'],
  UpscaleModelLoader: ['model_name'],
  ImageScaleBy: ['upscale_method', 'scale_by'],
  LatentUpscaleBy: ['upscale_method', 'scale_by'],
  PrimitiveNode: ['value', '$control'],
};
const CONTROL_VALUES = new Set(['fixed', 'randomize', 'increment', 'decrement']);

function namedWidgets(classType: string, values: unknown): Record<string, unknown> {
  if (isObj(values)) return { ...values };
  if (!Array.isArray(values)) return {};
  const names = WIDGETS[classType];
  if (!names) return values.length ? { widgets_values: values } : {};
  const out: Record<string, unknown> = {};
  let i = 0;
  for (const name of names) {
    if (i >= values.length) break;
    if (name === '$control') {
      const v = values[i];
      if (typeof v === 'boolean' || (typeof v === 'string' && CONTROL_VALUES.has(v))) i++;
      continue;
    }
    if (name !== '$skip') out[name] = values[i];
    i++;
  }
  return out;
}

function pos(v: unknown): Position | undefined {
  if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'number')
    return { x: v[0], y: v[1] };
  if (isObj(v) && typeof v[0] === 'number' && typeof v[1] === 'number') return { x: v[0], y: v[1] };
  return undefined;
}

interface Link {
  from: string;
  fromSlot: number;
  to: string;
  toSlot: number;
  type?: string;
}

function readLinks(links: unknown): Map<string, Link> {
  const out = new Map<string, Link>();
  for (const l of Array.isArray(links) ? links : []) {
    if (Array.isArray(l) && l.length >= 5) {
      out.set(String(l[0]), {
        from: String(l[1]),
        fromSlot: Number(l[2]),
        to: String(l[3]),
        toSlot: Number(l[4]),
        type: typeof l[5] === 'string' ? l[5] : undefined,
      });
    } else if (isObj(l) && 'origin_id' in l) {
      out.set(String(l.id), {
        from: String(l.origin_id),
        fromSlot: Number(l.origin_slot),
        to: String(l.target_id),
        toSlot: Number(l.target_slot),
        type: typeof l.type === 'string' ? l.type : undefined,
      });
    }
  }
  return out;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBGRAPH_IN = '-10';
const SUBGRAPH_OUT = '-20';

/**
 * Reads a UI workflow (v0.4 or v1). `api` is the paired API prompt from the same PNG, if any:
 * its named inputs replace the positional widget guesswork for nodes it contains.
 * @throws UserError WORKFLOW_INVALID when it is not a UI workflow
 */
export function irFromUi(wf: unknown, api?: unknown): IrGraph {
  if (!isComfyUiWorkflow(wf)) throw new UserError('WORKFLOW_INVALID', 'Not a ComfyUI UI workflow');
  const apiNodes = isComfyApiPrompt(api) ? irFromApi(api).nodes : undefined;
  const ir: IrGraph = { nodes: new Map(), notes: [], warnings: [] };
  const subgraphs = new Map<string, Json>();
  const defs =
    isObj(wf.definitions) && Array.isArray(wf.definitions.subgraphs)
      ? wf.definitions.subgraphs
      : [];
  for (const sg of defs) if (isObj(sg) && typeof sg.id === 'string') subgraphs.set(sg.id, sg);
  addLevel(ir, wf.nodes as unknown[], readLinks(wf.links), '', subgraphs, apiNodes, 0);
  return ir;
}

/** Adds one graph level; `prefix` is the subgraph instance path ("30:") for inner node ids. */
function addLevel(
  ir: IrGraph,
  nodes: unknown[],
  links: Map<string, Link>,
  prefix: string,
  subgraphs: Map<string, Json>,
  api: Map<string, IrNode> | undefined,
  depth: number,
): void {
  for (const raw of nodes) {
    if (!isObj(raw)) continue;
    const id = prefix + String(raw.id);
    const classType = String(raw.type);
    const position = pos(raw.pos);
    if (classType === 'Note' || classType === 'MarkdownNote') {
      const v = raw.widgets_values;
      const text = Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '';
      ir.notes.push({ id, text, ...(position ? { position } : {}) });
      continue;
    }
    const inputs: Record<string, unknown> = {};
    const inputTypes: Record<string, string> = {};
    const apiNode = api?.get(id);
    Object.assign(
      inputs,
      apiNode && apiNode.classType === classType
        ? apiNode.inputs
        : namedWidgets(classType, raw.widgets_values),
    );
    const slotNames: string[] = [];
    for (const inp of Array.isArray(raw.inputs) ? raw.inputs : []) {
      if (!isObj(inp) || typeof inp.name !== 'string') continue;
      slotNames.push(inp.name);
      if (typeof inp.type === 'string') inputTypes[inp.name] = inp.type;
      const link =
        inp.link === null || inp.link === undefined ? undefined : links.get(String(inp.link));
      if (link)
        inputs[inp.name] = new Ref(
          link.from === SUBGRAPH_IN
            ? `${prefix}${SUBGRAPH_IN}:${link.fromSlot}`
            : prefix + link.from,
          link.fromSlot,
        );
    }
    const outs = Array.isArray(raw.outputs) ? raw.outputs.filter(isObj) : [];
    const node: IrNode = {
      id,
      classType,
      inputs,
      mode: typeof raw.mode === 'number' ? raw.mode : 0,
      original: raw,
      outputTypes: outs.map((o) => String(o.type ?? '')),
      outputNames: outs.map((o) => String(o.name ?? '')),
      inputTypes,
      ...(position ? { position } : {}),
      ...(typeof raw.title === 'string' ? { title: raw.title } : {}),
    };
    const sg = UUID.test(classType) ? subgraphs.get(classType) : undefined;
    if (sg && depth < 8) {
      expandSubgraph(ir, node, sg, slotNames, subgraphs, api, depth);
      continue;
    }
    if (classType.startsWith('workflow>') || classType.startsWith('workflow/')) {
      ir.warnings.push(
        `ComfyUI group node ${id} (${classType}) is a legacy group node; it was not expanded`,
      );
    }
    ir.nodes.set(id, node);
  }
  // Links that leave through a subgraph's output node are recorded as alias nodes (see below).
  for (const l of links.values()) {
    if (l.to === SUBGRAPH_OUT) {
      ir.nodes.set(`${prefix}${SUBGRAPH_OUT}:${l.toSlot}`, {
        id: `${prefix}${SUBGRAPH_OUT}:${l.toSlot}`,
        classType: 'Reroute',
        inputs: { in: new Ref(prefix + l.from, l.fromSlot) },
        mode: 0,
        original: null,
      });
    }
  }
}

/**
 * Expands a subgraph instance: inner nodes get ids "<instance>:<inner>" (as ComfyUI's API
 * conversion does); boundary links become Reroute aliases so refs resolve straight through.
 */
function expandSubgraph(
  ir: IrGraph,
  inst: IrNode,
  sg: Json,
  slotNames: string[],
  subgraphs: Map<string, Json>,
  api: Map<string, IrNode> | undefined,
  depth: number,
): void {
  const prefix = `${inst.id}:`;
  // Each subgraph input slot k aliases whatever feeds the instance's input k.
  slotNames.forEach((name, k) => {
    const ref = inst.inputs[name];
    if (ref instanceof Ref)
      ir.nodes.set(`${prefix}${SUBGRAPH_IN}:${k}`, {
        id: `${prefix}${SUBGRAPH_IN}:${k}`,
        classType: 'Reroute',
        inputs: { in: ref },
        mode: 0,
        original: null,
      });
  });
  addLevel(
    ir,
    Array.isArray(sg.nodes) ? sg.nodes : [],
    readLinks(sg.links),
    prefix,
    subgraphs,
    api,
    depth + 1,
  );
  // Consumers of the instance's output k read the alias of the subgraph output k.
  const outs = Array.isArray(sg.outputs) ? sg.outputs.length : 0;
  for (let k = 0; k < outs; k++) {
    ir.nodes.set(inst.id + `#out${k}`, {
      id: inst.id + `#out${k}`,
      classType: 'Reroute',
      inputs: { in: new Ref(`${prefix}${SUBGRAPH_OUT}:${k}`, 0) },
      mode: 0,
      original: null,
    });
  }
  ir.warnings.push(
    `ComfyUI subgraph ${inst.id} (${typeof sg.name === 'string' ? sg.name : String(sg.id)}) was expanded into its inner nodes`,
  );
  ir.nodes.set(inst.id, { ...inst, classType: '$subgraph', inputs: {}, original: inst.original });
}
