/**
 * Queueing a run: the graph is validated in the browser with the same `validateGraph` the runtime
 * uses (nodes/core/validate.ts) and the pre-run checks (queue/preflight.ts: empty required model,
 * sd.cpp not configured, no image source); problems are highlighted and nothing is sent; otherwise
 * POST /api/runs, and a 400 GRAPH_INVALID answer is highlighted the same way.
 */
import { catalog, validateGraph } from '../../../nodes/index';
import { api, ApiError } from '../api/client';
import { currentDoc } from '../graph/io';
import { runQueued } from '../state/runs';
import { toast } from '../state/toasts';
import { setChecks, setIssues, useUi } from '../state/ui';
import { useGraph } from '../state/graph';
import { useCatalog } from '../state/catalog';
import type { GraphDoc, GraphIssue } from '../../../nodes/index';
import { preflight, refusalText, type PreflightIssue } from './preflight';
import type { ParamNodeData } from '../graph/types';

/** The pre-run checks of `doc` against the served catalog and what GET /api/health said. */
export function checkDoc(
  doc: Pick<GraphDoc, 'nodes'> & Partial<Pick<GraphDoc, 'edges'>>,
): PreflightIssue[] {
  const c = useCatalog.getState();
  return preflight(doc, c.specs, { sdCppConfigured: c.sdCppConfigured });
}

/** The title a node shows (its own title, else its type's). */
function titleOf(nodeId: string): string {
  const n = useGraph.getState().nodes.find((x) => x.id === nodeId);
  const own = (n?.data as ParamNodeData | undefined)?.extra?.title;
  if (typeof own === 'string' && own) return own;
  return (n?.type && useCatalog.getState().specs.get(n.type)?.title) || nodeId;
}

/**
 * The runtime's last GRAPH_INVALID answer and the node/edge arrays it was about: kept on the
 * canvas until the graph's content changes, so a re-validation scheduled by an earlier edit
 * (which cannot know about an unknown model file) does not wipe it.
 */
let refused: { nodes: unknown[]; edges: unknown[]; issues: GraphIssue[] } | undefined;

/**
 * Validates and queues `doc` (default: the current graph). Resolves to the run id, or undefined
 * when refused. The App view passes a copy with its seed increments; "Run from here" passes
 * `force` (node ids executed even when cached, with their descendants).
 */
export async function runGraph(
  doc: GraphDoc = currentDoc(),
  opts: { force?: string[] } = {},
): Promise<string | undefined> {
  if (!doc.nodes.length) {
    toast(
      'Add some nodes first (drag them from the palette or double-click the canvas).',
      'warning',
    );
    return undefined;
  }
  const issues = validateGraph(doc, catalog);
  useUi.setState({ liveValidation: true });
  setIssues(issues);
  if (issues.length) {
    toast(
      `${issues.length} problem${issues.length > 1 ? 's' : ''} to fix before running: ${issues[0]!.message}`,
      'error',
    );
    return undefined;
  }
  const checks = checkDoc(doc);
  setChecks(checks);
  if (checks.length) {
    toast(refusalText(checks, titleOf), 'error', 8000);
    return undefined;
  }
  try {
    const { runId } = await api.startRun(doc, opts.force);
    runQueued(
      runId,
      doc.nodes.map((n) => n.id),
      doc.name,
    );
    return runId;
  } catch (e) {
    if (e instanceof ApiError && e.issues.length) {
      const { nodes, edges } = useGraph.getState();
      refused = { nodes, edges, issues: e.issues };
      setIssues(e.issues);
      toast(`The runtime refused the graph: ${e.issues[0]!.message}`, 'error');
    } else {
      toast(`Run failed to start: ${(e as Error).message}`, 'error');
    }
    return undefined;
  }
}

/**
 * True when a recorded run (GET /api/runs/:id `graph`) was a run of what is on the canvas now:
 * the same node ids with the same types (params may have changed since). Used after a reload to
 * decide whether the latest run's results belong on these nodes; a run of another graph that
 * happens to share an id such as `txt2img-1` must not paint its images here.
 */
export function runMatchesCanvas(runGraph: unknown): boolean {
  const nodes = (runGraph as { nodes?: { id?: unknown; type?: unknown }[] } | undefined)?.nodes;
  if (!Array.isArray(nodes) || !nodes.length) return false;
  const canvas = new Map(currentDoc().nodes.map((n) => [n.id, n.type]));
  return (
    nodes.length === canvas.size &&
    nodes.every((n) => typeof n.id === 'string' && canvas.get(n.id) === n.type)
  );
}

/** Asks the runtime to cancel a run. */
export async function cancelRun(runId: string): Promise<void> {
  try {
    await api.cancelRun(runId);
  } catch (e) {
    toast(`Cancel failed: ${(e as Error).message}`, 'error');
  }
}

/**
 * Once a run was attempted, re-validates on every edit (debounced 250 ms) so highlights clear as
 * problems get fixed. Before that, problems are only counted, not painted, so a half-built graph
 * is not a wall of red. Returns the unsubscribe function.
 */
export function liveValidation(): () => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    const doc = currentDoc();
    let issues = validateGraph(doc, catalog);
    const { nodes, edges } = useGraph.getState();
    if (refused && refused.edges === edges && sameContent(refused.nodes as typeof nodes, nodes)) {
      const seen = new Set(issues.map((i) => `${i.code}|${i.nodeId}|${i.edgeId}|${i.field}`));
      issues = [
        ...issues,
        ...refused.issues.filter((i) => !seen.has(`${i.code}|${i.nodeId}|${i.edgeId}|${i.field}`)),
      ];
    } else {
      refused = undefined;
    }
    if (useUi.getState().liveValidation) setIssues(issues);
    else useUi.setState({ issueCount: issues.length });
    setChecks(checkDoc(doc));
  };
  check();
  const later = () => {
    clearTimeout(t);
    t = setTimeout(check, 250);
  };
  const unGraph = onGraphChange((discrete) => {
    // Nodes added, removed or a whole graph loaded: check now, so the nodes' first render already
    // carries their warnings (a 500-node graph is not painted twice). Typing stays debounced.
    if (discrete) {
      clearTimeout(t);
      check();
    } else later();
  });
  // The checks read the served catalog and GET /api/health, which arrive after the first check.
  const unCatalog = useCatalog.subscribe((s, prev) => {
    if (s.specs !== prev.specs || s.sdCppConfigured !== prev.sdCppConfigured) later();
  });
  return () => {
    clearTimeout(t);
    unGraph();
    unCatalog();
  };
}

/**
 * Calls `fn` when a node's params/type/data or an edge changed (not on drags, selection or
 * measuring); `discrete` is true when the set of nodes changed (add, delete, load).
 */
function onGraphChange(fn: (discrete: boolean) => void): () => void {
  return useGraph.subscribe((s, prev) => {
    if (s.nodes !== prev.nodes && s.nodes.length !== prev.nodes.length) fn(true);
    else if (
      s.edges !== prev.edges ||
      (s.nodes !== prev.nodes && !sameContent(s.nodes, prev.nodes))
    )
      fn(false);
  });
}

/** True when two node lists differ only in positions, sizes or selection (xyflow view changes). */
function sameContent(
  a: readonly { id: string; type?: string; data: unknown }[],
  b: readonly { id: string; type?: string; data: unknown }[],
): boolean {
  return (
    a.length === b.length &&
    a.every((n, i) => n.id === b[i]!.id && n.type === b[i]!.type && n.data === b[i]!.data)
  );
}
