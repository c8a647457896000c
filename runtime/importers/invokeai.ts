/**
 * InvokeAI metadata (anchors-mission.md §2.3): `invokeai_metadata` (flat core metadata),
 * `invokeai_graph` (executed graph: `{nodes: {id: node}, edges: [{source:{node_id,field},
 * destination:{node_id,field}}]}`), `invokeai_workflow` (editor workflow, React-Flow nodes with
 * `data.inputs[name].value`, meta 3.x/4.x) and the legacy 2.x `sd-metadata`.
 * Workflows and graphs are mapped node by node; the linear metadata becomes a linear graph.
 */
import {
  GraphBuilder,
  int,
  modelName,
  num,
  seedOf,
  str,
  type ImportResult,
  type Position,
} from './build';
import { linearGraph } from './linear';
import { mapInvokeScheduler } from './samplers';
import { UserError } from '../errors';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

interface INode {
  id: string;
  type: string;
  inputs: Json;
  position?: Position;
  original: unknown;
}
interface IEdge {
  source: string;
  sourceField: string;
  target: string;
  targetField: string;
}

/** True for an InvokeAI editor workflow (`nodes[].data.type` + `meta`). */
export function isInvokeWorkflow(v: unknown): v is Json {
  return (
    isObj(v) &&
    Array.isArray(v.nodes) &&
    Array.isArray(v.edges) &&
    isObj(v.meta) &&
    v.nodes.every((n) => isObj(n) && isObj(n.data))
  );
}

/** True for an executed InvokeAI graph (`nodes` keyed by id). */
export function isInvokeGraph(v: unknown): v is Json {
  return (
    isObj(v) &&
    isObj(v.nodes) &&
    Array.isArray(v.edges) &&
    Object.values(v.nodes).every((n) => isObj(n) && typeof n.type === 'string')
  );
}

function fromWorkflow(w: Json): { nodes: INode[]; edges: IEdge[] } {
  const nodes: INode[] = [];
  for (const n of w.nodes as Json[]) {
    const data = n.data as Json;
    if (n.type === 'notes') continue;
    const inputs: Json = {};
    for (const [k, v] of Object.entries(isObj(data.inputs) ? data.inputs : {}))
      inputs[k] = isObj(v) ? v.value : v;
    const p =
      isObj(n.position) && typeof n.position.x === 'number' && typeof n.position.y === 'number'
        ? { x: n.position.x, y: n.position.y }
        : undefined;
    nodes.push({
      id: String(n.id),
      type: String(data.type),
      inputs,
      original: n,
      ...(p ? { position: p } : {}),
    });
  }
  const edges: IEdge[] = [];
  for (const e of w.edges as Json[]) {
    if (!isObj(e) || e.type === 'collapsed') continue;
    edges.push({
      source: String(e.source),
      sourceField: String(e.sourceHandle),
      target: String(e.target),
      targetField: String(e.targetHandle),
    });
  }
  return { nodes, edges };
}

function fromGraph(g: Json): { nodes: INode[]; edges: IEdge[] } {
  const nodes = Object.values(g.nodes as Record<string, Json>).map((n) => ({
    id: String(n.id),
    type: String(n.type),
    inputs: n,
    original: n,
  }));
  const edges: IEdge[] = [];
  for (const e of g.edges as Json[]) {
    if (!isObj(e) || !isObj(e.source) || !isObj(e.destination)) continue;
    edges.push({
      source: String(e.source.node_id),
      sourceField: String(e.source.field),
      target: String(e.destination.node_id),
      targetField: String(e.destination.field),
    });
  }
  return { nodes, edges };
}

const DENOISE = /denoise/;
const MODEL_LOADERS = /model_loader$/;
const PROMPTS = new Set([
  'compel',
  'sdxl_compel_prompt',
  'flux_text_encoder',
  'sd3_text_encoder',
  'cogview4_text_encoder',
]);
/** Types represented by the mapped nodes (values plumbing, loaders, decode, metadata). */
const FOLDED = new Set([
  'noise',
  'collect',
  'string',
  'integer',
  'float',
  'rand_int',
  'core_metadata',
  'metadata',
  'merge_metadata',
  'lora_loader',
  'sdxl_lora_loader',
  'lora_selector',
  'lora_collection_loader',
  'vae_loader',
  'clip_skip',
  'i2l',
  'l2i',
  'save_image',
  'image',
]);

