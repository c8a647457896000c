/**
 * Bypass and mute (issue 15 §1; ComfyUI's node modes 4 "bypass" and 2 "never"): the graph as it
 * runs. A bypassed node is taken out and each of its outputs is fed by the node's input of the
 * same port type (the first such input in declaration order that is wired — ComfyUI's rule); a
 * muted node is taken out together with every node that needs it through a required input (an
 * optional input fed by it is simply left unconnected).
 *
 * Because the runtime executes the resulting graph, cache keys and lineage follow the graph as it
 * ran: a save behind a bypassed upscale has the same cache key as a save wired straight to the
 * upscale's source.
 */
import type { NodeSpec } from './define-node';
import type { GraphDoc, GraphEdge, GraphNode } from './graph';
import { topoSort } from './topo';

/** Why a node of the document does not run. */
export type SkipReason = 'bypassed' | 'muted' | 'needs-muted';

/** A node left out of the run. */
export interface SkippedNode {
  nodeId: string;
  type: string;
  reason: SkipReason;
}

/** A bypassed node with an output in use and no input of that output's port type. */
export interface BypassProblem {
  nodeId: string;
  /** The output port nothing can be passed to. */
  port: string;
  message: string;
}

/** {@link applyModes}'s result. */
export interface ModeResult {
  /** The graph as it runs: bypassed and skipped nodes removed, wires re-routed. */
  graph: GraphDoc;
  /** Document-order list of the nodes that do not run. */
  skipped: SkippedNode[];
  /** One entry per bypassed node output that is wired but has no same-typed input to pass on. */
  problems: BypassProblem[];
}

type Catalog = ReadonlyMap<string, NodeSpec>;

/** Whether any node of the document has a mode (the common case — none — costs one scan). */
export function hasModes(graph: Pick<GraphDoc, 'nodes'>): boolean {
  for (const n of graph.nodes) if (n.mode) return true;
  return false;
}

/**
 * Resolves bypass and mute. A graph without modes is returned as is (same object). Edges naming
 * unknown nodes or ports are kept as they are (validateGraph reports them). Never throws.
 */
export function applyModes(graph: GraphDoc, catalog: Catalog): ModeResult {
  if (!hasModes(graph)) return { graph, skipped: [], problems: [] };
  const byId = new Map<string, GraphNode>();
  for (const n of graph.nodes) byId.set(n.id, n);
  const incoming = new Map<string, GraphEdge>(); // `${target}\0${port}` → edge
  for (const e of graph.edges) incoming.set(`${e.target}\0${e.targetHandle}`, e);

  /** The real producer behind `nodeId.port`, following bypassed nodes; else the bypassed node that has none. */
  const producer = (
    nodeId: string,
    port: string,
    seen = new Set<string>(),
  ): { source: string; sourceHandle: string } | { stuck: string; port: string } => {
    const n = byId.get(nodeId);
    if (!n || n.mode !== 'bypass') return { source: nodeId, sourceHandle: port };
    if (seen.has(nodeId)) return { stuck: nodeId, port }; // a cycle: validateGraph says CYCLE
    seen.add(nodeId);
    const spec = catalog.get(n.type);
    const type = spec?.outputs[port]?.type;
    const input =
      spec && type
        ? Object.entries(spec.inputs).find(
            ([name, p]) => p.type === type && incoming.has(`${nodeId}\0${name}`),
          )?.[0]
        : undefined;
    if (!input) return { stuck: nodeId, port };
    const e = incoming.get(`${nodeId}\0${input}`)!;
    return producer(e.source, e.sourceHandle, seen);
  };

  // Wires into bypassed nodes disappear; wires out of them start at the real producer. A wire
  // with no producer is a problem only if its consumer runs (checked once mute has spread).
  let edges: GraphEdge[] = [];
  const stuck: { target: string; nodeId: string; port: string }[] = [];
  for (const e of graph.edges) {
    if (byId.get(e.target)?.mode === 'bypass') continue;
    const src = producer(e.source, e.sourceHandle);
    if ('stuck' in src) {
      stuck.push({ target: e.target, nodeId: src.stuck, port: src.port });
      continue;
    }
    edges.push(
      src.source === e.source && src.sourceHandle === e.sourceHandle ? e : { ...e, ...src },
    );
  }

  // Mute spreads downstream through required inputs, in topological order.
  const live = graph.nodes.filter((n) => n.mode !== 'bypass');
  const dead = new Map<string, SkipReason>();
  for (const n of live) if (n.mode === 'mute') dead.set(n.id, 'muted');
  const into = new Map<string, GraphEdge[]>();
  for (const e of edges) {
    let list = into.get(e.target);
    if (!list) into.set(e.target, (list = []));
    list.push(e);
  }
  for (const id of topoSort(
    live.map((n) => n.id),
    edges,
  ).order) {
    if (dead.has(id)) continue;
    const spec = catalog.get(byId.get(id)!.type);
    for (const e of into.get(id) ?? []) {
      if (dead.has(e.source) && !spec?.inputs[e.targetHandle]?.optional) {
        dead.set(id, 'needs-muted');
        break;
      }
    }
  }
  if (dead.size) edges = edges.filter((e) => !dead.has(e.source) && !dead.has(e.target));

  const problems: BypassProblem[] = [];
  const reported = new Set<string>();
  for (const x of stuck) {
    const k = `${x.nodeId}\0${x.port}`;
    if (dead.has(x.target) || reported.has(k)) continue;
    reported.add(k);
    const n = byId.get(x.nodeId)!;
    const spec = catalog.get(n.type);
    problems.push({
      nodeId: x.nodeId,
      port: x.port,
      message: spec
        ? `node ${x.nodeId} is bypassed but has no ${spec.outputs[x.port]?.type ?? x.port} input wired to pass to its ${x.port} output`
        : `node ${x.nodeId} is bypassed but its type ${n.type} is unknown, so nothing can be passed through it`,
    });
  }

  const skipped: SkippedNode[] = [];
  const nodes: GraphNode[] = [];
  for (const n of graph.nodes) {
    const reason: SkipReason | undefined = n.mode === 'bypass' ? 'bypassed' : dead.get(n.id);
    if (reason) skipped.push({ nodeId: n.id, type: n.type, reason });
    else nodes.push(n);
  }
  return { graph: { ...graph, nodes, edges }, skipped, problems };
}
