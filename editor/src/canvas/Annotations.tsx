/** Editor-only annotations: sticky notes and group frames (ComfyUI groups, n8n sticky notes). */
import { memo } from 'react';
import { NodeResizer, type Node, type NodeProps } from '@xyflow/react';
import { setAnnotation } from '../graph/ops';
import type { GroupData, NoteData } from '../graph/types';

export const NoteView = memo(function NoteView({ id, data, selected }: NodeProps<Node<NoteData>>) {
  return (
    <div className="note" data-testid={`note-${id}`}>
      <NodeResizer isVisible={selected} minWidth={120} minHeight={60} />
      <textarea
        className="nodrag nowheel"
        value={data.text ?? ''}
        placeholder="Note…"
        onChange={(e) => setAnnotation(id, 'text', e.target.value)}
      />
    </div>
  );
});

export const GroupView = memo(function GroupView({
  id,
  data,
  selected,
}: NodeProps<Node<GroupData>>) {
  return (
    <div className="group" data-testid={`group-${id}`}>
      <NodeResizer isVisible={selected} minWidth={160} minHeight={100} />
      <input
        className="group-label nodrag"
        value={data.label ?? ''}
        onChange={(e) => setAnnotation(id, 'label', e.target.value)}
      />
    </div>
  );
});