/** Maps an InvokeAI workflow or executed graph node by node. */
function mapInvoke(
  src: { nodes: INode[]; edges: IEdge[] },
  name: string,
  meta: Json,
): ImportResult {
  const b = new GraphBuilder(name);
  const byId = new Map(src.nodes.map((n) => [n.id, n]));
  const into = (id: string, field: string) =>
    src.edges
      .filter((e) => e.target === id && e.targetField === field)
      .map((e) => ({ node: byId.get(e.source), field: e.sourceField }));
  const outOf = (id: string) =>
    src.edges
      .filter((e) => e.source === id)
      .map((e) => ({ node: byId.get(e.target), field: e.targetField }));
  /** A field's value: the literal, or the value of a primitive node wired into it. */
  const value = (n: INode, field: string, depth = 0): unknown => {
    const src = into(n.id, field)[0];
    if (src?.node && depth < 8) {
      const s = src.node;
      if (s.type === 'collect') return value(s, 'item', depth + 1);
      if (s.type === 'rand_int') return 'random';
      if (['string', 'integer', 'float'].includes(s.type)) return value(s, 'value', depth + 1);
      if (s.type === 'noise' && field === 'noise') return s;
      return s;
    }
    return n.inputs[field];
  };
  const folded = new Set<string>();
  const promptIds = new Map<string, string>();
  const promptFrom = (n: INode, field: string): string | undefined => {
    let c = value(n, field) as INode | undefined;
    if (!isObj(c) || !('type' in c)) return undefined;
    if (!PROMPTS.has(c.type)) {
      b.warn(`InvokeAI node ${c.id} (${c.type}) feeds the ${field}; MystiCanvas cannot map it`);
      return undefined;
    }
    folded.add(c.id);
    const existing = promptIds.get(c.id);
    if (existing) return existing;
    const text = value(c, 'prompt');
    const id = b.add('prompt', c.id, { text: typeof text === 'string' ? text : '' }, c.position, {
      source: 'invokeai',
      type: c.type,
    });
    promptIds.set(c.id, id);
    return id;
  };
  const denoisers = src.nodes.filter((n) => DENOISE.test(n.type));
  const decoded = new Map<string, string>();
  for (const d of denoisers) {
    folded.add(d.id);
    const sm = mapInvokeScheduler(d.inputs.scheduler);
    b.warn(sm.warning);
    const unet = (into(d.id, 'unet')[0] ?? into(d.id, 'transformer')[0])?.node;
    const loras: Array<{ name: string; weight: number }> = [];
    let loader = unet;
    for (let i = 0; loader && !MODEL_LOADERS.test(loader.type) && i < 16; i++) {
      folded.add(loader.id);
      if (/lora/.test(loader.type)) {
        const l = loader.inputs.lora;
        const nm = isObj(l) ? str(l.name) : undefined;
        if (nm) loras.push({ name: nm, weight: num(loader.inputs.weight) ?? 1 });
      }
      loader = into(loader.id, 'unet')[0]?.node ?? into(loader.id, 'transformer')[0]?.node;
    }
    if (loader) folded.add(loader.id);
    const m = loader?.inputs.model;
    const model = isObj(m) ? modelName(m.name) : undefined;
    if (loader && !model)
      b.warn(
        `InvokeAI node ${loader.id} (${loader.type}) has no model selected; choose one on the generate node`,
      );
    const noise = value(d, 'noise') as INode | undefined;
    const noiseNode = isObj(noise) && 'type' in noise ? noise : undefined;
    if (noiseNode) folded.add(noiseNode.id);
    const start = num(d.inputs.denoising_start) ?? 0;
    const latents = into(d.id, 'latents')[0]?.node;
    const params: Record<string, unknown> = {
      model,
      steps: int(d.inputs.steps),
      cfgScale: num(d.inputs.cfg_scale),
      sampler: sm.sampler,
      scheduler: sm.scheduler,
      width: int(noiseNode?.inputs.width ?? d.inputs.width),
      height: int(noiseNode?.inputs.height ?? d.inputs.height),
      seed: noiseNode
        ? value(noiseNode, 'seed') === 'random'
          ? 'random'
          : seedOf(value(noiseNode, 'seed'), (w) => b.warn(w))
        : seedOf(d.inputs.seed, (w) => b.warn(w)),
      loras,
    };
    const img2img = latents?.type === 'i2l' || start > 0;
    const id = b.add(
      img2img ? 'img2img' : 'txt2img',
      d.id,
      { ...params, ...(img2img ? { strength: 1 - start } : {}) },
      d.position,
      { source: 'invokeai', type: d.type },
    );
    const pos = promptFrom(d, 'positive_conditioning');
    const neg = promptFrom(d, 'negative_conditioning');
    if (pos) b.connect(pos, 'text', id, 'prompt');
    if (neg) b.connect(neg, 'text', id, 'negative');
    if (img2img) {
      if (latents) folded.add(latents.id);
      const li = b.add('load-image', `${d.id}_source`, {}, undefined, { source: 'invokeai' });
      b.connect(li, 'image', id, 'image');
      b.warn(
        'The InvokeAI graph starts from an image that is not embedded; pick it in the Load image node',
      );
    }
    for (const o of outOf(d.id)) {
      if (o.node?.type === 'l2i') {
        folded.add(o.node.id);
        decoded.set(o.node.id, id);
        const save = b.add(
          'save',
          `${o.node.id}`,
          { filenamePrefix: 'invokeai' },
          o.node.position,
          { source: 'invokeai', type: 'l2i' },
        );
        b.connect(id, 'image', save, 'image');
      }
    }
  }
  for (const n of src.nodes) {
    if (folded.has(n.id) || FOLDED.has(n.type) || MODEL_LOADERS.test(n.type) || PROMPTS.has(n.type))
      continue;
    const params: Json = {};
    for (const [k, v] of Object.entries(n.inputs))
      if (!['id', 'type', 'is_intermediate', 'use_cache'].includes(k)) params[k] = v;
    b.placeholder('invokeai', n.type, n.id, params, n.original, n.position);
  }
  if (!denoisers.length)
    b.warn('No InvokeAI denoise node was found; the workflow will not generate images as is');
  return b.finish(meta);
}

