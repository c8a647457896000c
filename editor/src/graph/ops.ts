/**
 * The edit vocabulary of the canvas: every user action that changes the document is one of these
 * functions, and each is exactly one undo step (state/graph.ts `edit`).
 */
import type { Connection, XYPosition } from '@xyflow/react';
import type { NodeSpecJson } from '../../../nodes/index';
import { edit, freshId, useGraph } from '../state/graph';
import { portType, useCatalog } from '../state/catalog';
import { GROUP_TYPE, NOTE_TYPE, type FlowEdge, type FlowNode, type ParamNodeData } from './types';

const takenIds = () => new Set(useGraph.getState().nodes.map((n) => n.id));

/** A fresh node of `spec` at `position` (flow coordinates) with the spec's defaults. */
export function makeNode(
  spec: NodeSpecJson,
  position: XYPosition,
  taken: ReadonlySet<string>,
): FlowNode {
  return {
    id: freshId(spec.type, taken),
    type: spec.type,
    position,
    data: { params: structuredClone(spec.defaults), version: spec.version } satisfies ParamNodeData,
  };
}

/**
 * Adds a node of `type`; optionally wires it to an existing port in the same undo step, and
 * `params` override the spec's defaults (a dropped gallery image becomes a Load image with its
 * source set). Returns its id.
 */
export function addNode(
  type: string,
  position: XYPosition,
  wire?: { nodeId: string; handleId: string; side: 'source' | 'target' },
  params?: Record<string, unknown>,
): string | undefined {
  const spec = useCatalog.getState().specs.get(type);
  if (!spec) return undefined;
  const node = makeNode(spec, position, takenIds());
  if (params) Object.assign((node.data as ParamNodeData).params, params);
  let edge: FlowEdge | undefined;
  if (wire) {
    const from = useGraph.getState().nodes.find((n) => n.id === wire.nodeId);
    if (wire.side === 'source') {
      const t = portType(from?.type, 'outputs', wire.handleId);
      // A required input of the type first (img2img's image, not its optional mask), else the first optional one.
      const fits = Object.entries(spec.inputs).filter(([, p]) => p.type === t);
      const input = (fits.find(([, p]) => !p.optional) ?? fits[0])?.[0];
      if (input)
        edge = newEdge({
          source: wire.nodeId,
          sourceHandle: wire.handleId,
          target: node.id,
          targetHandle: input,
        });
    } else {
      const t = portType(from?.type, 'inputs', wire.handleId);
      const output = Object.entries(spec.outputs).find(([, p]) => p.type === t)?.[0];
      if (output)
        edge = newEdge({
          source: node.id,
          sourceHandle: output,
          target: wire.nodeId,
          targetHandle: wire.handleId,
        });
    }
  }
  edit(`Add ${spec.title}`, (d) => {
    for (const n of d.nodes) n.selected = false;
    d.nodes.push({ ...node, selected: true } as never);
    if (edge) {
      d.edges = d.edges.filter(
        (e) => !(e.target === edge!.target && e.targetHandle === edge!.targetHandle),
      ) as never;
      d.edges.push(edge as never);
    }
  });
  return node.id;
}

function newEdge(c: {
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}): FlowEdge {
  const src = useGraph.getState().nodes.find((n) => n.id === c.source);
  return {
    id: `e-${c.source}.${c.sourceHandle}-${c.target}.${c.targetHandle}`,
    ...c,
    type: 'typed',
    data: { portType: portType(src?.type, 'outputs', c.sourceHandle) },
  };
}

/** Why a connection is refused, or undefined when it is legal (same port type, no self loop). */
export function connectionProblem(c: Connection | FlowEdge): string | undefined {
  const nodes = useGraph.getState().nodes;
  const src = nodes.find((n) => n.id === c.source);
  const dst = nodes.find((n) => n.id === c.target);
  if (!src || !dst) return 'unknown node';
  if (c.source === c.target) return 'a node cannot feed itself';
  const out = portType(src.type, 'outputs', c.sourceHandle);
  const inp = portType(dst.type, 'inputs', c.targetHandle);
  if (!out || !inp) return 'unknown port';
  if (out !== inp) return `${out} output cannot feed a ${inp} input`;
  return undefined;
}

