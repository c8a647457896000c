/**
 * Putting a saved mask into the graph: a Load image node showing the mask, below the Load image
 * node it was painted from, wired into the `mask` input of every node that node's image feeds
 * and that has one (img2img: inpainting). Nodes without a `mask` input are left alone.
 */
import { useGraph } from '../state/graph';
import { useCatalog } from '../state/catalog';
import { addNode, connect } from '../graph/ops';

/**
 * Adds the mask's Load image node and wires it; returns the new node id and the ids of the nodes
 * it now feeds. Without `fromNodeId` (painted from the gallery) the node lands at `fallback`.
 */
export function placeMask(
  maskUuid: string,
  fromNodeId: string | undefined,
  fallback = { x: 0, y: 0 },
): { nodeId: string | undefined; wired: string[] } {
  const g = useGraph.getState();
  const from = fromNodeId ? g.nodes.find((n) => n.id === fromNodeId) : undefined;
  const at = from
    ? { x: from.position.x, y: from.position.y + (from.measured?.height ?? 260) + 40 }
    : fallback;
  const nodeId = addNode('load-image', at, undefined, { source: maskUuid });
  const wired: string[] = [];
  if (!nodeId || !from) return { nodeId, wired };
  const specs = useCatalog.getState().specs;
  const targets = useGraph
    .getState()
    .edges.filter((e) => e.source === from.id && e.sourceHandle === 'image')
    .map((e) => e.target);
  for (const t of new Set(targets)) {
    const node = useGraph.getState().nodes.find((n) => n.id === t);
    if (node?.type && specs.get(node.type)?.inputs.mask?.type === 'image') {
      connect({ source: nodeId, sourceHandle: 'image', target: t, targetHandle: 'mask' });
      wired.push(t);
    }
  }
  return { nodeId, wired };
}
