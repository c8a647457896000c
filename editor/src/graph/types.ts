/**
 * Editor-side node and edge types. A graph node (design.md §3) already has @xyflow/react's shape
 * (`id`, `type`, `position`); its `params` and free-form `data` ride in the xyflow `data` field.
 * Notes and groups are editor-only annotations (types prefixed `@`); they are written to the
 * document's `meta.annotations`, never to `nodes`, so the runtime never sees them.
 */
import type { Edge, Node } from '@xyflow/react';
import type { NodeApp, NodeMode } from '../../../nodes/index';

export interface ParamNodeData extends Record<string, unknown> {
  params: Record<string, unknown>;
  /** Declaration version the params were written for (graph node `version`). */
  version?: number;
  /** The graph node's free-form `data` (kept untouched, e.g. an imported placeholder's original). */
  extra?: Record<string, unknown>;
  /** App mode (graph node `app`): params shown in the App form, app-output flag. */
  app?: NodeApp;
  /** Bypass / mute (graph node `mode`, issue 15); absent = the node runs. */
  mode?: NodeMode;
}

export interface NoteData extends Record<string, unknown> {
  text: string;
}

export interface GroupData extends Record<string, unknown> {
  label: string;
}

export const NOTE_TYPE = '@note';
export const GROUP_TYPE = '@group';

export type FlowNode = Node<ParamNodeData> | Node<NoteData> | Node<GroupData>;
export type FlowEdge = Edge<{ portType?: string }>;

export const isAnnotation = (type: string | undefined) => type === NOTE_TYPE || type === GROUP_TYPE;
