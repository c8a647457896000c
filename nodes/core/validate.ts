/**
 * Loading and validating graph documents (design.md §3). `loadGraph` turns untrusted JSON into a
 * GraphDoc (format version checked, node params migrated, unknown types kept as placeholders);
 * `validateGraph` lists *every* problem at once so the editor can mark them all and the API can
 * answer one 400 naming each.
 */
import type { NodeSpec, PortSpec } from './define-node';
import { GRAPH_FORMAT_VERSION, graphSchema, type GraphDoc, type GraphNode } from './graph';
import { topoSort } from './topo';
import { canonicalSeed } from './seed';
import { applyModes, hasModes } from './modes';

/** Stable problem codes; the editor keys its messages and highlights on them. */
export type IssueCode =
  | 'GRAPH_SHAPE'
  | 'GRAPH_VERSION_UNSUPPORTED'
  | 'UNKNOWN_NODE_TYPE'
  | 'NODE_VERSION_UNSUPPORTED'
  | 'BAD_PARAM'
  | 'MISSING_INPUT'
  | 'UNKNOWN_PORT'
  | 'PORT_TYPE_MISMATCH'
  | 'INPUT_ALREADY_CONNECTED'
  | 'DANGLING_EDGE'
  | 'DUPLICATE_ID'
  | 'CYCLE'
  | 'BYPASS_NO_INPUT';

/** One validation problem (design.md §3). */
export interface GraphIssue {
  code: IssueCode;
  message: string;
  nodeId?: string;
  edgeId?: string;
  /** Param name or JSON path inside the node's params / the document. */
  field?: string;
}

export type LoadResult =
  { ok: true; graph: GraphDoc; issues: [] } | { ok: false; issues: GraphIssue[] };

type Catalog = ReadonlyMap<string, NodeSpec>;

/**
 * Parses untrusted input into a GraphDoc. Unknown node types are kept untouched (placeholders);
 * known ones whose `version` is older than the spec are migrated step by step.
 * Returns every shape problem at once; never throws.
 */
export function loadGraph(input: unknown, catalog: Catalog): LoadResult {
  if (typeof input === 'object' && input !== null && 'version' in input) {
    const v = (input as { version: unknown }).version;
    if (typeof v === 'number' && v > GRAPH_FORMAT_VERSION) {
      return {
        ok: false,
        issues: [
          {
            code: 'GRAPH_VERSION_UNSUPPORTED',
            field: 'version',
            message: `graph format version ${v} is newer than this MystiCanvas understands (${GRAPH_FORMAT_VERSION}); update MystiCanvas`,
          },
        ],
      };
    }
  }
  const parsed = graphSchema.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((i) => ({
        code: 'GRAPH_SHAPE' as const,
        field: i.path.join('.'),
        message: `${i.path.join('.') || 'graph'}: ${i.message}`,
      })),
    };
  }
  const issues: GraphIssue[] = [];
  const graph = parsed.data;
  graph.nodes = graph.nodes.map((n) => normaliseSeeds(migrateNode(n, catalog, issues), catalog));
  graph.version = GRAPH_FORMAT_VERSION;
  return issues.length ? { ok: false, issues } : { ok: true, graph, issues: [] };
}

const seedNames = new WeakMap<NodeSpec, string[]>();

/** Names of a spec's seed params (UI hint `widget: 'seed'`), memoized. */
export function seedParamNames(spec: NodeSpec): string[] {
  let names = seedNames.get(spec);
  if (!names) {
    names = Object.entries(spec.params.shape)
      .filter(
        ([, s]) =>
          (s as { meta?: () => Record<string, unknown> | undefined }).meta?.()?.widget === 'seed',
      )
      .map(([n]) => n);
    seedNames.set(spec, names);
  }
  return names;
}

/**
 * Graph format 1 → 2: seed params written as JSON numbers become exact decimal strings. Values
 * that are not valid seeds are left alone, so validateGraph names them.
 */
function normaliseSeeds(node: GraphNode, catalog: Catalog): GraphNode {
  const spec = catalog.get(node.type);
  if (!spec) return node;
  let params = node.params;
  for (const name of seedParamNames(spec)) {
    const v = params[name];
    if (typeof v !== 'number' && typeof v !== 'string') continue;
    if (v === 'random') continue;
    const s = canonicalSeed(v);
    if (s !== undefined && s !== v) params = { ...params, [name]: s };
  }
  return params === node.params ? node : { ...node, params };
}

function migrateNode(node: GraphNode, catalog: Catalog, issues: GraphIssue[]): GraphNode {
  const spec = catalog.get(node.type);
  if (!spec) return node; // placeholder: kept with its data, refused only when run
  let version = node.version ?? 1;
  if (version > spec.version) {
    issues.push({
      code: 'NODE_VERSION_UNSUPPORTED',
      nodeId: node.id,
      message: `node ${node.id}: ${node.type} version ${version} is newer than this build's ${spec.version}`,
    });
    return node;
  }
  let params = node.params;
  while (version < spec.version) {
    const step = spec.migrate?.[version];
    if (step) params = step(params);
    version++;
  }
  return { ...node, version, params };
}

