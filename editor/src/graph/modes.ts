/**
 * Bypass and mute in the editor (issue 15 §1): Ctrl+B / Ctrl+M and the node menu toggle a node's
 * `mode` (graph node field, nodes/core/modes.ts says what the runtime does with it). Like
 * ComfyUI: acting on a selection where every node already has that mode clears it, otherwise
 * every node gets it. One undo step per toggle. Notes and groups have no mode.
 */
import type { NodeMode } from '../../../nodes/index';
import { edit, useGraph } from '../state/graph';
import { isAnnotation, type ParamNodeData } from './types';

/** Selected graph nodes, or `ids` when given (the node menu acts on its node). */
function targets(ids?: readonly string[]): string[] {
  const { nodes } = useGraph.getState();
  const pick = ids ? new Set(ids) : undefined;
  return nodes
    .filter((n) => !isAnnotation(n.type) && (pick ? pick.has(n.id) : n.selected))
    .map((n) => n.id);
}

/**
 * Toggles `mode` on the selection (or on `ids`). Returns the mode the nodes now have
 * (undefined = they run normally), or null when there was nothing to act on.
 */
export function toggleMode(mode: NodeMode, ids?: readonly string[]): NodeMode | undefined | null {
  const list = targets(ids);
  if (!list.length) return null;
  const byId = new Map(useGraph.getState().nodes.map((n) => [n.id, n]));
  const all = list.every((id) => (byId.get(id)!.data as ParamNodeData).mode === mode);
  const next = all ? undefined : mode;
  const label = `${next ? (mode === 'bypass' ? 'Bypass' : 'Mute') : 'Unbypass/unmute'} ${list.length} node${list.length === 1 ? '' : 's'}`;
  const set = new Set(list);
  edit(label, (d) => {
    for (const n of d.nodes) {
      if (!set.has(n.id)) continue;
      const data = n.data as ParamNodeData;
      if (next) data.mode = next;
      else delete data.mode;
    }
  });
  return next;
}
