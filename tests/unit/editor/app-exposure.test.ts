/**
 * App-mode exposures in the editor (issue 20): the pins' ops are one undo step each, they land in
 * the graph node's `app` block (what is saved, exported, run and put in the PNG chunk), survive a
 * document round trip, and "Run ×N" advances fixed seeds per run.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { redo, undo, useGraph } from '../../../editor/src/state/graph';
import {
  addNode,
  exposeInputPort,
  moveAppInput,
  setAppInput,
  toggleAppInput,
  toggleAppOutput,
} from '../../../editor/src/graph/ops';
import { currentDoc } from '../../../editor/src/graph/io';
import { docToFlow, flowToDoc } from '../../../editor/src/graph/convert';
import { appLayout, catalog, loadGraph, specToJson } from '../../../nodes/index';
import { withSeedOffset } from '../../../editor/src/app/run';
import type { ParamNodeData } from '../../../editor/src/graph/types';
import { loadRealCatalog, resetGraph } from './catalog-fixture';

const app = (id: string) =>
  (useGraph.getState().nodes.find((n) => n.id === id)!.data as ParamNodeData).app;

beforeEach(() => {
  loadRealCatalog();
  resetGraph();
});

describe('app exposures', () => {
  it('a pin is one undo step, stored in the node’s app block, gone again on undo', () => {
    addNode('txt2img', { x: 0, y: 0 });
    toggleAppInput('txt2img-1', 'seed');
    toggleAppInput('txt2img-1', 'steps');
    expect(app('txt2img-1')).toEqual({
      inputs: [
        { param: 'seed', order: 0 },
        { param: 'steps', order: 1 },
      ],
    });
    expect(currentDoc().nodes[0]!.app).toEqual({
      inputs: [
        { param: 'seed', order: 0 },
        { param: 'steps', order: 1 },
      ],
    });
    expect(useGraph.getState().lastEdit).toBe('Show in app');
    undo();
    expect(app('txt2img-1')?.inputs?.map((x) => x.param)).toEqual(['seed']);
    undo();
    expect(app('txt2img-1')).toBeUndefined();
    expect(currentDoc().nodes[0]!.app).toBeUndefined();
    redo();
    expect(app('txt2img-1')?.inputs?.map((x) => x.param)).toEqual(['seed']);
  });

  it('label, group, order and the output flag round-trip through the document', () => {
    addNode('txt2img', { x: 0, y: 0 });
    addNode('save', { x: 300, y: 0 });
    toggleAppInput('txt2img-1', 'seed');
    toggleAppInput('txt2img-1', 'steps');
    setAppInput('txt2img-1', 'steps', { label: ' Quality ', group: 'Advanced' });
    moveAppInput(
      [
        { nodeId: 'txt2img-1', param: 'seed' },
        { nodeId: 'txt2img-1', param: 'steps' },
      ],
      1,
      -1,
    );
    toggleAppOutput('save-1');
    const doc = currentDoc();
    expect(doc.nodes[0]!.app).toEqual({
      inputs: [
        { param: 'seed', order: 1 },
        { param: 'steps', order: 0, label: 'Quality', group: 'Advanced' },
      ],
    });
    expect(doc.nodes[1]!.app).toEqual({ output: {} });
    const loaded = loadGraph(JSON.parse(JSON.stringify(doc)), catalog);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const flow = docToFlow(loaded.graph);
    expect(flowToDoc(flow.nodes, flow.edges, { name: 'x' }).nodes.map((n) => n.app)).toEqual(
      doc.nodes.map((n) => n.app),
    );
    toggleAppOutput('save-1');
    expect(app('save-1')).toBeUndefined();
  });

  it('an unconnected text input is exposed through a Prompt node wired to it, in one undo step', () => {
    addNode('txt2img', { x: 400, y: 0 });
    const id = exposeInputPort('txt2img-1', 'negative', 'negative prompt');
    expect(id).toBe('prompt-1');
    const doc = currentDoc();
    expect(doc.nodes.find((n) => n.id === id)).toMatchObject({
      type: 'prompt',
      data: { title: 'Negative prompt' },
      app: { inputs: [{ param: 'text', order: 0 }] },
    });
    expect(doc.edges).toEqual([
      {
        id: 'e-prompt-1.text-txt2img-1.negative',
        source: 'prompt-1',
        sourceHandle: 'text',
        target: 'txt2img-1',
        targetHandle: 'negative',
      },
    ]);
    const layout = appLayout(doc, (t) =>
      catalog.get(t) ? specToJson(catalog.get(t)!) : undefined,
    );
    expect(layout.fields.map((f) => `${f.name}=${f.nodeId}.${f.param}`)).toEqual([
      'Negative prompt=prompt-1.text',
    ]);
    // Wired now: a second pin does nothing; a non-text port is refused.
    expect(exposeInputPort('txt2img-1', 'negative', 'negative prompt')).toBeUndefined();
    addNode('save', { x: 800, y: 0 });
    expect(exposeInputPort('save-1', 'image', 'image')).toBeUndefined();
    undo(); // the Save node
    undo();
    expect(currentDoc().nodes.map((n) => n.id)).toEqual(['txt2img-1']);
    expect(currentDoc().edges).toEqual([]);
  });

  it('Run ×N: the i-th run’s fixed seeds are i higher, random ones stay random', () => {
    addNode('txt2img', { x: 0, y: 0 });
    addNode('txt2img', { x: 0, y: 300 });
    const doc = currentDoc();
    doc.nodes[0]!.params.seed = 41;
    doc.nodes[1]!.params.seed = 'random';
    const third = withSeedOffset(doc, 2);
    expect(third.nodes.map((n) => n.params.seed)).toEqual([43, 'random']);
    expect(doc.nodes[0]!.params.seed).toBe(41);
  });
});
