/** Our own graphs: the `mysticanvas` PNG chunk and graph .json files (design.md §3, §9). */
import { catalog } from '../../nodes/index';
import { loadGraph } from '../../nodes/core/validate';
import { UserError } from '../errors';
import type { ImportResult } from './build';

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for a graph document (`format: "mysticanvas.graph"`). */
export function isOurGraph(v: unknown): boolean {
  return isObj(v) && v.format === 'mysticanvas.graph';
}

/**
 * Loads one of our graph documents (migrating older versions).
 * @throws UserError WORKFLOW_INVALID (with `details.issues`) or GRAPH_VERSION_UNSUPPORTED
 */
export function importOurGraph(v: unknown): ImportResult {
  const r = loadGraph(v, catalog);
  if (!r.ok) {
    const newer = r.issues.find((i) => i.code === 'GRAPH_VERSION_UNSUPPORTED');
    if (newer) throw new UserError('GRAPH_VERSION_UNSUPPORTED', newer.message);
    throw new UserError(
      'WORKFLOW_INVALID',
      `The MystiCanvas graph is invalid: ${r.issues
        .slice(0, 3)
        .map((i) => i.message)
        .join('; ')}`,
      { issues: r.issues.slice(0, 50) },
    );
  }
  return { graph: r.graph, warnings: [] };
}

/**
 * Imports the `mysticanvas` chunk payload. The graph is returned as written; `meta` is the rest of
 * the payload: what {@link MysticanvasMeta} writes besides the graph (runId, nodeId, params,
 * lineage, versions, model hashes), unchecked — the file may come from anywhere, so readers test
 * each field before use.
 * @throws UserError WORKFLOW_INVALID when the payload has no valid graph
 */
export function importMysticanvasChunk(
  payload: unknown,
): ImportResult & { meta: Record<string, unknown> } {
  if (!isObj(payload) || !isObj(payload.graph))
    throw new UserError('WORKFLOW_INVALID', 'The mysticanvas chunk holds no graph');
  const { graph, ...meta } = payload;
  const r = importOurGraph(graph);
  return { ...r, meta };
}
