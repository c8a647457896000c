/**
 * App mode (issue 20): a graph seen as a form. Its fields are the node params marked "show in
 * app" (a node's `app.inputs`, nodes/core/graph.ts), its outputs the output nodes marked
 * `app.output`. With nothing marked, the first Text to image node's usual params (and the
 * prompts wired into it) are offered, the way ComfyUI's App Mode and SwarmUI's Generate tab put a
 * form in front of a workflow. Browser-safe: the editor's App view, `GET /api/graphs/:id/app` and
 * `POST /api/runs` `inputs` all read the same {@link appLayout}, so a script uses the names the
 * form shows.
 */
import type { GraphDoc, GraphNode } from './graph';

/** What the layout needs of a node type: its served spec (nodes/core/catalog-json.ts shape). */
export interface AppSpec {
  title: string;
  category: string;
  /** JSON Schema of the params (`properties` by param name). */
  params: Record<string, unknown>;
}

export type AppSpecLookup = (type: string) => AppSpec | undefined;

/** One form field: a node param under a graph-unique name. */
export interface AppField {
  /** The field's name: the form's label and the key of `POST /api/runs` `inputs`. */
  name: string;
  nodeId: string;
  param: string;
  group?: string;
  /** JSON Schema of the param (from the node's spec), `default` = the value in the graph. */
  schema: Record<string, unknown>;
  /** The value in the graph (absent params: the schema's default). */
  value: unknown;
}

export interface AppOutput {
  nodeId: string;
  name: string;
}

export interface AppLayout {
  fields: AppField[];
  outputs: AppOutput[];
  /** False when nothing is marked and the fields are the Text to image defaults. */
  exposed: boolean;
}

/** The params offered when nothing is exposed, from the first Text to image node, in form order. */
const DEFAULT_PARAMS = ['model', 'width', 'height', 'steps', 'cfgScale', 'seed'] as const;

const props = (spec: AppSpec | undefined) =>
  (spec?.params as { properties?: Record<string, Record<string, unknown>> } | undefined)
    ?.properties ?? {};
const titleOf = (node: GraphNode, spec: AppSpec | undefined) =>
  (typeof node.data?.title === 'string' && node.data.title.trim()) || spec?.title || node.type;

/**
 * The default name of a field: a node with one param (a Prompt) is named by its title ("Negative
 * prompt"), any other param by its label ("Seed").
 */
export function defaultFieldName(
  node: GraphNode,
  spec: AppSpec | undefined,
  param: string,
): string {
  const p = props(spec);
  if (Object.keys(p).length === 1) return titleOf(node, spec);
  const label = p[param]?.label;
  return typeof label === 'string' && label ? label : param;
}

interface Candidate {
  node: GraphNode;
  spec: AppSpec | undefined;
  param: string;
  label?: string;
  group?: string;
  order: number;
}

/**
 * The form of `graph`: fields (sorted by `order`, then graph order; names made unique by
 * prefixing the node's title, then a counter) and outputs. Params a spec does not declare are
 * skipped (a renamed param after a migration, a placeholder node).
 */
export function appLayout(graph: GraphDoc, lookup: AppSpecLookup): AppLayout {
  const cands: Candidate[] = [];
  let seq = 0;
  for (const node of graph.nodes) {
    const spec = lookup(node.type);
    for (const x of node.app?.inputs ?? []) {
      if (!(x.param in props(spec))) continue;
      cands.push({
        node,
        spec,
        param: x.param,
        label: x.label,
        group: x.group,
        order: x.order ?? 1e9 + seq,
      });
      seq++;
    }
  }
  const exposed = cands.length > 0;
  if (!exposed) cands.push(...defaultCandidates(graph, lookup));
  cands.sort((a, b) => a.order - b.order);

  const taken = new Set<string>();
  const unique = (base: string, node: GraphNode, spec: AppSpec | undefined) => {
    let name = base;
    const title = titleOf(node, spec);
    if (taken.has(name) && title !== base) name = `${title} ${base}`;
    for (let i = 2; taken.has(name); i++) name = `${base} ${i}`;
    taken.add(name);
    return name;
  };
  const fields = cands.map((c): AppField => {
    const schema = props(c.spec)[c.param] ?? {};
    const value = c.node.params[c.param] ?? schema.default;
    return {
      name: unique(c.label ?? defaultFieldName(c.node, c.spec, c.param), c.node, c.spec),
      nodeId: c.node.id,
      param: c.param,
      ...(c.group ? { group: c.group } : {}),
      schema: { ...schema, ...(value !== undefined ? { default: value } : {}) },
      value,
    };
  });

  const marked = graph.nodes.filter((n) => n.app?.output);
  const outNodes = marked.length
    ? marked
    : graph.nodes.filter((n) => lookup(n.type)?.category === 'output');
  outNodes.sort((a, b) => (a.app?.output?.order ?? 0) - (b.app?.output?.order ?? 0));
  const outTaken = new Set<string>();
  const outputs = outNodes.map((n) => {
    let name = n.app?.output?.label ?? titleOf(n, lookup(n.type));
    for (let i = 2; outTaken.has(name); i++)
      name = `${n.app?.output?.label ?? titleOf(n, lookup(n.type))} ${i}`;
    outTaken.add(name);
    return { nodeId: n.id, name };
  });
  return { fields, outputs, exposed };
}

