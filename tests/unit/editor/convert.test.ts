/** Graph document ⇄ xyflow nodes/edges (editor/src/graph/convert.ts) and the default workflow. */
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog, loadGraph, validateGraph, type GraphDoc } from '../../../nodes/index';
import { docToFlow, flowToDoc } from '../../../editor/src/graph/convert';
import { defaultWorkflow } from '../../../editor/src/graph/default-workflow';
import { loadRealCatalog } from './catalog-fixture';

beforeAll(loadRealCatalog);

const doc: GraphDoc = {
  format: 'mysticanvas.graph',
  version: 1,
  id: 'g-1',
  name: 'round trip',
  nodes: [
    { id: 'p', type: 'prompt', position: { x: 0, y: 10 }, params: { text: 'fox' } },
    { id: 'g', type: 'txt2img', version: 1, position: { x: 300, y: 0 }, params: { steps: 9 } },
    {
      id: 'x',
      type: 'comfy:KSamplerAdvanced',
      position: { x: 600, y: 0 },
      params: { cfg: 8 },
      data: { original: { class_type: 'KSamplerAdvanced', inputs: { a: 1 } } },
    },
  ],
  edges: [
    { id: 'e1', source: 'p', sourceHandle: 'text', target: 'g', targetHandle: 'prompt' },
    { id: 'e2', source: 'g', sourceHandle: 'image', target: 'x', targetHandle: 'latent' },
  ],
  meta: {
    annotations: [
      {
        id: 'group-1',
        type: '@group',
        position: { x: -20, y: -40 },
        width: 700,
        height: 400,
        data: { label: 'Main' },
      },
      {
        id: 'note-1',
        type: '@note',
        position: { x: 0, y: 500 },
        width: 220,
        height: 120,
        data: { text: 'hello' },
      },
      { id: 'bogus', type: 'not-an-annotation', position: { x: 0, y: 0 }, data: {} },
    ],
  },
};

describe('docToFlow / flowToDoc', () => {
  it('round-trips nodes, params, versions, free-form data, edges and annotations', () => {
    const { nodes, edges } = docToFlow(doc);
    const back = flowToDoc(nodes, edges, { id: 'g-1', name: 'round trip' });
    expect(back.nodes).toEqual(doc.nodes);
    expect(back.edges).toEqual(doc.edges);
    expect(back.meta?.annotations).toEqual((doc.meta!.annotations as unknown[]).slice(0, 2));
    expect(back.id).toBe('g-1');
    expect(back.format).toBe('mysticanvas.graph');
  });

  it('paints groups first (under nodes), tags edges with their port type, keeps unknown types as nodes', () => {
    const { nodes, edges } = docToFlow(doc);
    expect(nodes.map((n) => n.id)).toEqual(['group-1', 'p', 'g', 'x', 'note-1']);
    expect(nodes[0]!.zIndex).toBe(-1);
    expect(edges.map((e) => e.data?.portType)).toEqual(['text', 'image']);
    expect(edges.every((e) => e.type === 'typed')).toBe(true);
    expect(nodes.find((n) => n.id === 'x')!.data).toMatchObject({
      params: { cfg: 8 },
      extra: { original: { class_type: 'KSamplerAdvanced' } },
    });
  });

  it('writes measured sizes of annotations and never leaks editor-only fields into graph nodes', () => {
    const { nodes, edges } = docToFlow({
      ...doc,
      meta: {
        annotations: [
          { id: 'note-9', type: '@note', position: { x: 1, y: 2 }, data: { text: '' } },
        ],
      },
    });
    const note = nodes.find((n) => n.id === 'note-9')!;
    note.measured = { width: 321, height: 123 };
    const p = nodes.find((n) => n.id === 'p')!;
    Object.assign(p, { selected: true, dragging: true, measured: { width: 270, height: 100 } });
    const back = flowToDoc(nodes, edges, { name: 'n' });
    expect(back.meta?.annotations).toEqual([
      {
        id: 'note-9',
        type: '@note',
        position: { x: 1, y: 2 },
        width: 321,
        height: 123,
        data: { text: '' },
      },
    ]);
    expect(Object.keys(back.nodes[0]!).sort()).toEqual(['id', 'params', 'position', 'type']);
    expect(back.id).toBeUndefined();
  });

  it('what it writes loads back through the runtime schema (loadGraph)', () => {
    const { nodes, edges } = docToFlow(doc);
    const r = loadGraph(flowToDoc(nodes, edges, { name: 'x' }), catalog);
    expect(r.ok).toBe(true);
  });
});

describe('defaultWorkflow', () => {
  const models = [
    { id: 'llm/tiny.gguf', kind: 'llm', name: 'tiny' },
    { id: 'checkpoints/b.safetensors', kind: 'sd', name: 'b', family: null },
    {
      id: 'checkpoints/a-gone.safetensors',
      kind: 'sd',
      name: 'a-gone',
      family: 'sd1',
      missing: true,
    },
    { id: 'checkpoints/z.safetensors', kind: 'sd', name: 'z', family: 'sdxl' },
  ];

  it('is valid for the runtime validator once a model is chosen, and picks a present, recognized model', () => {
    const g = defaultWorkflow(models);
    expect(validateGraph(g, catalog)).toEqual([]);
    expect(g.nodes.find((n) => n.type === 'txt2img')!.params.model).toBe(
      'checkpoints/z.safetensors',
    );
    expect(
      g.edges.map((e) => `${e.source}.${e.sourceHandle}>${e.target}.${e.targetHandle}`),
    ).toEqual([
      'prompt-1.text>txt2img-1.prompt',
      'prompt-2.text>txt2img-1.negative',
      'txt2img-1.image>save-1.image',
    ]);
  });

  it('without an image model the Model field stays empty rather than naming a file that is not there', () => {
    const g = defaultWorkflow(models.filter((m) => m.kind !== 'sd' || m.missing));
    expect(g.nodes.find((n) => n.type === 'txt2img')!.params.model).toBe('');
    expect(validateGraph(g, catalog)).toEqual([]);
  });

  it('nodes do not overlap (270 px wide nodes, left to right)', () => {
    const ns = defaultWorkflow([]).nodes;
    const sameRow = ns.flatMap((a) =>
      ns.filter((b) => a !== b && a.position.y === b.position.y).map((b) => [a, b] as const),
    );
    expect(sameRow.length).toBeGreaterThan(0);
    for (const [a, b] of sameRow)
      expect(Math.abs(a.position.x - b.position.x), `${a.id} / ${b.id}`).toBeGreaterThanOrEqual(
        300,
      );
  });
});
