/**
 * Graph loading and validation (design.md §3, nodes/core/validate.ts): every issue code, all
 * problems returned at once, newer versions refused, unknown types kept as placeholders with
 * their data, param migrations applied step by step.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalog } from '../../../nodes/index';
import { defineNode, p, type NodeSpec } from '../../../nodes/core/define-node';
import { loadGraph, validateGraph, type GraphIssue } from '../../../nodes/core/validate';
import type { GraphDoc } from '../../../nodes/core/graph';
import { GraphBuilder, txt2imgChain } from '../../helpers/graph-builder';

const doc = (nodes: unknown[], edges: unknown[] = [], extra: Record<string, unknown> = {}) => ({
  format: 'mysticanvas.graph',
  version: 1,
  nodes,
  edges,
  ...extra,
});
const node = (
  id: string,
  type: string,
  params: Record<string, unknown> = {},
  more: Record<string, unknown> = {},
) => ({ id, type, position: { x: 0, y: 0 }, params, ...more });
const edge = (
  id: string,
  source: string,
  sourceHandle: string,
  target: string,
  targetHandle: string,
) => ({ id, source, sourceHandle, target, targetHandle });
const codes = (issues: GraphIssue[]) => issues.map((i) => i.code).sort();

function loaded(input: unknown, cat: ReadonlyMap<string, NodeSpec> = catalog): GraphDoc {
  const r = loadGraph(input, cat);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.graph;
}

describe('validateGraph', () => {
  it('accepts the example chain with no issues', () => {
    expect(validateGraph(loaded(txt2imgChain().finalize()), catalog)).toEqual([]);
  });

  it('returns every kind of problem at once, each pointing at its node/edge/field', () => {
    const g = doc(
      [
        node('p', 'prompt', { text: 'x' }),
        node('p', 'prompt', { text: 'dup' }), // DUPLICATE_ID (node)
        node('g', 'txt2img', { steps: 0, sampler: 'warp-drive' }), // BAD_PARAM ×2, MISSING_INPUT prompt
        node('u', 'upscale', { method: 'lanczos' }),
        node('v', 'upscale', { method: 'lanczos' }),
        node('s', 'save', {}),
        node('m', 'martian-node', { a: 1 }), // UNKNOWN_NODE_TYPE
        node('t', 'tag', {}),
      ],
      [
        edge('e1', 'u', 'image', 'v', 'image'), // u ⇄ v: CYCLE
        edge('e2', 'v', 'image', 'u', 'image'),
        edge('e3', 'p', 'text', 's', 'image'), // PORT_TYPE_MISMATCH
        edge('e4', 'v', 'image', 's', 'image'), // INPUT_ALREADY_CONNECTED (s.image)
        edge('e5', 'ghost', 'text', 't', 'text'), // DANGLING_EDGE
        edge('e6', 'p', 'words', 't', 'text'), // UNKNOWN_PORT (p has no "words")
        edge('e6', 'p', 'text', 't', 'colour'), // DUPLICATE_ID (edge) + UNKNOWN_PORT (t has no "colour")
      ],
    );
    const issues = validateGraph(loaded(g), catalog);
    expect(codes(issues)).toEqual([
      'BAD_PARAM',
      'BAD_PARAM',
      'CYCLE',
      'DANGLING_EDGE',
      'DUPLICATE_ID',
      'DUPLICATE_ID',
      'INPUT_ALREADY_CONNECTED',
      'MISSING_INPUT',
      'PORT_TYPE_MISMATCH',
      'UNKNOWN_NODE_TYPE',
      'UNKNOWN_PORT',
      'UNKNOWN_PORT',
    ]);
    const find = (code: string, pred: (i: GraphIssue) => boolean = () => true) =>
      issues.find((i) => i.code === code && pred(i));
    expect(find('DUPLICATE_ID', (i) => !!i.nodeId)).toMatchObject({ nodeId: 'p' });
    expect(find('DUPLICATE_ID', (i) => !!i.edgeId)).toMatchObject({ edgeId: 'e6' });
    expect(
      issues
        .filter((i) => i.code === 'BAD_PARAM')
        .map((i) => i.field)
        .sort(),
    ).toEqual(['sampler', 'steps']);
    expect(find('BAD_PARAM')).toMatchObject({ nodeId: 'g' });
    expect(find('MISSING_INPUT')).toMatchObject({ nodeId: 'g', field: 'prompt' });
    expect(find('UNKNOWN_NODE_TYPE')).toMatchObject({ nodeId: 'm', field: 'type' });
    expect(find('UNKNOWN_NODE_TYPE')!.message).toContain('martian-node');
    expect(find('PORT_TYPE_MISMATCH')).toMatchObject({ edgeId: 'e3', nodeId: 's', field: 'image' });
    expect(find('PORT_TYPE_MISMATCH')!.message).toMatch(/text.*image/);
    expect(find('INPUT_ALREADY_CONNECTED')).toMatchObject({
      edgeId: 'e4',
      nodeId: 's',
      field: 'image',
    });
    expect(find('DANGLING_EDGE')).toMatchObject({ edgeId: 'e5' });
    expect(find('DANGLING_EDGE')!.message).toContain('ghost');
    expect(
      issues
        .filter((i) => i.code === 'UNKNOWN_PORT')
        .map((i) => `${i.nodeId}.${i.field}`)
        .sort(),
    ).toEqual(['p.words', 't.colour']);
    const cycle = find('CYCLE')!;
    expect(cycle.message).toMatch(/u → v → u|v → u → v/);
    for (const i of issues) expect(i.message.length, i.code).toBeGreaterThan(10);
  });

  it('optional inputs may stay unconnected; required ones may not', () => {
    const g = new GraphBuilder();
    const pr = g.node('prompt', { text: 'x' });
    g.node('txt2img', {}, { prompt: pr.out('text') }); // negative is optional
    g.node('tag', {}); // both tag inputs are optional
    expect(validateGraph(loaded(g.finalize()), catalog)).toEqual([]);
    const bad = new GraphBuilder();
    bad.node('img2img', {}, {}, 'i');
    expect(
      validateGraph(loaded(bad.finalize()), catalog)
        .map((i) => i.field)
        .sort(),
    ).toEqual(['image', 'prompt']);
  });
});

describe('loadGraph', () => {
  it('refuses a newer format version with a clear error', () => {
    const r = loadGraph(doc([node('p', 'prompt')], [], { version: 99 }), catalog);
    expect(r.ok).toBe(false);
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'GRAPH_VERSION_UNSUPPORTED', field: 'version' }),
    ]);
    expect(r.issues[0]!.message).toMatch(/99.*newer/);
  });

  it('reports every shape problem at once', () => {
    const r = loadGraph(
      { format: 'comfy', version: 'one', nodes: [{ id: '', type: 3 }], edges: 'none' },
      catalog,
    );
    expect(r.ok).toBe(false);
    expect(r.issues.every((i) => i.code === 'GRAPH_SHAPE')).toBe(true);
    const fields = r.issues.map((i) => i.field);
    expect(fields).toEqual(
      expect.arrayContaining(['format', 'version', 'nodes.0.id', 'nodes.0.type', 'edges']),
    );
    for (const bad of [null, 42, 'graph', [], undefined])
      expect(loadGraph(bad, catalog).ok).toBe(false);
  });

  it('keeps an unknown node type as a placeholder with its params and data untouched', () => {
    const original = node(
      'k',
      'KSamplerAdvanced',
      { noise_seed: 5, nested: { list: [1, 'two'] } },
      {
        data: { comfy: { class_type: 'KSamplerAdvanced', widgets_values: [5, 'fixed'] } },
        width: 240,
      },
    );
    const g = loaded(doc([node('p', 'prompt', { text: 'x' }), original]));
    expect(g.nodes).toHaveLength(2);
    expect(g.nodes[1]).toEqual({ ...original });
    // …and refused when run:
    expect(validateGraph(g, catalog).map((i) => i.code)).toEqual(['UNKNOWN_NODE_TYPE']);
  });

  it('refuses a node written by a newer declaration version', () => {
    const r = loadGraph(doc([node('p', 'prompt', { text: 'x' }, { version: 7 })]), catalog);
    expect(r.ok).toBe(false);
    expect(r.issues).toEqual([
      expect.objectContaining({ code: 'NODE_VERSION_UNSUPPORTED', nodeId: 'p' }),
    ]);
  });

  it('applies param migrations step by step from the stored version', () => {
    const spec = defineNode({
      type: 'resize',
      version: 3,
      title: 'Resize',
      category: 'image',
      description: 'test node: v1 had `size`, v2 split it into w/h, v3 renamed w/h to width/height',
      inputs: {},
      outputs: { image: { type: 'image' } },
      params: z.object({ width: p.int(64, 1, 4096), height: p.int(64, 1, 4096) }),
      worker: null,
      cache: 'pure',
      migrate: {
        1: (v1) => ({ w: v1.size, h: v1.size }),
        2: ({ w, h, ...rest }) => ({ ...rest, width: w, height: h }),
      },
    });
    const cat = new Map([['resize', spec as NodeSpec]]);
    const g = loaded(
      doc([
        node('a', 'resize', { size: 128 }),
        node('b', 'resize', { w: 10, h: 20 }, { version: 2 }),
        node('c', 'resize', { width: 5, height: 6 }, { version: 3 }),
      ]),
      cat,
    );
    expect(g.nodes.map((n) => [n.version, n.params])).toEqual([
      [3, { width: 128, height: 128 }],
      [3, { width: 10, height: 20 }],
      [3, { width: 5, height: 6 }],
    ]);
    expect(validateGraph(g, cat)).toEqual([]);
  });

  it('does not let __proto__ keys pollute Object.prototype', () => {
    const input = JSON.parse(
      '{"format":"mysticanvas.graph","version":1,"nodes":[{"id":"p","type":"prompt","params":{"__proto__":{"polluted":true},"text":"x"},"data":{"__proto__":{"polluted":true}}}],"edges":[],"__proto__":{"polluted":true}}',
    );
    const r = loadGraph(input, catalog);
    if (r.ok) validateGraph(r.graph, catalog);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
