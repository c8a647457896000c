/**
 * The graph edit operations as pure functions over a {@link GraphDoc} (issue 16 §2): add node,
 * remove node, connect, disconnect, set param — the vocabulary of the editor's undo steps
 * (editor/src/graph/ops.ts) with the same rules (ports of the same type, no self loop, an input
 * already wired is re-wired, removing a node drops its edges; node ids `<type>-<n>` and edge ids
 * `e-<src>.<port>-<dst>.<port>` as the editor makes them). The assistant's `edit_graph` tool
 * applies a list of them in the runtime; the editor applies the same list to its document as ONE
 * undo step (editor/src/assistant/proposal.ts). Browser-safe: zod only.
 */
import { z } from 'zod';
import type { GraphDoc, GraphEdge, GraphNode } from './graph';

const nodeId = z.string().min(1).max(128);
const port = z.string().min(1).max(128);

/** One operation. Positions are flow coordinates (px). */
export const graphOpSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('add_node'),
    type: z.string().min(1).max(128),
    /** Id for later ops in the same list to refer to; default `<type>-<n>`. */
    id: nodeId.optional(),
    params: z.record(z.string(), z.unknown()).optional(),
    /** Place it to the right of this node (else right of everything). */
    after: nodeId.optional(),
    position: z.object({ x: z.number(), y: z.number() }).optional(),
  }),
  z.object({ op: z.literal('remove_node'), id: nodeId }),
  z.object({
    op: z.literal('connect'),
    source: nodeId,
    sourceHandle: port,
    target: nodeId,
    targetHandle: port,
  }),
  z.object({ op: z.literal('disconnect'), target: nodeId, targetHandle: port }),
  z.object({
    op: z.literal('set_param'),
    id: nodeId,
    key: z.string().min(1).max(128),
    value: z.unknown(),
  }),
]);
export type GraphOp = z.infer<typeof graphOpSchema>;

/** What an op needs to know about a node type. */
export interface OpSpec {
  version: number;
  inputs: Record<string, { type: string }>;
  outputs: Record<string, { type: string }>;
  defaults: Record<string, unknown>;
}
export type OpSpecLookup = (type: string) => OpSpec | undefined;

/** Which nodes/params/edges a list of ops touched (the proposal diff on the canvas). */
export interface OpsDiff {
  addedNodes: string[];
  removedNodes: string[];
  /** `nodeId` → changed param keys. */
  changedParams: Record<string, string[]>;
  addedEdges: string[];
  removedEdges: string[];
}

/** An op that cannot apply; `index` is its position in the list. */
export class GraphOpError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(`op ${index}: ${message}`);
  }
}

/** The horizontal step between a node and the one placed after it (px), as the editor lays out. */
const STEP_X = 360;

/** A node id not used yet, readable: `txt2img-3` (the editor's ids too). */
export function freshId(prefix: string, taken: ReadonlySet<string>): string {
  const base = prefix.replace(/[^A-Za-z0-9_-]/g, '') || 'n';
  for (let i = 1; ; i++) {
    const id = `${base}-${i}`;
    if (!taken.has(id)) return id;
  }
}

/** The id an edge between these ports gets. */
export function edgeId(e: Pick<GraphEdge, 'source' | 'sourceHandle' | 'target' | 'targetHandle'>) {
  return `e-${e.source}.${e.sourceHandle}-${e.target}.${e.targetHandle}`;
}

/**
 * Why a connection is refused, or undefined when it is legal (same port type, no self loop).
 * @param types node id → type; `spec` resolves a type's ports
 */
export function connectionProblem(
  c: Pick<GraphEdge, 'source' | 'sourceHandle' | 'target' | 'targetHandle'>,
  typeOf: (id: string) => string | undefined,
  spec: OpSpecLookup,
): string | undefined {
  const src = typeOf(c.source);
  const dst = typeOf(c.target);
  if (src === undefined || dst === undefined) return 'unknown node';
  if (c.source === c.target) return 'a node cannot feed itself';
  const out = spec(src)?.outputs[c.sourceHandle]?.type;
  const inp = spec(dst)?.inputs[c.targetHandle]?.type;
  if (!out || !inp) return 'unknown port';
  if (out !== inp) return `${out} output cannot feed a ${inp} input`;
  return undefined;
}

