/**
 * Node renames (data.title), applied prompt templates and drop parsing: the edit vocabulary in
 * editor/src/graph/ops.ts (undoable, one step each) and editor/src/graph/image-source.ts.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { edit, redo, undo, useGraph } from '../../../editor/src/state/graph';
import {
  addNode,
  applyPromptTemplate,
  connect,
  negativePartner,
  setNodeTitle,
  setParam,
} from '../../../editor/src/graph/ops';
import { currentDoc } from '../../../editor/src/graph/io';
import { generationFromDrop, isGenerationId } from '../../../editor/src/graph/image-source';
import { applyTemplate } from '../../../runtime/store/prompt-templates';
import type { ParamNodeData } from '../../../editor/src/graph/types';
import { loadRealCatalog, resetGraph } from './catalog-fixture';

const data = (id: string) =>
  useGraph.getState().nodes.find((n) => n.id === id)!.data as ParamNodeData;
const UUID = '0b7c3a52-9f1e-4c61-8d2a-5e4f3b2a1c0d';

beforeEach(() => {
  loadRealCatalog();
  resetGraph();
});

describe('node titles', () => {
  it("a rename is stored in the graph node's data.title and is one undo step", () => {
    addNode('txt2img', { x: 0, y: 0 });
    setNodeTitle('txt2img-1', '  Hero shot  ', 'Text to image');
    expect(data('txt2img-1').extra).toEqual({ title: 'Hero shot' });
    expect(currentDoc().nodes[0]!.data).toEqual({ title: 'Hero shot' });
    expect(useGraph.getState().lastEdit).toBe('Rename node');
    undo();
    expect(data('txt2img-1').extra).toBeUndefined();
    redo();
    expect(data('txt2img-1').extra?.title).toBe('Hero shot');
  });

  it("an empty title or the type's title clears it but keeps other data; an unchanged one records nothing", () => {
    addNode('prompt', { x: 0, y: 0 });
    setNodeTitle('prompt-1', 'Negative', 'Prompt');
    // Other free-form data next to the title (an importer's note) must survive.
    edit('Tag source', (d) => {
      const pd = d.nodes[0]!.data as ParamNodeData;
      pd.extra = { ...pd.extra, source: 'comfyui' };
    });
    setNodeTitle('prompt-1', 'Prompt', 'Prompt');
    expect(data('prompt-1').extra).toEqual({ source: 'comfyui' });
    setNodeTitle('prompt-1', 'Neg', 'Prompt');
    const before = useGraph.getState().nodes;
    setNodeTitle('prompt-1', 'Neg ', 'Prompt');
    expect(useGraph.getState().nodes).toBe(before);
    setNodeTitle('prompt-1', '', 'Prompt');
    expect(data('prompt-1').extra).toEqual({ source: 'comfyui' });
  });
});

describe('prompt templates', () => {
  it('writes the prompt and the wired negative prompt in one undo step', () => {
    addNode('prompt', { x: 0, y: 0 });
    addNode('prompt', { x: 0, y: 200 });
    addNode('txt2img', { x: 300, y: 0 });
    connect({
      source: 'prompt-1',
      sourceHandle: 'text',
      target: 'txt2img-1',
      targetHandle: 'prompt',
    });
    connect({
      source: 'prompt-2',
      sourceHandle: 'text',
      target: 'txt2img-1',
      targetHandle: 'negative',
    });
    setParam('prompt-1', 'text', 'a fox');
    setParam('prompt-2', 'text', 'blurry');
    expect(negativePartner('prompt-1')).toBe('prompt-2');
    expect(negativePartner('prompt-2')).toBeUndefined();
    const r = applyTemplate(
      { prompt: 'cinematic still of {prompt}, film grain', negativePrompt: 'cartoon' },
      'a fox',
      'blurry',
    );
    applyPromptTemplate('prompt-1', 'Cinematic', r, 'prompt-2');
    expect(data('prompt-1').params.text).toBe('cinematic still of a fox, film grain');
    expect(data('prompt-2').params.text).toBe('blurry, cartoon');
    expect(useGraph.getState().lastEdit).toBe('Apply style Cinematic');
    undo();
    expect(data('prompt-1').params.text).toBe('a fox');
    expect(data('prompt-2').params.text).toBe('blurry');
  });

  it('a prompt feeding nothing has no negative partner', () => {
    addNode('prompt', { x: 0, y: 0 });
    expect(negativePartner('prompt-1')).toBeUndefined();
  });
});

describe('gallery image drops', () => {
  it('reads a generation uuid from gallery URLs, uri-lists and bare ids only', () => {
    expect(generationFromDrop(`http://127.0.0.1:8188/api/generations/${UUID}/image`)).toBe(UUID);
    expect(
      generationFromDrop(`# dragged\r\nhttp://h/api/generations/${UUID.toUpperCase()}/thumb?v=2`),
    ).toBe(UUID);
    expect(generationFromDrop(UUID)).toBe(UUID);
    expect(generationFromDrop('http://h/api/generations/not-a-uuid/image')).toBeUndefined();
    expect(generationFromDrop(`http://h/api/generations/${UUID}x/image`)).toBeUndefined();
    expect(generationFromDrop('https://example.com/cat.png')).toBeUndefined();
    expect(generationFromDrop('')).toBeUndefined();
    expect(isGenerationId(UUID)).toBe(true);
    expect(isGenerationId('outputs/2025/a.png')).toBe(false);
  });

  it('a dropped image becomes a Load image node with its source, one step', () => {
    addNode('load-image', { x: 10, y: 20 }, undefined, { source: UUID });
    expect(data('load-image-1').params).toEqual({ source: UUID });
    undo();
    expect(useGraph.getState().nodes).toHaveLength(0);
  });
});