/** Connects two ports; an input already wired is re-wired (ComfyUI behaviour). */
export function connect(c: Connection): void {
  if (!c.sourceHandle || !c.targetHandle || connectionProblem(c)) return;
  const edge = newEdge({
    source: c.source,
    sourceHandle: c.sourceHandle,
    target: c.target,
    targetHandle: c.targetHandle,
  });
  edit('Connect', (d) => {
    d.edges = d.edges.filter(
      (e) => !(e.target === edge.target && e.targetHandle === edge.targetHandle),
    ) as never;
    d.edges.push(edge as never);
  });
}

/** Deletes the selected nodes and edges, plus edges left dangling, as one step. */
export function deleteSelection(): void {
  const s = useGraph.getState();
  const gone = new Set(s.nodes.filter((n) => n.selected).map((n) => n.id));
  const edgeGone = (e: FlowEdge) => e.selected || gone.has(e.source) || gone.has(e.target);
  if (!gone.size && !s.edges.some(edgeGone)) return;
  edit('Delete', (d) => {
    d.nodes = d.nodes.filter((n) => !gone.has(n.id)) as never;
    d.edges = d.edges.filter((e) => !edgeGone(e as FlowEdge)) as never;
  });
}

/** Sets one param of one node; keystrokes in the same field merge into one undo step. */
export function setParam(nodeId: string, key: string, value: unknown): void {
  edit(
    `Set ${key}`,
    (d) => {
      const n = d.nodes.find((x) => x.id === nodeId);
      if (n) (n.data as ParamNodeData).params[key] = value as never;
    },
    `param:${nodeId}:${key}`,
  );
}

/**
 * Renames a node: the display title lives in the graph node's free-form `data.title` (editor
 * `data.extra.title`), where ComfyUI-style titles of imported and default workflows already are.
 * An empty title, or the type's own title, removes it so the node shows its type's title again.
 * One undo step ("Rename node").
 */
export function setNodeTitle(nodeId: string, title: string, typeTitle?: string): void {
  const t = title.trim().slice(0, 200);
  edit('Rename node', (d) => {
    const n = d.nodes.find((x) => x.id === nodeId);
    if (!n) return;
    const data = n.data as ParamNodeData;
    if (!t || t === typeTitle) {
      if (data.extra && 'title' in data.extra) {
        delete data.extra.title;
        if (!Object.keys(data.extra).length) delete data.extra;
      }
    } else if (data.extra?.title !== t) {
      data.extra = { ...(data.extra ?? {}), title: t };
    }
  });
}

/**
 * The prompt node wired into the same node's `negative` input as `promptNodeId` feeds a `prompt`
 * input (the negative prompt a style's negative part belongs to), or undefined.
 */
export function negativePartner(promptNodeId: string): string | undefined {
  const { nodes, edges } = useGraph.getState();
  const typeOf = new Map(nodes.map((n) => [n.id, n.type]));
  for (const e of edges) {
    if (e.source !== promptNodeId || e.targetHandle !== 'prompt') continue;
    const neg = edges.find((x) => x.target === e.target && x.targetHandle === 'negative');
    if (neg && neg.source !== promptNodeId && typeOf.get(neg.source) === 'prompt')
      return neg.source;
  }
  return undefined;
}

/**
 * Writes an applied prompt template (POST /api/prompt-templates/:id/apply): the prompt into
 * `nodeId`'s text and, when there is one, the negative part into `negativeNodeId`'s text, as ONE
 * undo step named after the template.
 */
export function applyPromptTemplate(
  nodeId: string,
  name: string,
  result: { prompt: string; negativePrompt: string },
  negativeNodeId?: string,
): void {
  edit(`Apply style ${name}`, (d) => {
    const n = d.nodes.find((x) => x.id === nodeId);
    if (n) (n.data as ParamNodeData).params.text = result.prompt;
    const neg = negativeNodeId ? d.nodes.find((x) => x.id === negativeNodeId) : undefined;
    if (neg) (neg.data as ParamNodeData).params.text = result.negativePrompt;
  });
}

