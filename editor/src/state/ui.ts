/** UI-only state: open overlays and the pending "add node" search (double-click or link drop). */
import { create } from 'zustand';
import type { XYPosition } from '@xyflow/react';
import type { GraphIssue } from '../../../nodes/index';
import type { PreflightIssue } from '../queue/preflight';
import type { UploadResult } from '../api/client';

export interface AddMenuRequest {
  /** Where the menu shows (screen px) and where the node lands (flow coordinates). */
  screen: XYPosition;
  flow: XYPosition;
  /** Set when the menu came from dropping a link: only compatible types are offered and the new node is wired. */
  wire?: { nodeId: string; handleId: string; side: 'source' | 'target'; portType: string };
}

interface UiState {
  addMenu?: AddMenuRequest;
  help: boolean;
  workflows: boolean;
  /** The gallery image picker of a Load image node, open for that node id. */
  imagePicker?: string;
  /** An image dropped on the canvas that carries a workflow: open it, or use the image? */
  dropChoice?: { upload: UploadResult; name: string; position: XYPosition };
  /** The mask painter, open on a library image (its generation uuid); `nodeId`: the Load image node it came from. */
  maskPainter?: { uuid: string; nodeId?: string };
  /** Validation problems by node id / edge id (client validateGraph or the server's 400). */
  nodeIssues: Record<string, GraphIssue[]>;
  edgeIssues: Record<string, GraphIssue[]>;
  issueCount: number;
  /** Paint problems on nodes/edges (turned on by the first Run attempt or the toolbar's problem count). */
  liveValidation: boolean;
  /** Pre-run checks by node id (queue/preflight.ts): always painted, they are configuration, not half-built graphs. */
  nodeChecks: Record<string, PreflightIssue[]>;
}

export const useUi = create<UiState>(() => ({
  help: false,
  workflows: false,
  nodeIssues: {},
  edgeIssues: {},
  issueCount: 0,
  liveValidation: false,
  nodeChecks: {},
}));

const sameList = <T extends { code: string; message: string; field?: string }>(
  a: readonly T[] | undefined,
  b: readonly T[],
) =>
  !!a &&
  a.length === b.length &&
  a.every(
    (x, i) => x.code === b[i]!.code && x.message === b[i]!.message && x.field === b[i]!.field,
  );

/**
 * Groups `list` by `key`, reusing the previous array of every group whose content did not change:
 * node components select their own entry, so only nodes whose problems changed re-render.
 */
function regroup<T extends { code: string; message: string; field?: string }>(
  list: readonly T[],
  key: (x: T) => string | undefined,
  prev: Record<string, T[]>,
): Record<string, T[]> {
  const next: Record<string, T[]> = {};
  for (const x of list) {
    const k = key(x);
    if (k !== undefined) (next[k] ??= []).push(x);
  }
  for (const k of Object.keys(next)) if (sameList(prev[k], next[k]!)) next[k] = prev[k]!;
  return next;
}

/** Replaces the highlighted problems. */
export function setIssues(issues: GraphIssue[]): void {
  const s = useUi.getState();
  const nodeIssues = regroup(
    issues.filter((i) => !i.edgeId),
    (i) => i.nodeId,
    s.nodeIssues,
  );
  const edgeIssues = regroup(issues, (i) => i.edgeId, s.edgeIssues);
  useUi.setState({ nodeIssues, edgeIssues, issueCount: issues.length });
}

/** Replaces the pre-run checks shown on the nodes. */
export function setChecks(checks: readonly PreflightIssue[]): void {
  const prev = useUi.getState().nodeChecks;
  const next = regroup(checks, (c) => c.nodeId, prev);
  const keys = Object.keys(next);
  if (keys.length === Object.keys(prev).length && keys.every((k) => next[k] === prev[k])) return;
  useUi.setState({ nodeChecks: next });
}

const EMPTY: GraphIssue[] = [];
const NO_CHECKS: PreflightIssue[] = [];
export const useNodeIssues = (id: string) => useUi((s) => s.nodeIssues[id] ?? EMPTY);
export const useEdgeIssues = (id: string) => useUi((s) => s.edgeIssues[id] ?? EMPTY);
export const useNodeChecks = (id: string) => useUi((s) => s.nodeChecks[id] ?? NO_CHECKS);
