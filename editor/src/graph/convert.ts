/**
 * GraphDoc (design.md §3) ⇄ editor nodes/edges. The shapes are xyflow's already, so this only
 * moves `params`/`data` into the xyflow `data` bag, tags edges with their port type (for colour)
 * and splits editor annotations (notes, groups) into `meta.annotations`.
 */
import { GRAPH_FORMAT_VERSION, type GraphDoc, type GraphNode } from '../../../nodes/index';
import { portType } from '../state/catalog';
import { isAnnotation, type FlowEdge, type FlowNode, type ParamNodeData } from './types';

interface Annotation {
  id: string;
  type: string;
  position: { x: number; y: number };
  width?: number;
  height?: number;
  data: Record<string, unknown>;
}

/** Builds editor nodes/edges from a (loaded, migrated) graph document. */
export function docToFlow(doc: GraphDoc): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const annotations = Array.isArray(doc.meta?.annotations)
    ? (doc.meta.annotations as Annotation[])
    : [];
  const groups: FlowNode[] = [];
  const notes: FlowNode[] = [];
  for (const a of annotations) {
    if (!a || typeof a.id !== 'string' || !isAnnotation(a.type)) continue;
    const n: FlowNode = {
      id: a.id,
      type: a.type,
      position: a.position ?? { x: 0, y: 0 },
      data: (a.data ?? {}) as never,
      ...(a.width ? { width: a.width } : {}),
      ...(a.height ? { height: a.height } : {}),
      ...(a.type === '@group' ? { zIndex: -1 } : {}),
    };
    (a.type === '@group' ? groups : notes).push(n);
  }
  const typeOf = new Map(doc.nodes.map((n) => [n.id, n.type]));
  const nodes: FlowNode[] = doc.nodes.map((n) => {
    const data: ParamNodeData = { params: { ...n.params } };
    if (n.version !== undefined) data.version = n.version;
    if (n.data) data.extra = n.data;
    if (n.app) data.app = structuredClone(n.app);
    if (n.mode) data.mode = n.mode;
    return { id: n.id, type: n.type, position: { ...n.position }, data };
  });
  const edges: FlowEdge[] = doc.edges.map((e) => ({
    id: e.id,
    source: e.source,
    sourceHandle: e.sourceHandle,
    target: e.target,
    targetHandle: e.targetHandle,
    type: 'typed',
    data: { portType: portType(typeOf.get(e.source), 'outputs', e.sourceHandle) },
  }));
  // Groups first so they paint under the nodes they frame.
  return { nodes: [...groups, ...nodes, ...notes], edges };
}

/** Serializes editor state into a graph document (what is saved, exported, run and copied). */
export function flowToDoc(
  nodes: readonly FlowNode[],
  edges: readonly FlowEdge[],
  head: { id?: string; name: string },
): GraphDoc {
  const graphNodes: GraphNode[] = [];
  const annotations: Annotation[] = [];
  for (const n of nodes) {
    if (isAnnotation(n.type)) {
      annotations.push({
        id: n.id,
        type: n.type!,
        position: { x: n.position.x, y: n.position.y },
        ...((n.width ?? n.measured?.width) ? { width: n.width ?? n.measured?.width } : {}),
        ...((n.height ?? n.measured?.height) ? { height: n.height ?? n.measured?.height } : {}),
        data: { ...n.data },
      });
      continue;
    }
    const d = n.data as ParamNodeData;
    const g: GraphNode = {
      id: n.id,
      type: n.type ?? 'unknown',
      position: { x: n.position.x, y: n.position.y },
      params: { ...d.params },
    };
    if (d.version !== undefined) g.version = d.version;
    if (d.extra) g.data = d.extra;
    if (d.app && (d.app.inputs?.length || d.app.output)) g.app = structuredClone(d.app);
    if (d.mode) g.mode = d.mode;
    graphNodes.push(g);
  }
  const doc: GraphDoc = {
    format: 'mysticanvas.graph',
    version: GRAPH_FORMAT_VERSION,
    name: head.name,
    nodes: graphNodes,
    edges: edges.map((e) => ({
      id: e.id,
      source: e.source,
      sourceHandle: e.sourceHandle ?? '',
      target: e.target,
      targetHandle: e.targetHandle ?? '',
    })),
  };
  if (head.id) doc.id = head.id;
  if (annotations.length) doc.meta = { annotations };
  return doc;
}