function defaultCandidates(graph: GraphDoc, lookup: AppSpecLookup): Candidate[] {
  const t2i = graph.nodes.find((n) => n.type === 'txt2img');
  if (!t2i) return [];
  const out: Candidate[] = [];
  let order = 0;
  for (const [port, label] of [
    ['prompt', 'Prompt'],
    ['negative', 'Negative prompt'],
  ] as const) {
    const edge = graph.edges.find((e) => e.target === t2i.id && e.targetHandle === port);
    const src = edge && graph.nodes.find((n) => n.id === edge.source);
    if (src?.type === 'prompt')
      out.push({ node: src, spec: lookup(src.type), param: 'text', label, order: order++ });
  }
  const spec = lookup(t2i.type);
  for (const param of DEFAULT_PARAMS)
    if (param in props(spec)) out.push({ node: t2i, spec, param, order: order++ });
  return out;
}

/**
 * The fields as one JSON Schema (draft 2020-12) object: a property per field name with the
 * param's type, bounds, enum and current value as `default`, plus `x-mysti` naming the node
 * param it sets. `additionalProperties: false`: an unknown name is refused.
 */
export function appJsonSchema(graph: GraphDoc, layout: AppLayout): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of layout.fields) {
    properties[f.name] = {
      ...f.schema,
      title: f.name,
      'x-mysti': { nodeId: f.nodeId, param: f.param, ...(f.group ? { group: f.group } : {}) },
    };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: graph.name,
    type: 'object',
    properties,
    additionalProperties: false,
    'x-mysti': { exposed: layout.exposed, outputs: layout.outputs },
  };
}

/**
 * Turns form values by field name into `<nodeId>.<param>` overrides (runtime/server/graph-input.ts).
 * Returns the names no field has in `unknown` (the caller answers 400 naming them).
 */
export function appInputsToOverrides(
  layout: AppLayout,
  inputs: Record<string, unknown>,
): { overrides: Record<string, unknown>; unknown: string[] } {
  const byName = new Map(layout.fields.map((f) => [f.name, f]));
  const overrides: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(inputs)) {
    const f = byName.get(name);
    if (!f) unknown.push(name);
    else overrides[`${f.nodeId}.${f.param}`] = value;
  }
  return { overrides, unknown };
}

/**
 * The seed of the `i`-th run of a "Run ×N" (i = 0 is the seed itself): fixed seeds count up,
 * exactly, with BigInt (a seed may be a number or a decimal integer string; the result keeps the
 * input's kind while it stays a safe integer); `"random"` stays random (each run draws and records
 * its own). Anything else is returned as is.
 */
export function nthSeed(seed: unknown, i: number): unknown {
  if (i === 0 || seed === 'random') return seed;
  let base: bigint;
  if (typeof seed === 'number' && Number.isSafeInteger(seed)) base = BigInt(seed);
  else if (typeof seed === 'string' && /^\d+$/.test(seed)) base = BigInt(seed);
  else return seed;
  const next = base + BigInt(i);
  return typeof seed === 'number' && next <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(next)
    : next.toString();
}
