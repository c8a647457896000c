/**
 * The body of the graph-validation worker thread (see ./pool.ts): parses a submitted graph's JSON
 * text and runs prepareGraph (load → migrate → overrides → validate) on the core catalog, so a
 * 10,000-node submit does not block the studio's event loop (issue 18 #9, issue 19 #3).
 *
 * Messages in: `{id, body}` (body: the text of a `POST /api/runs` request). Out: `{id, graph,
 * graphId}` (the prepared GraphDoc, structured-cloned back) or `{id, error: {code, message,
 * details, status}}` for a MystiError, or `{id, fallback: reason}` for anything else — a body of
 * another shape (no inline graph, app `inputs`, bad overrides) or an unexpected failure: the
 * caller then handles the request in its own thread, which gives the answer the API always gave.
 */
import { parentPort } from 'node:worker_threads';
import { specs } from '../../../nodes/index';
import type { NodeSpec } from '../../../nodes/core/define-node';
import { MystiError } from '../../errors';
import { prepareGraph, type Overrides } from '../graph-input';

const catalog: ReadonlyMap<string, NodeSpec> = new Map(specs.map((s) => [s.type, s]));

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

parentPort!.on('message', (m: { id: number; body: string }) => {
  try {
    const b: unknown = JSON.parse(m.body);
    if (
      !isRecord(b) ||
      b.graph === undefined ||
      b.inputs !== undefined ||
      (b.overrides !== undefined && !isRecord(b.overrides)) ||
      (b.graphId !== undefined && typeof b.graphId !== 'string')
    ) {
      parentPort!.postMessage({ id: m.id, fallback: 'not an inline graph submit' });
      return;
    }
    const graph = prepareGraph(b.graph, catalog, b.overrides as Overrides | undefined);
    parentPort!.postMessage({ id: m.id, graph, graphId: b.graphId ?? null });
  } catch (err) {
    if (err instanceof MystiError) {
      parentPort!.postMessage({
        id: m.id,
        error: { code: err.code, message: err.message, details: err.details, status: err.status },
      });
    } else parentPort!.postMessage({ id: m.id, fallback: String(err) });
  }
});
