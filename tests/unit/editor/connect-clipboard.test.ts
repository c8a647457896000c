/** Connection validation, wiring rules and copy/paste as graph JSON (graph/ops.ts, graph/clipboard.ts). */
import { beforeEach, describe, expect, it } from 'vitest';
import { addNode, connect, connectionProblem } from '../../../editor/src/graph/ops';
import {
  duplicateSelection,
  parseClipboard,
  pasteDoc,
  selectionDoc,
} from '../../../editor/src/graph/clipboard';
import { edit, undo, useGraph } from '../../../editor/src/state/graph';
import type { ParamNodeData } from '../../../editor/src/graph/types';
import { loadRealCatalog, resetGraph } from './catalog-fixture';

const g = () => useGraph.getState();
const c = (source: string, sourceHandle: string, target: string, targetHandle: string) => ({
  source,
  sourceHandle,
  target,
  targetHandle,
});

beforeEach(() => {
  loadRealCatalog();
  resetGraph();
  addNode('prompt', { x: 0, y: 0 });
  addNode('txt2img', { x: 300, y: 0 });
  addNode('save', { x: 600, y: 0 });
  addNode('tag', { x: 600, y: 300 });
});

describe('connection validation', () => {
  it('accepts same-typed ports and says why anything else is refused', () => {
    expect(connectionProblem(c('prompt-1', 'text', 'txt2img-1', 'prompt'))).toBeUndefined();
    expect(connectionProblem(c('txt2img-1', 'image', 'save-1', 'image'))).toBeUndefined();
    expect(connectionProblem(c('prompt-1', 'text', 'save-1', 'tags'))).toBe(
      'text output cannot feed a tags input',
    );
    expect(connectionProblem(c('txt2img-1', 'image', 'txt2img-1', 'prompt'))).toBe(
      'a node cannot feed itself',
    );
    expect(connectionProblem(c('prompt-1', 'nope', 'txt2img-1', 'prompt'))).toBe('unknown port');
    expect(connectionProblem(c('ghost', 'text', 'txt2img-1', 'prompt'))).toBe('unknown node');
  });

  it('connect refuses bad wires, re-wires an input that already has one, and tags the edge type', () => {
    connect({ ...c('prompt-1', 'text', 'save-1', 'tags') });
    expect(g().edges).toHaveLength(0);
    addNode('prompt', { x: 0, y: 300 });
    connect(c('prompt-1', 'text', 'txt2img-1', 'prompt'));
    connect(c('prompt-2', 'text', 'txt2img-1', 'prompt'));
    expect(g().edges.map((e) => e.id)).toEqual(['e-prompt-2.text-txt2img-1.prompt']);
    expect(g().edges[0]!.data?.portType).toBe('text');
    expect(undo()).toBe('Connect');
    expect(g().edges.map((e) => e.source)).toEqual(['prompt-1']);
  });

  it('a node added from a dropped wire is wired to its first compatible port in the same step', () => {
    const id = addNode(
      'upscale',
      { x: 900, y: 0 },
      { nodeId: 'txt2img-1', handleId: 'image', side: 'source' },
    )!;
    expect(
      g().edges.map((e) => `${e.source}.${e.sourceHandle}>${e.target}.${e.targetHandle}`),
    ).toEqual([`txt2img-1.image>${id}.image`]);
    const back = addNode(
      'prompt',
      { x: -300, y: 0 },
      { nodeId: 'txt2img-1', handleId: 'negative', side: 'target' },
    )!;
    expect(g().edges.some((e) => e.source === back && e.targetHandle === 'negative')).toBe(true);
    undo();
    expect(g().nodes.some((n) => n.id === back)).toBe(false);
    expect(g().edges.some((e) => e.targetHandle === 'negative')).toBe(false);
  });
});

describe('clipboard JSON', () => {
  const selectOnly = (...ids: string[]) =>
    edit('Select', (d) => {
      for (const n of d.nodes) n.selected = ids.includes(n.id);
    });

  it('copies the selection with only the edges inside it, as a graph document', () => {
    connect(c('prompt-1', 'text', 'txt2img-1', 'prompt'));
    connect(c('txt2img-1', 'image', 'save-1', 'image'));
    selectOnly('prompt-1', 'txt2img-1');
    const doc = selectionDoc()!;
    expect(doc.format).toBe('mysticanvas.graph');
    expect(doc.nodes.map((n) => n.id)).toEqual(['prompt-1', 'txt2img-1']);
    expect(doc.edges.map((e) => e.target)).toEqual(['txt2img-1']);
    selectOnly();
    expect(selectionDoc()).toBeNull();
  });

  it('parses only MystiCanvas graphs of a version it can read', () => {
    const doc = { format: 'mysticanvas.graph', version: 1, name: 'x', nodes: [] };
    expect(parseClipboard(JSON.stringify(doc))).toEqual({ ...doc, edges: [] });
    expect(parseClipboard(JSON.stringify({ ...doc, version: 999 }))).toBeNull();
    expect(parseClipboard(JSON.stringify({ ...doc, format: 'comfy' }))).toBeNull();
    expect(parseClipboard('just some text')).toBeNull();
  });

  it('pastes with fresh ids, rewired edges, params kept, at the pointer, selected, as one undo step', () => {
    connect(c('prompt-1', 'text', 'txt2img-1', 'prompt'));
    edit('Type', (d) => {
      (d.nodes.find((n) => n.id === 'prompt-1')!.data as ParamNodeData).params.text = 'copied';
    });
    selectOnly('prompt-1', 'txt2img-1');
    const text = JSON.stringify(selectionDoc());
    const n = pasteDoc(parseClipboard(text)!, { x: 1000, y: 500 });
    expect(n).toBe(2);
    const pasted = g().nodes.filter((x) => x.selected);
    expect(pasted.map((x) => x.id)).toEqual(['prompt-2', 'txt2img-2']);
    expect(pasted[0]!.position).toEqual({ x: 1000, y: 500 });
    expect(pasted[1]!.position).toEqual({ x: 1300, y: 500 });
    expect((pasted[0]!.data as ParamNodeData).params.text).toBe('copied');
    expect(g().edges.map((e) => e.id)).toContain('e-prompt-2.text-txt2img-2.prompt');
    expect(undo()).toBe('Paste');
    expect(g().nodes).toHaveLength(4);
  });

  it('duplicate offsets the copy by 40 px', () => {
    selectOnly('save-1');
    expect(duplicateSelection()).toBe(1);
    expect(g().nodes.find((n) => n.id === 'save-2')!.position).toEqual({ x: 640, y: 40 });
  });
});
