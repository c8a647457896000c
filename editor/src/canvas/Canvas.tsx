/**
 * The canvas: a controlled <ReactFlow> over the graph slice. Connections are checked by port type
 * (isValidConnection) and a refused drop says why in a toast; a wire dropped on empty space opens
 * the compatible-node search; palette entries, workflow files and gallery images can be dropped on it.
 */
import {
  useCallback,
  useEffect,
  useMemo,
  type DragEvent,
  type MouseEvent as ReactMouseEvent,
} from 'react';
import {
  Background,
  BackgroundVariant,
  Controls,
  getViewportForBounds,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type Edge,
  type FinalConnectionState,
  type InternalNode,
  type Node,
} from '@xyflow/react';
import { useGraph } from '../state/graph';
import { pendingProposal, useAssistant } from '../assistant/state';
import { portType, useCatalog } from '../state/catalog';
import { useUi } from '../state/ui';
import { toast } from '../state/toasts';
import { addNode, connect, connectionProblem } from '../graph/ops';
import { importFile } from '../graph/io';
import { generationFromTransfer } from '../graph/image-source';
import { isAnnotation, type FlowNode } from '../graph/types';
import { NODE_MIME } from '../panels/Palette';
import { onEdgesChange, onNodesChange } from './changes';
import { edgeTypes, nodeTypes } from './types';
import { CanvasHints } from './CanvasHints';
import { dropImageFile, isImageFile } from '../graph/upload';
import type { GraphDoc } from '../../../nodes/core/graph';
import { NodeMenu, openNodeMenu } from './NodeMenu';
import { useTheme } from '../panels/theme';

const onNodeContextMenu = (e: ReactMouseEvent, node: Node) => {
  if (isAnnotation(node.type)) return;
  e.preventDefault();
  openNodeMenu(node.id, e.clientX, e.clientY);
};

const isValidConnection = (c: Connection | Edge) => !connectionProblem(c as Connection);
const onConnect = (c: Connection) => connect(c);
const defaultEdgeOptions = { type: 'typed' };
const proOptions = { hideAttribution: true };

const CATEGORY_COLORS: Record<string, string> = {
  input: '#e8b04a',
  text: '#d98b4a',
  diffusion: '#5fb8f0',
  image: '#4ac0a0',
  output: '#8fd16a',
};

function minimapColor(n: Node): string {
  if (isAnnotation(n.type)) return 'rgba(120,130,150,0.15)';
  const cat = n.type ? useCatalog.getState().specs.get(n.type)?.category : undefined;
  return (cat && CATEGORY_COLORS[cat]) || '#ff5a5a';
}

const MIN_ZOOM = 0.1;

