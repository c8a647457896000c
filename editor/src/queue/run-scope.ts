/**
 * Run to here / run from here (issue 15 §4), from the node menu. "Run to here" queues only the
 * chosen nodes and what they depend on (the rest of the graph is left out of the run, so an
 * unrelated branch neither runs nor has to be valid; ancestors whose outputs are cached come
 * from the cache as usual). "Run from here" queues the whole graph with the chosen nodes forced:
 * they and everything downstream execute even when the cache holds their outputs.
 */
import type { GraphDoc } from '../../../nodes/index';
import { currentDoc } from '../graph/io';
import { runGraph } from './run';

/** `doc` cut down to `ids` and their ancestors (wires among them; annotations dropped). */
export function ancestorsDoc(doc: GraphDoc, ids: readonly string[]): GraphDoc {
  const into = new Map<string, string[]>();
  for (const e of doc.edges) {
    let l = into.get(e.target);
    if (!l) into.set(e.target, (l = []));
    l.push(e.source);
  }
  const keep = new Set<string>();
  const stack = [...ids];
  while (stack.length) {
    const id = stack.pop()!;
    if (keep.has(id)) continue;
    keep.add(id);
    stack.push(...(into.get(id) ?? []));
  }
  const { meta: _meta, ...head } = doc;
  return {
    ...head,
    nodes: doc.nodes.filter((n) => keep.has(n.id)),
    edges: doc.edges.filter((e) => keep.has(e.source) && keep.has(e.target)),
  };
}

/** Queues the nodes `ids` and their ancestors only. */
export function runToHere(ids: readonly string[]): Promise<string | undefined> {
  return runGraph(ancestorsDoc(currentDoc(), ids));
}

/** Queues the graph with `ids` and their descendants executed even when cached. */
export function runFromHere(ids: readonly string[]): Promise<string | undefined> {
  return runGraph(currentDoc(), { force: [...ids] });
}
