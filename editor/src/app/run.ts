/**
 * "Run ×N" of the App view (issue 20): N runs of the open graph, the i-th with every fixed seed
 * increased by i (nodes/core/app.ts `nthSeed`, BigInt-exact; "random" seeds draw their own),
 * each validated and queued like the editor's Run (queue/run.ts).
 */
import { nthSeed, type GraphDoc } from '../../../nodes/index';
import { currentDoc } from '../graph/io';
import { runGraph } from '../queue/run';
import { useCatalog } from '../state/catalog';
import { paramEntries, widgetOf } from '../widgets/schema';
import { useApp } from './state';

/** Largest "×N" the form offers. */
export const MAX_COUNT = 16;

/** A copy of `doc` with every seed-widget param of every node advanced by `i`. */
export function withSeedOffset(doc: GraphDoc, i: number): GraphDoc {
  if (i === 0) return doc;
  const specs = useCatalog.getState().specs;
  return {
    ...doc,
    nodes: doc.nodes.map((n) => {
      const seeds = paramEntries(specs.get(n.type)?.params).filter(
        ([, s]) => widgetOf(s) === 'seed',
      );
      if (!seeds.length) return n;
      const params = { ...n.params };
      for (const [name, s] of seeds) params[name] = nthSeed(params[name] ?? s.default, i);
      return { ...n, params };
    }),
  };
}

/** Queues the form's runs; resolves to the ids queued (fewer than N when one was refused). */
export async function runApp(): Promise<string[]> {
  const count = Math.min(MAX_COUNT, Math.max(1, Math.trunc(useApp.getState().count) || 1));
  const base = currentDoc();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await runGraph(withSeedOffset(base, i));
    if (!id) break;
    ids.push(id);
    useApp.setState({ runIds: [...ids] });
  }
  return ids;
}
