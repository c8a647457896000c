/** An edge coloured by the port type it carries; red and dashed when validation flags it. */
import { memo } from 'react';
import { BaseEdge, getBezierPath, type Edge, type EdgeProps } from '@xyflow/react';
import { portColor } from '../state/catalog';
import { useEdgeIssues } from '../state/ui';
import { countRender, PROFILING } from '../dev/profile';

export const TypedEdge = memo(function TypedEdge(props: EdgeProps<Edge<{ portType?: string }>>) {
  if (PROFILING) countRender('edge', props.id);
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, selected } =
    props;
  const issues = useEdgeIssues(id);
  const [path] = getBezierPath({
    sourceX,
    sourceY,
    targetX,
    targetY,
    sourcePosition,
    targetPosition,
  });
  const bad = issues.length > 0;
  return (
    <g className={bad ? 'edge-invalid' : undefined} data-testid={`edge-${id}`}>
      <title>{bad ? issues.map((i) => i.message).join('\n') : (data?.portType ?? '')}</title>
      <BaseEdge
        id={id}
        path={path}
        style={{
          stroke: bad ? '#ff5a5a' : portColor(data?.portType),
          strokeWidth: selected ? 3.5 : 2.25,
          strokeDasharray: bad ? '6 4' : undefined,
        }}
      />
    </g>
  );
});
