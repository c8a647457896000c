/**
 * Bypass and mute as graph rewriting (nodes/core/modes.ts, issue 15 §1): what runs, what is
 * skipped and why, how wires are re-routed, and the validation problems (BYPASS_NO_INPUT).
 */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../../nodes/index';
import { applyModes, hasModes } from '../../../nodes/core/modes';
import { loadGraph, validateGraph } from '../../../nodes/core/validate';
import type { GraphDoc, NodeMode } from '../../../nodes/core/graph';
import { GraphBuilder, txt2imgChain } from '../../helpers/graph-builder';

function withModes(doc: GraphDoc, modes: Record<string, NodeMode>): GraphDoc {
  for (const n of doc.nodes) if (modes[n.id]) n.mode = modes[n.id];
  const r = loadGraph(doc, catalog);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.graph;
}
const wires = (g: GraphDoc) =>
  g.edges.map((e) => `${e.source}.${e.sourceHandle}→${e.target}.${e.targetHandle}`).sort();

describe('applyModes', () => {
  it('returns the very same graph when no node has a mode', () => {
    const g = withModes(txt2imgChain().finalize(), {});
    expect(hasModes(g)).toBe(false);
    expect(applyModes(g, catalog).graph).toBe(g);
  });

  it('bypass re-routes the consumers to the input of the same port type', () => {
    const g = withModes(txt2imgChain().finalize(), { up: 'bypass' });
    const r = applyModes(g, catalog);
    expect(r.graph.nodes.map((n) => n.id)).toEqual(['prompt', 'gen', 'save']);
    expect(wires(r.graph)).toEqual(['gen.image→save.image', 'prompt.text→gen.prompt']);
    expect(r.skipped).toEqual([{ nodeId: 'up', type: 'upscale', reason: 'bypassed' }]);
    expect(r.problems).toEqual([]);
    expect(validateGraph(g, catalog)).toEqual([]);
  });

  it('follows a chain of bypassed nodes to the real producer', () => {
    const b = txt2imgChain();
    b.node(
      'upscale',
      { method: 'lanczos', scale: 2 },
      { image: { nodeId: 'up', port: 'image' } },
      'up2',
    );
    const doc = b.finalize();
    // save now reads up2
    doc.edges.find((e) => e.target === 'save')!.source = 'up2';
    const r = applyModes(withModes(doc, { up: 'bypass', up2: 'bypass' }), catalog);
    expect(wires(r.graph)).toEqual(['gen.image→save.image', 'prompt.text→gen.prompt']);
  });

  it('mute skips the node and everything that needs it through a required input', () => {
    const g = withModes(txt2imgChain().finalize(), { up: 'mute' });
    const r = applyModes(g, catalog);
    expect(r.graph.nodes.map((n) => n.id)).toEqual(['prompt', 'gen']);
    expect(r.skipped).toEqual([
      { nodeId: 'up', type: 'upscale', reason: 'muted' },
      { nodeId: 'save', type: 'save', reason: 'needs-muted' },
    ]);
    expect(wires(r.graph)).toEqual(['prompt.text→gen.prompt']);
  });

  it('a muted node feeding an optional input only drops that wire', () => {
    const b = txt2imgChain();
    const neg = b.node('prompt', { text: 'blurry' }, {}, 'neg');
    b.connect(neg.out('text'), 'gen', 'negative');
    const r = applyModes(withModes(b.finalize(), { neg: 'mute' }), catalog);
    expect(r.graph.nodes.map((n) => n.id)).toEqual(['prompt', 'gen', 'up', 'save']);
    expect(r.skipped).toEqual([{ nodeId: 'neg', type: 'prompt', reason: 'muted' }]);
    expect(wires(r.graph)).not.toContain('neg.text→gen.negative');
  });

  it('a bypassed node whose used output has no same-typed input is BYPASS_NO_INPUT', () => {
    // txt2img takes text and gives an image: nothing to pass to its image output.
    const g = withModes(txt2imgChain().finalize(), { gen: 'bypass' });
    const issues = validateGraph(g, catalog);
    expect(issues.map((i) => [i.code, i.nodeId, i.field])).toEqual([
      ['BYPASS_NO_INPUT', 'gen', 'image'],
    ]);
  });

  it('a bypassed node with nothing downstream is fine; a muted placeholder does not block the run', () => {
    const g = new GraphBuilder();
    const p = g.node('prompt', { text: 'x' }, {}, 'p');
    g.node('txt2img', { model: 'm.gguf' }, { prompt: p.out('text') }, 'gen');
    const doc = g.finalize();
    doc.nodes.push({ id: 'alien', type: 'comfyui:Sharpen', position: { x: 0, y: 0 }, params: {} });
    doc.edges.push({
      id: 'ex',
      source: 'gen',
      sourceHandle: 'image',
      target: 'alien',
      targetHandle: 'image',
    });
    expect(validateGraph(withModes(structuredClone(doc), {}), catalog).map((i) => i.code)).toEqual([
      'UNKNOWN_NODE_TYPE',
    ]);
    expect(validateGraph(withModes(structuredClone(doc), { alien: 'mute' }), catalog)).toEqual([]);
    expect(
      validateGraph(withModes(structuredClone(doc), { gen: 'bypass', alien: 'mute' }), catalog),
    ).toEqual([]);
  });

  it('graph format 3 documents load as version 4 with every node running', () => {
    const doc = { ...txt2imgChain().finalize(), version: 3 };
    const r = loadGraph(doc, catalog);
    expect(r.ok && r.graph.version).toBe(4);
    expect(r.ok && r.graph.nodes.every((n) => n.mode === undefined)).toBe(true);
  });
});
