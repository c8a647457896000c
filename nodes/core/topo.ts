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
  const queue: string[] = nodeIds.filter((id) => indegree.get(id) === 0);
  const order: string[] = [];
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    order.push(id);
    for (const next of out.get(id)!) {
      const d = indegree.get(next)! - 1;
      indegree.set(next, d);
      if (d === 0) queue.push(next);
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