/** Sets a field of an annotation's data (note text, group label). */
export function setAnnotation(nodeId: string, key: string, value: string): void {
  edit(
    `Edit ${key}`,
    (d) => {
      const n = d.nodes.find((x) => x.id === nodeId);
      if (n) (n.data as Record<string, unknown>)[key] = value;
    },
    `ann:${nodeId}:${key}`,
  );
}

/** Adds a sticky note at `position`. */
export function addNote(position: XYPosition): void {
  const id = freshId('note', takenIds());
  edit('Add note', (d) => {
    d.nodes.push({
      id,
      type: NOTE_TYPE,
      position,
      data: { text: '' },
      width: 220,
      height: 120,
    } as never);
  });
}

/** Frames the selected nodes (or an empty area at `fallback`) in a group. */
export function addGroup(fallback: XYPosition): void {
  const sel = useGraph.getState().nodes.filter((n) => n.selected && n.type !== GROUP_TYPE);
  const pad = 40;
  let box = { x: fallback.x, y: fallback.y, w: 400, h: 300 };
  if (sel.length) {
    const xs = sel.map((n) => n.position.x);
    const ys = sel.map((n) => n.position.y);
    const x2 = sel.map((n) => n.position.x + (n.measured?.width ?? 240));
    const y2 = sel.map((n) => n.position.y + (n.measured?.height ?? 160));
    box = {
      x: Math.min(...xs) - pad,
      y: Math.min(...ys) - pad - 20,
      w: Math.max(...x2) - Math.min(...xs) + 2 * pad,
      h: Math.max(...y2) - Math.min(...ys) + 2 * pad + 20,
    };
  }
  const id = freshId('group', takenIds());
  edit('Add group', (d) => {
    d.nodes.unshift({
      id,
      type: GROUP_TYPE,
      position: { x: box.x, y: box.y },
      data: { label: 'Group' },
      width: box.w,
      height: box.h,
      zIndex: -1,
    } as never);
  });
}

/** Renames the document (undoable). */
export function rename(name: string): void {
  edit(
    'Rename',
    (d) => {
      d.name = name;
    },
    'rename',
  );
}

type AppInput = NonNullable<NonNullable<ParamNodeData['app']>['inputs']>[number];

const paramNode = (d: { nodes: FlowNode[] }, nodeId: string) =>
  d.nodes.find((x) => x.id === nodeId)?.data as ParamNodeData | undefined;

/** Drops an emptied `app` block so a graph with nothing exposed stays byte-identical to before. */
function tidyApp(data: ParamNodeData): void {
  if (data.app && !data.app.inputs?.length && !data.app.output) delete data.app;
  else if (data.app && !data.app.inputs?.length) delete data.app.inputs;
}

/**
 * Shows param `param` of node `nodeId` in the App form, or hides it again (issue 20). A new field
 * goes last (`order` one past the largest). One undo step.
 */
export function toggleAppInput(nodeId: string, param: string, on?: boolean): void {
  const nodes = useGraph.getState().nodes;
  const maxOrder = Math.max(
    -1,
    ...nodes.flatMap((n) => ((n.data as ParamNodeData).app?.inputs ?? []).map((x) => x.order ?? 0)),
  );
  const isOn = !!(
    nodes.find((n) => n.id === nodeId)?.data as ParamNodeData | undefined
  )?.app?.inputs?.some((x) => x.param === param);
  const want = on ?? !isOn;
  if (want === isOn) return;
  edit(want ? 'Show in app' : 'Hide from app', (d) => {
    const data = paramNode(d, nodeId);
    if (!data) return;
    const app = (data.app ??= {});
    const list = (app.inputs ??= []);
    if (want) list.push({ param, order: maxOrder + 1 });
    else app.inputs = list.filter((x) => x.param !== param);
    tidyApp(data);
  });
}