/** Imports an InvokeAI editor workflow (`invokeai_workflow` chunk or a workflow .json). */
export function importInvokeWorkflow(w: unknown): ImportResult {
  if (!isInvokeWorkflow(w)) throw new UserError('WORKFLOW_INVALID', 'Not an InvokeAI workflow');
  const meta = isObj(w.meta) ? w.meta : {};
  const r = mapInvoke(fromWorkflow(w), str(w.name) || 'InvokeAI workflow', {
    invokeai: { meta, id: w.id, author: w.author, description: w.description },
  });
  if (
    meta.version !== undefined &&
    !String(meta.version).startsWith('3.') &&
    !String(meta.version).startsWith('4.')
  ) {
    r.warnings.push(
      `InvokeAI workflow format ${String(meta.version)} is not one MystiCanvas was tested with (3.x, 4.x)`,
    );
  }
  return r;
}

/** Imports an executed InvokeAI graph (`invokeai_graph`). */
export function importInvokeGraph(g: unknown): ImportResult {
  if (!isInvokeGraph(g)) throw new UserError('WORKFLOW_INVALID', 'Not an InvokeAI graph');
  return mapInvoke(fromGraph(g), 'InvokeAI image', {});
}

/**
 * Imports `invokeai_metadata` (core metadata of a linear-UI image). Values win over the graph's,
 * since InvokeAI writes the resolved seed and prompts here.
 */
