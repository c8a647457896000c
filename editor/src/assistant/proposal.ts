/**
 * Applies an assistant's edit proposal to the canvas as ONE undo step: the proposal's ops
 * (nodes/core/graph-ops.ts, the same functions the runtime validated them with) run on the
 * canvas's current document, so edits made on the canvas meanwhile are kept.
 */
import { applyGraphOps, type GraphOp } from '../../../nodes/core/graph-ops';
import { docToFlow } from '../graph/convert';
import { currentDoc } from '../graph/io';
import { edit } from '../state/graph';
import { useCatalog } from '../state/catalog';
import type { EditProposal } from '../../../wire/assistant';

/**
 * @throws GraphOpError when the ops no longer apply to the canvas (e.g. a node they name was
 *   deleted meanwhile); nothing changes then
 */
export function applyProposal(p: EditProposal): void {
  const specs = useCatalog.getState().specs;
  const { graph } = applyGraphOps(currentDoc(), p.ops as GraphOp[], (t) => specs.get(t));
  const flow = docToFlow(graph);
  edit('Assistant edit', (d) => {
    d.nodes = flow.nodes as never;
    d.edges = flow.edges as never;
  });
}
