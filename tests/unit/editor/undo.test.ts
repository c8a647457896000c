/** The undo history over immer patches (editor/src/state/graph.ts) driven by the real edit vocabulary (graph/ops.ts). */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  edit,
  freshId,
  loadFlow,
  markSaved,
  record,
  redo,
  undo,
  useGraph,
} from '../../../editor/src/state/graph';
import { addNode, connect, deleteSelection, rename, setParam } from '../../../editor/src/graph/ops';
import type { ParamNodeData } from '../../../editor/src/graph/types';
import { loadRealCatalog, resetGraph } from './catalog-fixture';

const g = () => useGraph.getState();
const params = (id: string) => (g().nodes.find((n) => n.id === id)!.data as ParamNodeData).params;
const snapshot = () =>
  JSON.stringify({
    nodes: g().nodes.map((n) => ({ id: n.id, p: n.position, d: n.data })),
    edges: g().edges.map((e) => e.id),
    name: g().head.name,
  });

beforeEach(() => {
  loadRealCatalog();
  resetGraph();
});

describe('edit / undo / redo', () => {
  it('each edit kind is one step, and undo then redo restores every intermediate state exactly', () => {
    const states = [snapshot()];
    addNode('prompt', { x: 0, y: 0 });
    states.push(snapshot());
    addNode('txt2img', { x: 300, y: 0 });
    states.push(snapshot());
    connect({
      source: 'prompt-1',
      sourceHandle: 'text',
      target: 'txt2img-1',
      targetHandle: 'prompt',
    });
    states.push(snapshot());
    setParam('txt2img-1', 'steps', 33);
    states.push(snapshot());
    rename('Mine');
    states.push(snapshot());
    // addNode leaves the new node selected; select only the prompt.
    edit('Select', (d) => {
      for (const n of d.nodes) n.selected = n.id === 'prompt-1';
    });
    deleteSelection();
    states.push(snapshot());
    expect(g().nodes.map((n) => n.id)).toEqual(['txt2img-1']);
    expect(g().edges).toHaveLength(0);

    // Walk all the way back, then forward, comparing with what was recorded (the Select step sits between).
    const back: string[] = [];
    for (let i = 0; i < 7; i++) {
      back.push(snapshot());
      expect(undo()).toBeDefined();
    }
    expect(undo()).toBeUndefined();
    expect(snapshot()).toBe(states[0]);
    expect(back[0]).toBe(states[6]);
    expect(back[2]).toBe(states[5]);
    for (let i = 0; i < 7; i++) redo();
    expect(redo()).toBeUndefined();
    expect(snapshot()).toBe(states[6]);
    expect(g().canUndo).toBe(true);
    expect(g().canRedo).toBe(false);
  });

  it('keystrokes into one field within a second merge into one step; another field does not', () => {
    addNode('prompt', { x: 0, y: 0 });
    for (const t of ['a', 'a r', 'a re', 'a red fox']) setParam('prompt-1', 'text', t);
    setParam('prompt-1', 'other', 1);
    expect(undo()).toBe('Set other');
    expect(params('prompt-1').text).toBe('a red fox');
    expect(undo()).toBe('Set text');
    expect(params('prompt-1').text).toBe('');
    expect(undo()).toBe('Add Prompt');
    expect(g().nodes).toHaveLength(0);
  });

  it('a new edit clears the redo stack; an edit that changes nothing records nothing', () => {
    addNode('prompt', { x: 0, y: 0 });
    undo();
    expect(g().canRedo).toBe(true);
    addNode('save', { x: 0, y: 0 });
    expect(g().canRedo).toBe(false);
    expect(redo()).toBeUndefined();
    const before = g().lastEdit;
    edit('Nothing', () => {});
    expect(g().lastEdit).toBe(before);
  });

  it('record() pushes an already applied change (a finished drag) that undo reverts', () => {
    addNode('prompt', { x: 10, y: 20 });
    const i = 0;
    useGraph.setState({ nodes: g().nodes.map((n) => ({ ...n, position: { x: 110, y: 220 } })) });
    record(
      'Move',
      [{ op: 'replace', path: ['nodes', i, 'position'], value: { x: 110, y: 220 } }],
      [{ op: 'replace', path: ['nodes', i, 'position'], value: { x: 10, y: 20 } }],
    );
    expect(undo()).toBe('Move');
    expect(g().nodes[0]!.position).toEqual({ x: 10, y: 20 });
    redo();
    expect(g().nodes[0]!.position).toEqual({ x: 110, y: 220 });
  });

  it('loading a document clears history and the dirty flag; markSaved keeps history', () => {
    addNode('prompt', { x: 0, y: 0 });
    expect(g().dirty).toBe(true);
    markSaved({ id: 'abc', name: 'Saved' });
    expect(g().dirty).toBe(false);
    expect(g().canUndo).toBe(true);
    loadFlow([], [], { name: 'Other' });
    expect(g().canUndo).toBe(false);
    expect(undo()).toBeUndefined();
  });

  it('freshId picks the lowest free readable id', () => {
    expect(freshId('txt2img', new Set())).toBe('txt2img-1');
    expect(freshId('txt2img', new Set(['txt2img-1', 'txt2img-3']))).toBe('txt2img-2');
    expect(freshId('@note', new Set())).toBe('note-1');
  });
});
