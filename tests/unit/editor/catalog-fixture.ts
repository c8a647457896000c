/**
 * Loads the real node catalog (nodes/index.ts, as GET /api/nodes serves it through specToJson)
 * into the editor's catalog store, and resets the graph store, so editor modules can be tested
 * in vitest's node environment (no DOM: the modules under test never touch it).
 */
import { specs, specToJson } from '../../../nodes/index';
import { useCatalog } from '../../../editor/src/state/catalog';
import { loadFlow } from '../../../editor/src/state/graph';

export function loadRealCatalog(): void {
  const list = specs.map(specToJson);
  useCatalog.setState({
    specs: new Map(list.map((s) => [s.type, s])),
    ordered: list,
    loaded: true,
  });
}

/** An empty canvas with no history. */
export function resetGraph(): void {
  loadFlow([], [], { name: 'Untitled' });
}
