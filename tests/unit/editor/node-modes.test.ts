/**
 * Bypass / mute in the editor (editor/src/graph/modes.ts, issue 15 §1): Ctrl+B / Ctrl+M toggle
 * the selection's mode as one undo step, the mode reaches the graph document (what is saved and
 * run) and comes back when a document is opened.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { setTransient, undo, useGraph } from '../../../editor/src/state/graph';
import { addNode } from '../../../editor/src/graph/ops';
import { toggleMode } from '../../../editor/src/graph/modes';
import { currentDoc } from '../../../editor/src/graph/io';
import { docToFlow } from '../../../editor/src/graph/convert';
import type { ParamNodeData } from '../../../editor/src/graph/types';
import { loadRealCatalog, resetGraph } from './catalog-fixture';

const mode = (id: string) =>
  (useGraph.getState().nodes.find((n) => n.id === id)!.data as ParamNodeData).mode;
const select = (...ids: string[]) =>
  setTransient({
    nodes: useGraph.getState().nodes.map((n) => ({ ...n, selected: ids.includes(n.id) })),
  });

beforeEach(() => {
  loadRealCatalog();
  resetGraph();
});

describe('node modes', () => {
  it('toggles bypass on the selection, one undo step, and saves it as the node mode', () => {
    addNode('txt2img', { x: 0, y: 0 });
    addNode('upscale', { x: 300, y: 0 });
    addNode('save', { x: 600, y: 0 });
    select('upscale-1', 'save-1');
    expect(toggleMode('bypass')).toBe('bypass');
    expect([mode('txt2img-1'), mode('upscale-1'), mode('save-1')]).toEqual([
      undefined,
      'bypass',
      'bypass',
    ]);
    expect(useGraph.getState().lastEdit).toBe('Bypass 2 nodes');
    const doc = currentDoc();
    expect(doc.nodes.map((n) => n.mode)).toEqual([undefined, 'bypass', 'bypass']);
    expect(docToFlow(doc).nodes.map((n) => (n.data as ParamNodeData).mode)).toEqual([
      undefined,
      'bypass',
      'bypass',
    ]);
    // All already bypassed: the same key clears it.
    expect(toggleMode('bypass')).toBeUndefined();
    expect(mode('upscale-1')).toBeUndefined();
    undo();
    expect(mode('upscale-1')).toBe('bypass');
    undo();
    expect(mode('upscale-1')).toBeUndefined();
  });

  it('mute replaces bypass on a mixed selection; nothing selected is a no-op', () => {
    addNode('upscale', { x: 0, y: 0 });
    addNode('save', { x: 300, y: 0 });
    select();
    expect(toggleMode('mute')).toBeNull();
    toggleMode('bypass', ['upscale-1']);
    select('upscale-1', 'save-1');
    expect(toggleMode('mute')).toBe('mute');
    expect([mode('upscale-1'), mode('save-1')]).toEqual(['mute', 'mute']);
  });
});