/**
 * Applies `ops` in order to a copy of `doc`; all or nothing.
 * @returns the new document and what changed
 * @throws GraphOpError naming the first op that cannot apply (unknown node/type/port, a taken id,
 *   a refused connection, an input not wired)
 */
export function applyGraphOps(
  doc: GraphDoc,
  ops: readonly GraphOp[],
  spec: OpSpecLookup,
): { graph: GraphDoc; diff: OpsDiff } {
  const g = structuredClone(doc);
  const diff: OpsDiff = {
    addedNodes: [],
    removedNodes: [],
    changedParams: {},
    addedEdges: [],
    removedEdges: [],
  };
  const find = (id: string) => g.nodes.find((n) => n.id === id);
  const typeOf = (id: string) => find(id)?.type;
  const dropEdges = (keep: (e: GraphEdge) => boolean) => {
    for (const e of g.edges) if (!keep(e)) diff.removedEdges.push(e.id);
    g.edges = g.edges.filter(keep);
  };
  ops.forEach((op, i) => {
    switch (op.op) {
      case 'add_node': {
        const s = spec(op.type);
        if (!s) throw new GraphOpError(i, `unknown node type "${op.type}"`);
        const taken = new Set(g.nodes.map((n) => n.id));
        if (op.id && taken.has(op.id)) throw new GraphOpError(i, `node id "${op.id}" is taken`);
        const after = op.after ? find(op.after) : undefined;
        if (op.after && !after) throw new GraphOpError(i, `no node "${op.after}"`);
        const right = g.nodes.reduce((m, n) => Math.max(m, n.position.x), -STEP_X);
        const position =
          op.position ??
          (after
            ? { x: after.position.x + STEP_X, y: after.position.y }
            : { x: right + STEP_X, y: 0 });
        const node: GraphNode = {
          id: op.id ?? freshId(op.type, taken),
          type: op.type,
          version: s.version,
          position,
          params: { ...structuredClone(s.defaults), ...(op.params ?? {}) },
        };
        g.nodes.push(node);
        diff.addedNodes.push(node.id);
        break;
      }
      case 'remove_node': {
        if (!find(op.id)) throw new GraphOpError(i, `no node "${op.id}"`);
        g.nodes = g.nodes.filter((n) => n.id !== op.id);
        dropEdges((e) => e.source !== op.id && e.target !== op.id);
        if (diff.addedNodes.includes(op.id))
          diff.addedNodes = diff.addedNodes.filter((n) => n !== op.id);
        else diff.removedNodes.push(op.id);
        break;
      }
      case 'connect': {
        const problem = connectionProblem(op, typeOf, spec);
        if (problem)
          throw new GraphOpError(
            i,
            `cannot connect ${op.source}.${op.sourceHandle} → ${op.target}.${op.targetHandle}: ${problem}`,
          );
        dropEdges((e) => !(e.target === op.target && e.targetHandle === op.targetHandle));
        const e: GraphEdge = {
          id: edgeId(op),
          source: op.source,
          sourceHandle: op.sourceHandle,
          target: op.target,
          targetHandle: op.targetHandle,
        };
        g.edges.push(e);
        diff.addedEdges.push(e.id);
        break;
      }
      case 'disconnect': {
        const before = g.edges.length;
        dropEdges((e) => !(e.target === op.target && e.targetHandle === op.targetHandle));
        if (g.edges.length === before)
          throw new GraphOpError(i, `${op.target}.${op.targetHandle} is not connected`);
        break;
      }
      case 'set_param': {
        const n = find(op.id);
        if (!n) throw new GraphOpError(i, `no node "${op.id}"`);
        n.params = { ...n.params, [op.key]: op.value };
        if (!diff.addedNodes.includes(n.id))
          (diff.changedParams[n.id] ??= []).includes(op.key) ||
            diff.changedParams[n.id]!.push(op.key);
        break;
      }
    }
  });
  return { graph: g, diff };
}
