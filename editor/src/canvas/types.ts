/**
 * nodeTypes / edgeTypes at module scope (xyflow error002 otherwise). Catalog types are only known
 * after GET /api/nodes, and unknown types must still render as placeholders, so every type that
 * is not an annotation resolves to the one generic NodeView through a Proxy (xyflow looks types
 * up by key: `nodeTypes?.[node.type]`).
 */
import type { EdgeTypes, NodeTypes } from '@xyflow/react';
import { NodeView } from './NodeView';
import { GroupView, NoteView } from './Annotations';
import { TypedEdge } from './TypedEdge';
import { GROUP_TYPE, NOTE_TYPE } from '../graph/types';

const fixed: Record<string, unknown> = { [NOTE_TYPE]: NoteView, [GROUP_TYPE]: GroupView };

export const nodeTypes = new Proxy(fixed, {
  get: (target, key) => (typeof key === 'string' ? (target[key] ?? NodeView) : undefined),
}) as NodeTypes;

export const edgeTypes: EdgeTypes = { typed: TypedEdge as EdgeTypes[string] };
