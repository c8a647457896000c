/**
 * Topological order by Kahn's algorithm (Kahn 1962, "Topological sorting of large networks"),
 * O(V + E). Ties keep the nodes' document order so runs are reproducible.
 */

/** Minimal edge shape the sort needs. */
export interface TopoEdge {
  source: string;
  target: string;
}

/** Result: `order` holds every node not on or behind a cycle; `cycle` the nodes left over. */
export interface TopoResult {
  order: string[];
  /** Node ids on a cycle or downstream of one, in document order; empty when acyclic. */
  blocked: string[];
  /** One concrete cycle (ids in edge order), empty when acyclic. */
  cycle: string[];
}

/** Sorts `nodeIds` so every edge points forward. Edges naming unknown ids are ignored. */
export function topoSort(nodeIds: readonly string[], edges: readonly TopoEdge[]): TopoResult {
  const indegree = new Map<string, number>();
  const out = new Map<string, string[]>();
  for (const id of nodeIds) {
    indegree.set(id, 0);
    out.set(id, []);
  }
  for (const e of edges) {
    if (!indegree.has(e.source) || !indegree.has(e.target)) continue;
    out.get(e.source)!.push(e.target);
    indegree.set(e.target, indegree.get(e.target)! + 1);
  }
  // Ready nodes wait in a min-heap of document positions, so among nodes ready at the same time
  // the one listed first always goes first (a FIFO queue would follow edge order instead).
  const index = new Map<string, number>();
  nodeIds.forEach((id, i) => index.set(id, i));
  const ready = new MinHeap();
  nodeIds.forEach((id, i) => indegree.get(id) === 0 && ready.push(i));
  const order: string[] = [];
  while (ready.size) {
    const id = nodeIds[ready.pop()]!;
    order.push(id);
    for (const next of out.get(id)!) {
      const d = indegree.get(next)! - 1;
      indegree.set(next, d);
      if (d === 0) ready.push(index.get(next)!);
    }
  }
  if (order.length === nodeIds.length) return { order, blocked: [], cycle: [] };
  const done = new Set(order);
  const blocked = nodeIds.filter((id) => !done.has(id));
  return { order, blocked, cycle: findCycle(blocked, out) };
}

/** Walks successors among the blocked nodes until one repeats; that loop is a cycle. */
function findCycle(blocked: string[], out: Map<string, string[]>): string[] {
  const inBlocked = new Set(blocked);
  // Every blocked node has a blocked predecessor, so walking *backwards* always finds a cycle;
  // walking forwards may leave it. Build predecessors restricted to the blocked set.
  const pred = new Map<string, string>();
  for (const id of blocked) {
    for (const next of out.get(id)!) if (inBlocked.has(next) && !pred.has(next)) pred.set(next, id);
  }
  let cur = blocked[0]!;
  const seen = new Map<string, number>();
  const path: string[] = [];
  while (!seen.has(cur)) {
    seen.set(cur, path.length);
    path.push(cur);
    cur = pred.get(cur)!;
  }
  return path.slice(seen.get(cur)!).reverse();
}

/** A binary min-heap of non-negative integers (document positions); also the run loop's ready queues. */
export class MinHeap {
  private readonly a: number[] = [];
  /** The smallest value without removing it; undefined when empty. */
  peek(): number | undefined {
    return this.a[0];
  }

  get size(): number {
    return this.a.length;
  }
  push(v: number): void {
    const a = this.a;
    let i = a.push(v) - 1;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (a[up]! <= v) break;
      a[i] = a[up]!;
      i = up;
    }
    a[i] = v;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const c = l + 1 < a.length && a[l + 1]! < a[l]! ? l + 1 : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
