/**
 * The shared graph ops (nodes/core/graph-ops.ts) over the real node catalog: the editor's rules
 * (same port type, no self loop, re-wire an input, removing drops edges), all-or-nothing, and the
 * diff a proposal shows; plus wire/tools.ts's grammar subset of JSON Schema.
 */
import { describe, expect, it } from 'vitest';
import { applyGraphOps, GraphOpError, type GraphOp } from '../../../nodes/core/graph-ops';
import { specs } from '../../../nodes/index';
import { specToJson } from '../../../nodes/core/catalog-json';
import { grammarSchema } from '../../../workers/protocol/tools';
import { GraphBuilder } from '../../helpers/graph-builder';

const byType = new Map(specs.map((s) => [s.type, specToJson(s)]));
const spec = (t: string) => byType.get(t);

function doc() {
  const g = new GraphBuilder('ops');
  const p = g.node('prompt', { text: 'a cat' }, {}, 'prompt');
  const gen = g.node('txt2img', { model: 'm.safetensors' }, { prompt: p.out('text') }, 'gen');
  g.node('save', {}, { image: gen.out('image') }, 'save');
  return g.finalize();
}

describe('applyGraphOps', () => {
  it('adds an upscale between txt2img and save as the editor would (ids, edge ids, defaults, diff)', () => {
    const before = doc();
    const { graph, diff } = applyGraphOps(
      before,
      [
        { op: 'add_node', type: 'upscale', after: 'gen' },
        {
          op: 'connect',
          source: 'gen',
          sourceHandle: 'image',
          target: 'upscale-1',
          targetHandle: 'image',
        },
        {
          op: 'connect',
          source: 'upscale-1',
          sourceHandle: 'image',
          target: 'save',
          targetHandle: 'image',
        },
        { op: 'set_param', id: 'prompt', key: 'text', value: 'a moody cat' },
      ],
      spec,
    );
    const up = graph.nodes.find((n) => n.id === 'upscale-1')!;
    expect(up.params).toEqual(spec('upscale')!.defaults);
    const gen = graph.nodes.find((n) => n.id === 'gen')!;
    expect(up.position).toEqual({ x: gen.position.x + 360, y: gen.position.y });
    // save.image was re-wired: the old gen → save edge is gone.
    expect(graph.edges.filter((e) => e.target === 'save')).toEqual([
      expect.objectContaining({ id: 'e-upscale-1.image-save.image', source: 'upscale-1' }),
    ]);
    expect(diff).toEqual({
      addedNodes: ['upscale-1'],
      removedNodes: [],
      changedParams: { prompt: ['text'] },
      addedEdges: ['e-gen.image-upscale-1.image', 'e-upscale-1.image-save.image'],
      removedEdges: [before.edges.find((e) => e.target === 'save')!.id],
    });
    expect(before.nodes).toHaveLength(3); // the input is not mutated
  });

  it.each<[string, GraphOp, RegExp]>([
    ['an unknown type', { op: 'add_node', type: 'nope' }, /unknown node type/],
    ['a taken id', { op: 'add_node', type: 'prompt', id: 'gen' }, /taken/],
    [
      'mismatched ports',
      {
        op: 'connect',
        source: 'prompt',
        sourceHandle: 'text',
        target: 'save',
        targetHandle: 'image',
      },
      /text output cannot feed a image input/,
    ],
    [
      'a self loop',
      {
        op: 'connect',
        source: 'gen',
        sourceHandle: 'image',
        target: 'gen',
        targetHandle: 'prompt',
      },
      /cannot feed itself/,
    ],
    ['a missing node', { op: 'remove_node', id: 'ghost' }, /no node "ghost"/],
    [
      'an unwired input',
      { op: 'disconnect', target: 'prompt', targetHandle: 'x' },
      /not connected/,
    ],
  ])('refuses %s with the op index, changing nothing', (_l, bad, msg) => {
    const d = doc();
    const ops: GraphOp[] = [{ op: 'set_param', id: 'gen', key: 'steps', value: 3 }, bad];
    expect(() => applyGraphOps(d, ops, spec)).toThrow(GraphOpError);
    expect(() => applyGraphOps(d, ops, spec)).toThrow(new RegExp(`op 1: .*${msg.source}`));
    expect(d.nodes.find((n) => n.id === 'gen')!.params.steps).toBeUndefined();
  });

  it('remove_node drops its edges', () => {
    const { graph, diff } = applyGraphOps(doc(), [{ op: 'remove_node', id: 'gen' }], spec);
    expect(graph.edges).toEqual([]);
    expect(diff.removedNodes).toEqual(['gen']);
    expect(diff.removedEdges).toHaveLength(2);
  });
});

describe('grammarSchema', () => {
  it('keeps what the grammar enforces and drops the rest', () => {
    expect(
      grammarSchema({
        $schema: 'x',
        type: 'object',
        properties: {
          id: { type: 'string', format: 'uuid', pattern: '^x', maxLength: 36 },
          n: { type: 'integer', minimum: 1 },
          tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 3 },
          any: {},
          either: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        },
        required: ['id', 'missing'],
        additionalProperties: false,
      }),
    ).toEqual({
      type: 'object',
      properties: {
        id: { type: 'string', maxLength: 36 },
        n: { type: 'integer' },
        tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 3 },
        any: { type: ['string', 'number', 'boolean', 'null'] },
        either: { oneOf: [{ type: 'string' }, { type: 'null' }] },
      },
      required: ['id'],
    });
  });

  it.each([
    [{ type: 'date' }, /unknown type/],
    [{ $ref: '#/x' }, /\$ref/],
    [{ enum: [] }, /non-empty/],
    ['string', /must be an object/],
  ])('rejects %j', (s, msg) => {
    expect(() => grammarSchema(s)).toThrow(msg);
  });
});
