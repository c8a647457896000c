/**
 * Turning a request's graph into a runnable GraphDoc: parse, migrate, apply overrides, validate —
 * one 400 listing *every* problem (design.md §3), never a partial write.
 */
import type { NodeSpec } from '../../nodes/core/define-node';
import type { GraphDoc } from '../../nodes/core/graph';
import { loadGraph, validateGraph, type GraphIssue } from '../../nodes/core/validate';
import { specToJson } from '../../nodes/core/catalog-json';
import { appInputsToOverrides, appLayout, type AppLayout } from '../../nodes/core/app';
import { UserError, type ErrorCode } from '../errors';
import { resolveNodeModels } from '../exec/models';

/** `{ "g1.steps": 30 }` or `{ g1: { steps: 30 } }`, the CLI's `--set g1.steps=30`. */
export type Overrides = Record<string, unknown>;

/** Applies param overrides to a copy of the graph. @throws UserError BAD_OVERRIDE naming the key. */
export function applyOverrides(graph: GraphDoc, overrides: Overrides | undefined): GraphDoc {
  if (!overrides || !Object.keys(overrides).length) return graph;
  const g = structuredClone(graph);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const set = (nodeId: string, param: string, value: unknown, key: string) => {
    const node = byId.get(nodeId);
    if (!node || !param) throw new UserError('BAD_OVERRIDE', `override "${key}" names no node param (use <nodeId>.<param>)`);
    node.params = { ...node.params, [param]: value };
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (byId.has(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [param, v] of Object.entries(value)) set(key, param, v, `${key}.${param}`);
    } else {
      const dot = key.indexOf('.');
      set(dot > 0 ? key.slice(0, dot) : key, dot > 0 ? key.slice(dot + 1) : '', value, key);
    }
  }
  return g;
}

/** The App-mode form of a loaded graph (nodes/core/app.ts) with the catalog's specs. */
export function graphApp(graph: GraphDoc, catalog: ReadonlyMap<string, NodeSpec>): AppLayout {
  const json = new Map<string, ReturnType<typeof specToJson>>();
  return appLayout(graph, (type) => {
    const spec = catalog.get(type);
    if (!spec) return undefined;
    if (!json.has(type)) json.set(type, specToJson(spec));
    return json.get(type);
  });
}

/**
 * App field values by name (`POST /api/runs` `inputs`, issue 20) → `<nodeId>.<param>` overrides,
 * so a run by field names is the very graph of the equivalent node-param overrides.
 * @throws UserError UNKNOWN_APP_INPUT naming every unknown name and listing the known ones.
 */
export function appOverrides(input: unknown, catalog: ReadonlyMap<string, NodeSpec>, inputs: Record<string, unknown>): Overrides {
  const graph = loadOrThrow(input, catalog);
  const layout = graphApp(graph, catalog);
  const { overrides, unknown } = appInputsToOverrides(layout, inputs);
  if (unknown.length) {
    const known = layout.fields.map((f) => f.name);
    throw new UserError(
      'UNKNOWN_APP_INPUT',
      `unknown app field${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; this graph's fields: ${known.map((n) => `"${n}"`).join(', ') || 'none'}`,
      { unknown, fields: known },
    );
  }
  return overrides;
}

/** Loads + validates; returns the graph or throws UserError GRAPH_INVALID with `details.issues`. */
export function prepareGraph(input: unknown, catalog: ReadonlyMap<string, NodeSpec>, overrides?: Overrides): GraphDoc {
  const loaded = loadGraph(input, catalog);
  if (!loaded.ok) throw invalid(loaded.issues);
  const graph = applyOverrides(loaded.graph, overrides);
  const issues = validateGraph(graph, catalog);
  if (issues.length) throw invalid(issues);
  return graph;
}

/** Loads without the run-time checks (saving a work-in-progress graph is allowed). */
export function loadOrThrow(input: unknown, catalog: ReadonlyMap<string, NodeSpec>): GraphDoc {
  const loaded = loadGraph(input, catalog);
  if (!loaded.ok) throw invalid(loaded.issues);
  return loaded.graph;
}

/**
 * Checks that every non-empty model param names a model file that exists (design.md §8: a
 * reference to a missing file is a 4xx before anything is written, not a run that fails later).
 * `resolve` is the model registry's; its UserErrors (MODEL_NOT_FOUND, MODEL_WRONG_KIND) become
 * issues, all reported at once. @throws UserError GRAPH_INVALID with `details.issues`.
 */
export function checkModelRefs(
  graph: GraphDoc,
  catalog: ReadonlyMap<string, NodeSpec>,
  resolve: (ref: string, kind: string) => unknown,
): void {
  const issues: ReportedIssue[] = [];
  for (const node of graph.nodes) {
    const spec = catalog.get(node.type);
    if (!spec) continue;
    // The same resolution a run's node preparation does (runtime/exec/models.ts), model pickers only:
    // LoRA lists are checked when the node is prepared.
    resolveNodeModels(spec, node.params, resolve, {
      only: 'pickers',
      onIssue: (r, err) => issues.push({ code: err.code, nodeId: node.id, field: r.param, message: `node ${node.id}: ${err.message}` }),
    });
  }
  if (issues.length) throw invalid(issues);
}

/** A graph issue as reported in `details.issues`: validation's own codes or a model registry error code. */
type ReportedIssue = Omit<GraphIssue, 'code'> & { code: GraphIssue['code'] | ErrorCode };

function invalid(issues: readonly ReportedIssue[]): UserError {
  const head = issues.slice(0, 3).map((i) => i.message).join('; ');
  return new UserError('GRAPH_INVALID', `the graph has ${issues.length} problem${issues.length === 1 ? '' : 's'}: ${head}${issues.length > 3 ? '; …' : ''}`, { issues });
}