/** Bounds of `nodes` in flow px, using measured sizes or a typical node size (270 × 240). */
function estimatedBounds(
  nodes: readonly FlowNode[],
): { x: number; y: number; width: number; height: number } | undefined {
  if (!nodes.length) return undefined;
  let x1 = Infinity,
    y1 = Infinity,
    x2 = -Infinity,
    y2 = -Infinity;
  for (const n of nodes) {
    x1 = Math.min(x1, n.position.x);
    y1 = Math.min(y1, n.position.y);
    x2 = Math.max(x2, n.position.x + (n.measured?.width ?? n.width ?? 270));
    y2 = Math.max(y2, n.position.y + (n.measured?.height ?? n.height ?? 240));
  }
  return { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

export function Canvas() {
  const graphNodes = useGraph((s) => s.nodes);
  const proposal = useAssistant(pendingProposal);
  // An assistant edit waiting for Apply/Reject: the nodes it would add are shown ghosted
  // (display only: not in the document, not selectable), those whose params it changes outlined.
  const nodes = useMemo((): FlowNode[] => {
    if (!proposal) return graphNodes;
    const changed = Object.keys(proposal.diff.changedParams);
    const have = new Set(graphNodes.map((n) => n.id));
    const ghosts: FlowNode[] = ((proposal.graph as GraphDoc | null)?.nodes ?? [])
      .filter((n) => proposal.diff.addedNodes.includes(n.id) && !have.has(n.id))
      .map((n) => ({
        id: n.id,
        type: n.type,
        position: n.position,
        data: { params: n.params, ...(n.version ? { version: n.version } : {}) },
        className: 'as-ghost',
        draggable: false,
        selectable: false,
        connectable: false,
        deletable: false,
      }));
    const marked = changed.length
      ? graphNodes.map((n) =>
          changed.includes(n.id) ? { ...n, className: `${n.className ?? ''} as-changed` } : n,
        )
      : graphNodes;
    return ghosts.length ? [...marked, ...ghosts] : marked;
  }, [graphNodes, proposal]);
  const edges = useGraph((s) => s.edges);
  const flow = useReactFlow();
  const theme = useTheme((s) => s.theme);

  useEffect(() => {
    const fit = () => {
      // Nodes of a just-loaded graph are not measured yet: aim at estimated bounds right away so
      // the first render already happens at the final zoom (a big graph mounts in low detail),
      // then fit exactly once they are measured.
      const el = document.querySelector('.react-flow');
      const b = estimatedBounds(useGraph.getState().nodes);
      if (el && b)
        flow.setViewport(
          getViewportForBounds(b, el.clientWidth, el.clientHeight, MIN_ZOOM, 1, 0.2),
        );
      requestAnimationFrame(() => flow.fitView({ padding: 0.2, maxZoom: 1, duration: 0 }));
    };
    window.addEventListener('mysti:fit', fit);
    return () => window.removeEventListener('mysti:fit', fit);
  }, [flow]);

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState<InternalNode>) => {
      if (!state.fromNode || !state.fromHandle?.id) return;
      if (state.toHandle && state.isValid === false) {
        const from = state.fromHandle;
        const c =
          from.type === 'source'
            ? {
                source: from.nodeId,
                sourceHandle: from.id,
                target: state.toHandle.nodeId,
                targetHandle: state.toHandle.id ?? null,
              }
            : {
                source: state.toHandle.nodeId,
                sourceHandle: state.toHandle.id ?? null,
                target: from.nodeId,
                targetHandle: from.id,
              };
        toast(
          `Cannot connect: ${connectionProblem(c as Connection) ?? 'incompatible ports'}`,
          'warning',
        );
        return;
      }
      if (state.toHandle) return;
      const target = event.target as Element | null;
      if (!target?.classList.contains('react-flow__pane')) return;
      const pt = 'changedTouches' in event ? event.changedTouches[0]! : event;
      const side = state.fromHandle.type;
      const t = portType(
        state.fromNode.type,
        side === 'source' ? 'outputs' : 'inputs',
        state.fromHandle.id,
      );
      if (!t) return;
      useUi.setState({
        addMenu: {
          screen: { x: pt.clientX, y: pt.clientY },
          flow: flow.screenToFlowPosition({ x: pt.clientX, y: pt.clientY }),
          wire: { nodeId: state.fromNode.id, handleId: state.fromHandle.id, side, portType: t },
        },
      });
    },
    [flow],
  );

  const onDoubleClick = useCallback(
    (e: ReactMouseEvent) => {
      if (!(e.target as Element).classList.contains('react-flow__pane')) return;
      useUi.setState({
        addMenu: {
          screen: { x: e.clientX, y: e.clientY },
          flow: flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }),
        },
      });
    },
    [flow],
  );

  const onDragOver = useCallback((e: DragEvent) => {
    e.preventDefault();
    e.dataTransfer.dropEffect = e.dataTransfer.types.includes('Files') ? 'copy' : 'move';
  }, []);

  const onDrop = useCallback(
    (e: DragEvent) => {
      e.preventDefault();
      const type = e.dataTransfer.getData(NODE_MIME);
      if (type) {
        const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        addNode(type, { x: p.x - 20, y: p.y - 20 });
        return;
      }
      // A gallery image (its URL, e.g. dragged from the gallery in another tab) becomes a Load
      // image node; checked before files because Chromium also attaches the image file itself.
      const uuid = generationFromTransfer(e.dataTransfer);
      if (uuid) {
        const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        addNode('load-image', { x: p.x - 20, y: p.y - 20 }, undefined, { source: uuid });
        return;
      }
      const file = e.dataTransfer.files[0];
      if (file && isImageFile(file)) {
        // An image from disk: uploaded, then a Load image node (or the choice to open its workflow).
        const p = flow.screenToFlowPosition({ x: e.clientX, y: e.clientY });
        void dropImageFile(file, { x: p.x - 20, y: p.y - 20 });
        return;
      }
      if (file) {
        if (
          useGraph.getState().dirty &&
          useGraph.getState().nodes.length &&
          !confirm('Replace the current graph? It has unsaved changes.')
        )
          return;
        void importFile(file);
      }
    },
    [flow],
  );

  return (
    <div className="canvas" onDoubleClick={onDoubleClick} data-testid="canvas">
      <ReactFlow<FlowNode>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        onConnectEnd={onConnectEnd}
        onNodeContextMenu={onNodeContextMenu}
        isValidConnection={isValidConnection}
        onDrop={onDrop}
        onDragOver={onDragOver}
        defaultEdgeOptions={defaultEdgeOptions}
        deleteKeyCode={null}
        selectionKeyCode="Shift"
        multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
        zoomOnDoubleClick={false}
        minZoom={MIN_ZOOM}
        maxZoom={2.5}
        colorMode={theme}
        proOptions={proOptions}
        connectionRadius={24}
      >
        <Background variant={BackgroundVariant.Dots} gap={24} size={1.2} color="#2c313c" />
        <MiniMap pannable zoomable nodeColor={minimapColor} maskColor="rgba(10,12,16,0.7)" />
        <Controls showInteractive={false} />
      </ReactFlow>
      <CanvasHints />
      <NodeMenu />
    </div>
  );
}
