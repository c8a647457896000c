/**
 * Routes xyflow's change events into the graph slice. Selection and measured sizes are applied
 * without history; a drag is applied live and recorded as ONE undo step when it ends (the
 * inverse patch restores every moved node's start position). Dragging a group carries the nodes
 * inside its frame along (ComfyUI groups). Removals never come from xyflow: its delete key is
 * off and `deleteSelection` removes nodes and their edges in one step.
 */
import {
  applyEdgeChanges,
  applyNodeChanges,
  type EdgeChange,
  type NodeChange,
  type XYPosition,
} from '@xyflow/react';
import type { Patch } from 'immer';
import { record, setTransient, useGraph } from '../state/graph';
import { GROUP_TYPE, type FlowEdge, type FlowNode } from '../graph/types';

const dragStart = new Map<string, XYPosition>();
/** group id → ids of the nodes inside it when its drag started */
const carried = new Map<string, string[]>();
const resizeStart = new Map<string, { width?: number; height?: number; position: XYPosition }>();

function inside(n: FlowNode, g: FlowNode): boolean {
  const w = g.width ?? g.measured?.width ?? 0;
  const h = g.height ?? g.measured?.height ?? 0;
  return (
    n.position.x >= g.position.x &&
    n.position.y >= g.position.y &&
    n.position.x <= g.position.x + w &&
    n.position.y <= g.position.y + h
  );
}

export function onNodesChange(changes: NodeChange<FlowNode>[]): void {
  const nodes = useGraph.getState().nodes;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const apply: NodeChange<FlowNode>[] = [];
  let finished = false;
  for (const c of changes) {
    if (c.type === 'remove' || c.type === 'add' || c.type === 'replace') continue;
    if (c.type === 'position' && c.position) {
      const n = byId.get(c.id);
      if (!n) continue;
      if (!dragStart.has(c.id)) dragStart.set(c.id, n.position);
      if (n.type === GROUP_TYPE) {
        if (!carried.has(c.id)) {
          carried.set(
            c.id,
            nodes
              .filter((m) => m.id !== n.id && !m.selected && m.type !== GROUP_TYPE && inside(m, n))
              .map((m) => m.id),
          );
        }
        const start = dragStart.get(c.id)!;
        for (const id of carried.get(c.id)!) {
          const m = byId.get(id)!;
          if (!dragStart.has(id)) dragStart.set(id, m.position);
          const s0 = dragStart.get(id)!;
          apply.push({
            type: 'position',
            id,
            position: { x: s0.x + c.position.x - start.x, y: s0.y + c.position.y - start.y },
            dragging: c.dragging,
          });
        }
      }
      if (!c.dragging) finished = true;
    }
    if (c.type === 'position' && !c.position && c.dragging === false) finished = true;
    if (c.type === 'dimensions' && c.resizing !== undefined) {
      const n = byId.get(c.id);
      if (n && !resizeStart.has(c.id))
        resizeStart.set(c.id, { width: n.width, height: n.height, position: n.position });
    }
    apply.push(c);
  }
  const next = apply.length ? applyNodeChanges(apply, nodes) : nodes;
  if (next !== nodes) setTransient({ nodes: next });
  if (finished && dragStart.size) commitMoves('Move', dragStart, next);
  if (changes.some((c) => c.type === 'dimensions' && c.resizing === false) && resizeStart.size)
    commitResize(next);
}

function commitMoves(label: string, starts: Map<string, XYPosition>, nodes: FlowNode[]): void {
  const patches: Patch[] = [];
  const inverse: Patch[] = [];
  nodes.forEach((n, i) => {
    const s = starts.get(n.id);
    if (!s || (s.x === n.position.x && s.y === n.position.y)) return;
    patches.push({ op: 'replace', path: ['nodes', i, 'position'], value: n.position });
    inverse.push({ op: 'replace', path: ['nodes', i, 'position'], value: s });
  });
  starts.clear();
  carried.clear();
  if (patches.length) record(label, patches, inverse);
}

function commitResize(nodes: FlowNode[]): void {
  const patches: Patch[] = [];
  const inverse: Patch[] = [];
  nodes.forEach((n, i) => {
    const s = resizeStart.get(n.id);
    if (!s) return;
    for (const k of ['width', 'height'] as const) {
      patches.push({ op: 'replace', path: ['nodes', i, k], value: n[k] });
      inverse.push({ op: 'replace', path: ['nodes', i, k], value: s[k] });
    }
    patches.push({ op: 'replace', path: ['nodes', i, 'position'], value: n.position });
    inverse.push({ op: 'replace', path: ['nodes', i, 'position'], value: s.position });
  });
  resizeStart.clear();
  dragStart.clear();
  if (patches.length) record('Resize', patches, inverse);
}

export function onEdgesChange(changes: EdgeChange<FlowEdge>[]): void {
  const keep = changes.filter((c) => c.type === 'select');
  if (!keep.length) return;
  const edges = useGraph.getState().edges;
  setTransient({ edges: applyEdgeChanges(keep, edges) });
}