export function importInvokeMetadata(m: Json, graph?: unknown): ImportResult {
  const warnings: string[] = [];
  const sm = mapInvokeScheduler(m.scheduler);
  if (sm.warning) warnings.push(sm.warning);
  const model = isObj(m.model) ? modelName(m.model.name) : str(m.model);
  const loras = Array.isArray(m.loras)
    ? m.loras
        .filter(isObj)
        .map((l) => ({
          name: isObj(l.model) ? String(l.model.name) : String(l.lora ?? ''),
          weight: num(l.weight) ?? 1,
        }))
        .filter((l) => l.name)
    : [];
  const clip = int(m.clip_skip);
  const params: Record<string, unknown> = {
    model,
    width: int(m.width),
    height: int(m.height),
    steps: int(m.steps),
    cfgScale: num(m.cfg_scale),
    sampler: sm.sampler,
    scheduler: sm.scheduler,
    seed: seedOf(m.seed, (w) => warnings.push(w)),
    loras,
    clipSkip: clip && clip > 0 ? clip : undefined,
  };
  const mode = str(m.generation_mode) ?? '';
  const img2img = /img2img|inpaint|outpaint/.test(mode);
  if (m.refiner_model)
    warnings.push('The SDXL refiner pass recorded in the InvokeAI metadata was not mapped');
  if (m.hrf_enabled) warnings.push('InvokeAI high-resolution fix was not mapped');
  if (Array.isArray(m.controlnets) && m.controlnets.length)
    warnings.push('InvokeAI ControlNets were not mapped');
  if (isInvokeGraph(graph)) {
    const known =
      /denoise|model_loader|compel|text_encoder|^(noise|collect|string|integer|float|rand_int|core_metadata|metadata|l2i|i2l|lora|sdxl_lora|vae_loader|clip_skip|save_image|image|canvas)/;
    const others = Object.values(graph.nodes as Record<string, Json>)
      .map((n) => String(n.type))
      .filter((t) => !known.test(t));
    if (others.length)
      warnings.push(
        `InvokeAI graph nodes not represented in the imported graph: ${[...new Set(others)].join(', ')}`,
      );
  }
  const prompt = str(m.positive_prompt) ?? '';
  return linearGraph({
    prompt,
    negativePrompt: str(m.negative_prompt),
    params,
    warnings,
    ...(img2img ? { img2imgStrength: num(m.strength) ?? 0.75 } : {}),
    name: prompt.split('\n')[0]!.trim().slice(0, 60) || 'InvokeAI image',
    filenamePrefix: 'invokeai',
    data: {
      source: 'invokeai',
      imported: {
        generationMode: mode,
        appVersion: m.app_version,
        ...(isObj(m.model) ? { model: m.model } : {}),
      },
    },
  });
}

/** Imports the legacy InvokeAI 2.x `sd-metadata` JSON (`{model_weights, image: {prompt, seed, …}}`). */
export function importInvokeLegacy(m: Json): ImportResult {
  const img = isObj(m.image) ? m.image : m;
  const warnings: string[] = [];
  // 2.x prompts are `[{prompt, weight}]` or a string; `[negative]` in brackets is the negative.
  let prompt = Array.isArray(img.prompt)
    ? img.prompt
        .filter(isObj)
        .map((p) => String(p.prompt ?? ''))
        .join(' ')
    : String(img.prompt ?? '');
  const neg = /\[([^\]]*)\]/g;
  const negatives: string[] = [];
  prompt = prompt.replace(neg, (_m, t: string) => (negatives.push(t), '')).trim();
  const sm = mapInvokeScheduler(img.sampler);
  if (sm.warning) warnings.push(sm.warning);
  const strength = num(img.strength);
  return linearGraph({
    prompt,
    negativePrompt: negatives.join(', ') || undefined,
    warnings,
    params: {
      model: str(m.model_weights),
      width: int(img.width),
      height: int(img.height),
      steps: int(img.steps),
      cfgScale: num(img.cfg_scale),
      sampler: sm.sampler,
      scheduler: sm.scheduler,
      seed: seedOf(img.seed, (w) => warnings.push(w)),
    },
    ...(img.type === 'img2img' && strength !== undefined ? { img2imgStrength: strength } : {}),
    name: prompt.slice(0, 60) || 'InvokeAI image',
    filenamePrefix: 'invokeai',
    data: { source: 'invokeai', imported: { legacy: true, appVersion: m.app_version } },
  });
}
