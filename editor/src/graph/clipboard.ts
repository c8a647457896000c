/**
 * Copy/paste as graph JSON (design.md §3 document with only the selection), so a selection can
 * travel between tabs, windows or a text editor; ComfyUI and n8n paste workflow JSON the same way.
 */
import type { XYPosition } from '@xyflow/react';
import { GRAPH_FORMAT_VERSION, type GraphDoc } from '../../../nodes/index';
import { edit, freshId, useGraph } from '../state/graph';
import { docToFlow, flowToDoc } from './convert';

/** The selection (nodes, edges between them, annotations) as a graph document, or null if empty. */
export function selectionDoc(): GraphDoc | null {
  const s = useGraph.getState();
  const nodes = s.nodes.filter((n) => n.selected);
  if (!nodes.length) return null;
  const ids = new Set(nodes.map((n) => n.id));
  const edges = s.edges.filter((e) => ids.has(e.source) && ids.has(e.target));
  return flowToDoc(nodes, edges, { name: 'clipboard' });
}

/** Parses clipboard text; null when it is not a MystiCanvas graph. */
export function parseClipboard(text: string): GraphDoc | null {
  try {
    const v = JSON.parse(text) as GraphDoc;
    if (
      v?.format === 'mysticanvas.graph' &&
      Array.isArray(v.nodes) &&
      v.version <= GRAPH_FORMAT_VERSION
    ) {
      return { ...v, edges: Array.isArray(v.edges) ? v.edges : [] };
    }
  } catch {
    /* not JSON: not ours */
  }
  return null;
}

/**
 * Inserts a copy of `doc` with fresh ids, its top-left corner at `at` (or offset by 40 px from
 * the original), selected, as one undo step. Returns the number of nodes pasted.
 */
export function pasteDoc(doc: GraphDoc, at?: XYPosition, label = 'Paste'): number {
  const { nodes, edges } = docToFlow(doc);
  if (!nodes.length) return 0;
  const taken = new Set(useGraph.getState().nodes.map((n) => n.id));
  const rename = new Map<string, string>();
  for (const n of nodes) {
    const id = freshId((n.type ?? 'n').replace(/^@/, ''), taken);
    taken.add(id);
    rename.set(n.id, id);
  }
  const minX = Math.min(...nodes.map((n) => n.position.x));
  const minY = Math.min(...nodes.map((n) => n.position.y));
  const dx = at ? at.x - minX : 40;
  const dy = at ? at.y - minY : 40;
  edit(label, (d) => {
    for (const n of d.nodes) n.selected = false;
    for (const e of d.edges) e.selected = false;
    for (const n of nodes) {
      d.nodes.push({
        ...n,
        id: rename.get(n.id)!,
        position: { x: n.position.x + dx, y: n.position.y + dy },
        selected: true,
      } as never);
    }
    for (const e of edges) {
      const source = rename.get(e.source);
      const target = rename.get(e.target);
      if (!source || !target) continue;
      d.edges.push({
        ...e,
        id: `e-${source}.${e.sourceHandle}-${target}.${e.targetHandle}`,
        source,
        target,
      } as never);
    }
  });
  return nodes.length;
}

/** Duplicates the selection next to itself. */
export function duplicateSelection(): number {
  const doc = selectionDoc();
  return doc ? pasteDoc(doc, undefined, 'Duplicate') : 0;
}
