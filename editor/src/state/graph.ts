/**
 * The graph slice: the nodes and edges on the canvas, the document head (saved id, name) and the
 * unsaved-changes flag. Every user edit goes through {@link edit} (an immer recipe): immer's
 * patches and inverse patches become one undo entry, so undo/redo replays exactly what changed
 * (the approach of InvokeAI PR #6379, with patches instead of snapshots). View-only changes
 * (selection, measured size, drag frames) go through {@link setTransient} and are never recorded.
 */
import { create } from 'zustand';
import {
  applyPatches,
  enablePatches,
  produceWithPatches,
  setAutoFreeze,
  type Draft,
  type Patch,
} from 'immer';
import type { FlowEdge, FlowNode } from '../graph/types';

enablePatches();
// xyflow hands node objects back to us (applyNodeChanges spreads them); frozen objects would
// make any library-side write throw, so structural sharing without freezing is the safer deal.
setAutoFreeze(false);

export interface GraphHead {
  /** Id of the saved workflow on the server; undefined until first saved. */
  id?: string;
  name: string;
}

interface GraphState {
  nodes: FlowNode[];
  edges: FlowEdge[];
  head: GraphHead;
  dirty: boolean;
  canUndo: boolean;
  canRedo: boolean;
  /** Label of the last recorded edit (shown in the status bar and checked by tests). */
  lastEdit?: string;
}

/** What an edit recipe may change; the head's name is included so renames are undoable. */
export interface EditableDoc {
  nodes: FlowNode[];
  edges: FlowEdge[];
  name: string;
}

interface Entry {
  label: string;
  patches: Patch[];
  inverse: Patch[];
  /** Consecutive edits with the same key within {@link COALESCE_MS} merge (typing in a field). */
  key?: string;
  at: number;
}

const HISTORY_LIMIT = 300;
const COALESCE_MS = 1000;
const past: Entry[] = [];
const future: Entry[] = [];

export const useGraph = create<GraphState>(() => ({
  nodes: [],
  edges: [],
  head: { name: 'Untitled' },
  dirty: false,
  canUndo: false,
  canRedo: false,
}));

function current(): EditableDoc {
  const s = useGraph.getState();
  return { nodes: s.nodes, edges: s.edges, name: s.head.name };
}

function publish(doc: EditableDoc, lastEdit?: string): void {
  const s = useGraph.getState();
  useGraph.setState({
    nodes: doc.nodes,
    edges: doc.edges,
    head: doc.name === s.head.name ? s.head : { ...s.head, name: doc.name },
    dirty: true,
    canUndo: past.length > 0,
    canRedo: future.length > 0,
    ...(lastEdit ? { lastEdit } : {}),
  });
}

/**
 * Applies a recorded edit. `label` names it in the history ("Add node", "Connect", …);
 * `coalesceKey` merges rapid repeats (each keystroke of a prompt) into one undo step.
 * A recipe that changes nothing records nothing.
 */
export function edit(
  label: string,
  recipe: (d: Draft<EditableDoc>) => void,
  coalesceKey?: string,
): void {
  const [next, patches, inverse] = produceWithPatches(current(), recipe);
  if (!patches.length) return;
  record(label, patches, inverse, coalesceKey);
  publish(next, label);
}

/** Pushes an already-applied change (e.g. a finished drag) onto the undo stack. */
export function record(
  label: string,
  patches: Patch[],
  inverse: Patch[],
  coalesceKey?: string,
): void {
  const now = Date.now();
  const last = past[past.length - 1];
  if (coalesceKey && last && last.key === coalesceKey && now - last.at < COALESCE_MS) {
    last.patches.push(...patches);
    last.inverse = [...inverse, ...last.inverse];
    last.at = now;
  } else {
    past.push({ label, patches, inverse, key: coalesceKey, at: now });
    if (past.length > HISTORY_LIMIT) past.shift();
  }
  future.length = 0;
  useGraph.setState({ canUndo: true, canRedo: false, dirty: true, lastEdit: label });
}

/** Reverts the last recorded edit; returns its label or undefined when there is none. */
export function undo(): string | undefined {
  const entry = past.pop();
  if (!entry) return undefined;
  future.push(entry);
  publish(applyPatches(current(), entry.inverse), `Undo ${entry.label}`);
  return entry.label;
}

/** Re-applies the last undone edit; returns its label or undefined. */
export function redo(): string | undefined {
  const entry = future.pop();
  if (!entry) return undefined;
  past.push(entry);
  publish(applyPatches(current(), entry.patches), `Redo ${entry.label}`);
  return entry.label;
}

/** Replaces nodes/edges without recording (selection, measured sizes, drag frames). */
export function setTransient(patch: Partial<Pick<GraphState, 'nodes' | 'edges'>>): void {
  useGraph.setState(patch);
}

/** Loads a whole document: clears history and the dirty flag. */
export function loadFlow(
  nodes: FlowNode[],
  edges: FlowEdge[],
  head: GraphHead,
  dirty = false,
): void {
  past.length = 0;
  future.length = 0;
  useGraph.setState({
    nodes,
    edges,
    head,
    dirty,
    canUndo: false,
    canRedo: false,
    lastEdit: undefined,
  });
}

/** Marks the document as saved under `head` (after a successful save). */
export function markSaved(head: GraphHead): void {
  useGraph.setState({ head, dirty: false });
}

/** Ids of the currently selected nodes and edges (xyflow keeps `selected` on each element). */
export function selection(): { nodes: FlowNode[]; edges: FlowEdge[] } {
  const s = useGraph.getState();
  return { nodes: s.nodes.filter((n) => n.selected), edges: s.edges.filter((e) => e.selected) };
}

/** A node id not used yet, readable: `txt2img-3` (shared with the runtime's graph ops). */
export { freshId } from '../../../nodes/core/graph-ops';