/**
 * Lists every problem that would stop the graph from running: unknown types, bad params, missing
 * required inputs, unknown ports, port type mismatches, dangling edges, duplicate ids, cycles,
 * bypassed nodes with nothing to pass through (BYPASS_NO_INPUT). Muted and bypassed nodes do not
 * run, so their type, params and inputs are not checked (a muted or bypassed placeholder does
 * not stop a run; a used output of a bypassed one is BYPASS_NO_INPUT).
 */
export function validateGraph(graph: GraphDoc, catalog: Catalog): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const nodes = new Map<string, GraphNode>();
  for (const n of graph.nodes) {
    if (nodes.has(n.id))
      issues.push({ code: 'DUPLICATE_ID', nodeId: n.id, message: `two nodes have the id ${n.id}` });
    nodes.set(n.id, n);
    // Muted and bypassed nodes do not run: an unknown type or bad params there stop nothing (a
    // bypassed node's pass-through is checked below: BYPASS_NO_INPUT).
    if (n.mode) continue;
    const spec = catalog.get(n.type);
    if (!spec) {
      issues.push({
        code: 'UNKNOWN_NODE_TYPE',
        nodeId: n.id,
        field: 'type',
        message: `node ${n.id}: unknown node type "${n.type}" (kept as a placeholder; it cannot run)`,
      });
      continue;
    }
    const r = spec.params.safeParse(n.params);
    if (!r.success) {
      for (const i of r.error.issues) {
        const field = i.path.join('.');
        issues.push({
          code: 'BAD_PARAM',
          nodeId: n.id,
          field,
          message: `node ${n.id}: ${field || 'params'}: ${i.message}`,
        });
      }
    }
  }

  const edgeIds = new Set<string>();
  const connected = new Map<string, string>(); // `${target}:${handle}` → edge id
  for (const e of graph.edges) {
    if (edgeIds.has(e.id))
      issues.push({ code: 'DUPLICATE_ID', edgeId: e.id, message: `two edges have the id ${e.id}` });
    edgeIds.add(e.id);
    const src = nodes.get(e.source);
    const dst = nodes.get(e.target);
    if (!src || !dst) {
      const missing = !src ? e.source : e.target;
      issues.push({
        code: 'DANGLING_EDGE',
        edgeId: e.id,
        message: `edge ${e.id} points to a missing node ${missing}`,
      });
      continue;
    }
    const out = portOf(catalog, src, 'outputs', e.sourceHandle);
    const inp = portOf(catalog, dst, 'inputs', e.targetHandle);
    if (out === 'unknown-port') {
      issues.push({
        code: 'UNKNOWN_PORT',
        edgeId: e.id,
        nodeId: src.id,
        field: e.sourceHandle,
        message: `edge ${e.id}: ${src.type} has no output "${e.sourceHandle}"`,
      });
    }
    if (inp === 'unknown-port') {
      issues.push({
        code: 'UNKNOWN_PORT',
        edgeId: e.id,
        nodeId: dst.id,
        field: e.targetHandle,
        message: `edge ${e.id}: ${dst.type} has no input "${e.targetHandle}"`,
      });
    }
    if (typeof out === 'object' && typeof inp === 'object' && out.type !== inp.type) {
      issues.push({
        code: 'PORT_TYPE_MISMATCH',
        edgeId: e.id,
        nodeId: dst.id,
        field: e.targetHandle,
        message: `edge ${e.id}: ${src.id}.${e.sourceHandle} gives ${out.type} but ${dst.id}.${e.targetHandle} takes ${inp.type}`,
      });
    }
    const slot = `${e.target}:${e.targetHandle}`;
    if (connected.has(slot)) {
      issues.push({
        code: 'INPUT_ALREADY_CONNECTED',
        edgeId: e.id,
        nodeId: dst.id,
        field: e.targetHandle,
        message: `input ${dst.id}.${e.targetHandle} has two incoming edges (${connected.get(slot)}, ${e.id})`,
      });
    }
    connected.set(slot, e.id);
  }

  for (const n of graph.nodes) {
    const spec = catalog.get(n.type);
    if (!spec || n.mode) continue;
    for (const [name, port] of Object.entries(spec.inputs)) {
      if (!port.optional && !connected.has(`${n.id}:${name}`)) {
        issues.push({
          code: 'MISSING_INPUT',
          nodeId: n.id,
          field: name,
          message: `node ${n.id} (${spec.title}) needs its ${name} input connected`,
        });
      }
    }
  }

  const { cycle } = topoSort([...nodes.keys()], graph.edges);
  if (cycle.length) {
    issues.push({
      code: 'CYCLE',
      nodeId: cycle[0],
      message: `the graph has a cycle: ${[...cycle, cycle[0]].join(' → ')}`,
    });
  }
  if (hasModes(graph)) {
    for (const p of applyModes(graph, catalog).problems)
      issues.push({ code: 'BYPASS_NO_INPUT', nodeId: p.nodeId, field: p.port, message: p.message });
  }
  return issues;
}

function portOf(
  catalog: Catalog,
  node: GraphNode,
  side: 'inputs' | 'outputs',
  name: string,
): PortSpec | 'unknown-port' | 'placeholder' {
  const spec = catalog.get(node.type);
  if (!spec) return 'placeholder';
  return spec[side][name] ?? 'unknown-port';
}
