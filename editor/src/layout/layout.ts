/**
 * Auto-arrange: sends the graph (or the selection) to the elk worker and applies the answer as
 * one undoable "Arrange" edit. Notes and groups stay where they are.
 */
import { edit, useGraph } from '../state/graph';
import { isAnnotation } from '../graph/types';
import type { LayoutRequest, LayoutResult } from './protocol';

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, (r: LayoutResult) => void>();

function getWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./elk.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (m: MessageEvent<LayoutResult>) => {
      pending.get(m.data.id)?.(m.data);
      pending.delete(m.data.id);
    };
  }
  return worker;
}

/** Lays out the selected nodes (or all when fewer than two are selected). Resolves to the number moved. */
export async function autoArrange(): Promise<number> {
  const { nodes, edges } = useGraph.getState();
  const candidates = nodes.filter((n) => !isAnnotation(n.type));
  const selected = candidates.filter((n) => n.selected);
  const scope = selected.length >= 2 ? selected : candidates;
  if (!scope.length) return 0;
  const ids = new Set(scope.map((n) => n.id));
  const req: LayoutRequest = {
    id: nextId++,
    nodes: scope.map((n) => ({
      id: n.id,
      width: n.measured?.width ?? 260,
      height: n.measured?.height ?? 200,
    })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target))
      .map((e) => ({ id: e.id, source: e.source, target: e.target })),
  };
  const result = await new Promise<LayoutResult>((resolve) => {
    pending.set(req.id, resolve);
    getWorker().postMessage(req);
  });
  if (result.error) throw new Error(`layout failed: ${result.error}`);
  // Keep the arranged block where the old one was (top-left anchor).
  const ox = Math.min(...scope.map((n) => n.position.x));
  const oy = Math.min(...scope.map((n) => n.position.y));
  edit('Arrange', (d) => {
    for (const n of d.nodes) {
      const p = result.positions[n.id];
      if (p) n.position = { x: Math.round(ox + p.x), y: Math.round(oy + p.y) };
    }
  });
  return Object.keys(result.positions).length;
}