/** Changes an exposed field's label / group (empty = default) or order. One undo step per field edit. */
export function setAppInput(
  nodeId: string,
  param: string,
  patch: Partial<Pick<AppInput, 'label' | 'group' | 'order'>>,
): void {
  edit(
    'Edit app field',
    (d) => {
      const x = paramNode(d, nodeId)?.app?.inputs?.find((i) => i.param === param);
      if (!x) return;
      for (const [k, v] of Object.entries(patch) as [
        keyof typeof patch,
        string | number | undefined,
      ][]) {
        if (v === undefined || (typeof v === 'string' && !v.trim())) delete x[k];
        else (x as Record<string, unknown>)[k] = typeof v === 'string' ? v.trim().slice(0, 80) : v;
      }
    },
    `app:${nodeId}:${param}`,
  );
}

/**
 * Moves an exposed field one place up (-1) or down (+1) among `order`ed fields (the App form's
 * field list, by node id and param): renumbers every field 0..n-1 in the new order. One undo step.
 */
export function moveAppInput(
  list: readonly { nodeId: string; param: string }[],
  index: number,
  delta: -1 | 1,
): void {
  const to = index + delta;
  if (to < 0 || to >= list.length) return;
  const next = [...list];
  [next[index], next[to]] = [next[to]!, next[index]!];
  edit('Reorder app fields', (d) => {
    next.forEach((f, order) => {
      const x = paramNode(d, f.nodeId)?.app?.inputs?.find((i) => i.param === f.param);
      if (x) x.order = order;
    });
  });
}

/** Marks an output node (save/preview) as one whose images the App form shows, or unmarks it. One undo step. */
export function toggleAppOutput(nodeId: string): void {
  edit('Toggle app output', (d) => {
    const data = paramNode(d, nodeId);
    if (!data) return;
    if (data.app?.output) delete data.app.output;
    else (data.app ??= {}).output = {};
    tidyApp(data);
  });
}

/**
 * Shows an unconnected text input port in the App form (issue 20): a Prompt node titled after the
 * port is placed left of the node, wired to it, and its text exposed, so the field is an ordinary
 * node param (what the runtime, the API's `inputs` and the PNG chunk already understand). One
 * undo step. Returns the new node's id, or undefined when the port is wired already or not text.
 */
export function exposeInputPort(nodeId: string, port: string, label: string): string | undefined {
  const s = useGraph.getState();
  const target = s.nodes.find((n) => n.id === nodeId);
  const spec = useCatalog.getState().specs.get('prompt');
  if (!target || !spec || portType(target.type, 'inputs', port) !== 'text') return undefined;
  if (s.edges.some((e) => e.target === nodeId && e.targetHandle === port)) return undefined;
  const maxOrder = Math.max(
    -1,
    ...s.nodes.flatMap((n) =>
      ((n.data as ParamNodeData).app?.inputs ?? []).map((x) => x.order ?? 0),
    ),
  );
  // Left of the node, below whatever already sits in that column (a prompt wired to its other input).
  const x = target.position.x - 340;
  const below = s.nodes
    .filter((n) => Math.abs(n.position.x - x) < 300 && n.position.y + 400 > target.position.y)
    .map((n) => n.position.y + (n.measured?.height ?? n.height ?? 160) + 30);
  const node = makeNode(spec, { x, y: Math.max(target.position.y, ...below) }, takenIds());
  const data = node.data as ParamNodeData;
  const title = label.charAt(0).toUpperCase() + label.slice(1);
  data.extra = { title };
  data.app = { inputs: [{ param: 'text', order: maxOrder + 1 }] };
  const edge: FlowEdge = {
    id: `e-${node.id}.text-${nodeId}.${port}`,
    source: node.id,
    sourceHandle: 'text',
    target: nodeId,
    targetHandle: port,
    type: 'typed',
    data: { portType: 'text' },
  };
  edit('Show in app', (d) => {
    d.nodes.push(node as never);
    d.edges.push(edge as never);
  });
  return node.id;
}
