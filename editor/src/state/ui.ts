/** UI-only state: open overlays and the pending "add node" search (double-click or link drop). */
import { create } from 'zustand';
import type { XYPosition } from '@xyflow/react';
import type { GraphIssue } from '../../../nodes/index';

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
  /** Validation problems by node id / edge id (client validateGraph or the server's 400). */
  nodeIssues: Record<string, GraphIssue[]>;
  edgeIssues: Record<string, GraphIssue[]>;
  issueCount: number;
  /** Paint problems on nodes/edges (turned on by the first Run attempt or the toolbar's problem count). */
  liveValidation: boolean;
}

export const useUi = create<UiState>(() => ({ help: false, workflows: false, nodeIssues: {}, edgeIssues: {}, issueCount: 0, liveValidation: false }));

/** Replaces the highlighted problems. */
export function setIssues(issues: GraphIssue[]): void {
  const nodeIssues: Record<string, GraphIssue[]> = {};
  const edgeIssues: Record<string, GraphIssue[]> = {};
  for (const i of issues) {
    if (i.edgeId) (edgeIssues[i.edgeId] ??= []).push(i);
    else if (i.nodeId) (nodeIssues[i.nodeId] ??= []).push(i);
  }
  useUi.setState({ nodeIssues, edgeIssues, issueCount: issues.length });
}

const EMPTY: GraphIssue[] = [];
export const useNodeIssues = (id: string) => useUi((s) => s.nodeIssues[id] ?? EMPTY);
export const useEdgeIssues = (id: string) => useUi((s) => s.edgeIssues[id] ?? EMPTY);
