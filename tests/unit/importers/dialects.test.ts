/** Cases the fixtures do not cover: v1 links, subgraphs, placeholders, bypass/mute, hires fix, sd.cpp trailer, bad input. */
import { describe, expect, it } from 'vitest';
import { importWorkflow } from '../../../runtime/importers';
import { catalog, validateGraph } from '../../../nodes/index';

const json = (v: unknown) => importWorkflow({ bytes: new TextEncoder().encode(JSON.stringify(v)) });
const text = (t: string) => importWorkflow({ bytes: new TextEncoder().encode(t) });

const node = (
  id: number,
  type: string,
  widgets: unknown[],
  inputs: Array<[string, string, number | null]> = [],
  outputs: Array<[string, string]> = [],
  mode = 0,
) => ({
  id,
  type,
  pos: [id * 100, 0],
  size: [200, 100],
  mode,
  widgets_values: widgets,
  inputs: inputs.map(([name, t, link]) => ({ name, type: t, link })),
  outputs: outputs.map(([name, t]) => ({ name, type: t, links: [] })),
});

describe('ComfyUI UI workflow, v1 links, placeholders, bypass and mute', () => {
  const nodes = [
    node(
      1,
      'CheckpointLoaderSimple',
      ['sd15.safetensors'],
      [],
      [
        ['MODEL', 'MODEL'],
        ['CLIP', 'CLIP'],
        ['VAE', 'VAE'],
      ],
    ),
    node(2, 'CLIPTextEncode', ['a fox'], [['clip', 'CLIP', 2]], [['CONDITIONING', 'CONDITIONING']]),
    node(3, 'EmptyLatentImage', [640, 448, 2], [], [['LATENT', 'LATENT']]),
    node(
      4,
      'KSampler',
      [7, 'fixed', 12, 6, 'dpmpp_2m', 'karras', 1],
      [
        ['model', 'MODEL', 3],
        ['positive', 'CONDITIONING', 4],
        ['negative', 'CONDITIONING', 5],
        ['latent_image', 'LATENT', 6],
      ],
      [['LATENT', 'LATENT']],
    ),
    node(
      5,
      'VAEDecode',
      [],
      [
        ['samples', 'LATENT', 7],
        ['vae', 'VAE', 8],
      ],
      [['IMAGE', 'IMAGE']],
    ),
    node(6, 'FaceDetailerMagic', [0.5, 'auto'], [['image', 'IMAGE', 9]], [['IMAGE', 'IMAGE']]),
    node(7, 'SaveImage', ['fox run'], [['images', 'IMAGE', 10]]),
    node(8, 'FreeU_V2', [1.3, 1.4], [['model', 'MODEL', 1]], [['MODEL', 'MODEL']], 4),
    node(9, 'PreviewImage', [], [['images', 'IMAGE', 11]], [], 2),
    node(10, 'CLIPSetLastLayer', [-2], [['clip', 'CLIP', 12]], [['CLIP', 'CLIP']]),
  ];
  const L = (id: number, a: number, as: number, b: number, bs: number, type: string) => ({
    id,
    origin_id: a,
    origin_slot: as,
    target_id: b,
    target_slot: bs,
    type,
  });
  const wf = {
    version: 1,
    state: { lastNodeId: 10, lastLinkId: 12 },
    nodes,
    links: [
      L(1, 1, 0, 8, 0, 'MODEL'),
      L(2, 10, 0, 2, 0, 'CLIP'),
      L(3, 8, 0, 4, 0, 'MODEL'),
      L(4, 2, 0, 4, 1, 'CONDITIONING'),
      L(5, 2, 0, 4, 2, 'CONDITIONING'),
      L(6, 3, 0, 4, 3, 'LATENT'),
      L(7, 4, 0, 5, 0, 'LATENT'),
      L(8, 1, 2, 5, 1, 'VAE'),
      L(9, 5, 0, 6, 0, 'IMAGE'),
      L(10, 6, 0, 7, 0, 'IMAGE'),
      L(11, 5, 0, 9, 0, 'IMAGE'),
      L(12, 1, 1, 10, 0, 'CLIP'),
    ],
  };

  it('maps the chain, keeps the unknown node as a placeholder with its original data, and names every left-out node', () => {
    const r = json(wf);
    expect(r.source).toBe('comfyui-ui');
    expect(r.graph.nodes.find((n) => n.id === '4')).toMatchObject({
      type: 'txt2img',
      params: {
        model: 'sd15.safetensors',
        seed: '7',
        steps: 12,
        cfgScale: 6,
        sampler: 'dpm++2m',
        scheduler: 'karras',
        width: 640,
        height: 448,
        batchCount: 2,
        clipSkip: 2,
      },
    });
    const ph = r.graph.nodes.find((n) => n.id === '6')!;
    expect(ph).toMatchObject({
      type: 'comfyui:FaceDetailerMagic',
      position: { x: 600, y: 0 },
      params: { widgets_values: [0.5, 'auto'] },
      data: { placeholder: true, source: 'comfyui' },
    });
    expect((ph.data as { original: { id: number } }).original.id).toBe(6);
    const edges = r.graph.edges
      .map((e) => `${e.source}.${e.sourceHandle}->${e.target}.${e.targetHandle}`)
      .sort();
    expect(edges).toEqual([
      '2.text->4.negative',
      '2.text->4.prompt',
      '4.image->6.image',
      '6.IMAGE->7.image',
    ]);
    const w = r.warnings.join('\n');
    expect(w).toMatch(
      /node 6 \(FaceDetailerMagic\) has no MystiCanvas equivalent; kept as a placeholder/,
    );
    expect(w).toMatch(/node 9 \(PreviewImage\) is muted/);
    expect(validateGraph(r.graph, catalog).map((i) => i.code)).toEqual(['UNKNOWN_NODE_TYPE']);
  });

  it('expands a subgraph into "<instance>:<inner>" nodes', () => {
    const inner = {
      id: '11111111-2222-4333-8444-555555555555',
      name: 'Sampler block',
      version: 1,
      inputs: [{ id: 'i0', name: 'positive', type: 'CONDITIONING' }],
      outputs: [{ id: 'o0', name: 'IMAGE', type: 'IMAGE' }],
      nodes: [
        node(
          1,
          'CheckpointLoaderSimple',
          ['inner.safetensors'],
          [],
          [
            ['MODEL', 'MODEL'],
            ['CLIP', 'CLIP'],
            ['VAE', 'VAE'],
          ],
        ),
        node(2, 'EmptyLatentImage', [512, 512, 1], [], [['LATENT', 'LATENT']]),
        node(
          3,
          'KSampler',
          [99, 'fixed', 8, 5, 'euler', 'normal', 1],
          [
            ['model', 'MODEL', 1],
            ['positive', 'CONDITIONING', 2],
            ['latent_image', 'LATENT', 3],
          ],
          [['LATENT', 'LATENT']],
        ),
        node(
          4,
          'VAEDecode',
          [],
          [
            ['samples', 'LATENT', 4],
            ['vae', 'VAE', 5],
          ],
          [['IMAGE', 'IMAGE']],
        ),
      ],
      links: [
        L(1, 1, 0, 3, 0, 'MODEL'),
        L(2, -10, 0, 3, 1, 'CONDITIONING'),
        L(3, 2, 0, 3, 2, 'LATENT'),
        L(4, 3, 0, 4, 0, 'LATENT'),
        L(5, 1, 2, 4, 1, 'VAE'),
        L(6, 4, 0, -20, 0, 'IMAGE'),
      ],
    };
    const outer = {
      version: 1,
      state: {},
      definitions: { subgraphs: [inner] },
      nodes: [
        node(
          1,
          'CheckpointLoaderSimple',
          ['outer.safetensors'],
          [],
          [
            ['MODEL', 'MODEL'],
            ['CLIP', 'CLIP'],
            ['VAE', 'VAE'],
          ],
        ),
        node(
          2,
          'CLIPTextEncode',
          ['inside a subgraph'],
          [['clip', 'CLIP', 1]],
          [['CONDITIONING', 'CONDITIONING']],
        ),
        node(30, inner.id, [], [['positive', 'CONDITIONING', 2]], [['IMAGE', 'IMAGE']]),
        node(4, 'SaveImage', ['sub'], [['images', 'IMAGE', 3]]),
      ],
      links: [
        L(1, 1, 1, 2, 0, 'CLIP'),
        L(2, 2, 0, 30, 0, 'CONDITIONING'),
        L(3, 30, 0, 4, 0, 'IMAGE'),
      ],
    };
    const r = json(outer);
    const gen = r.graph.nodes.find((n) => n.type === 'txt2img')!;
    expect(gen.id).toBe('30:3');
    expect(gen.params).toMatchObject({ model: 'inner.safetensors', seed: '99', steps: 8 });
    const edges = r.graph.edges
      .map((e) => `${e.source}.${e.sourceHandle}->${e.target}.${e.targetHandle}`)
      .sort();
    expect(edges).toEqual(['2.text->30:3.prompt', '30:3.image->4.image']);
    expect(r.warnings.join('\n')).toMatch(/subgraph 30 \(Sampler block\) was expanded/);
    // The outer checkpoint fed the text encoder's CLIP: recorded on the node it was folded into.
    expect((gen.data as { absorbed: string[] }).absorbed).toContain('1');
  });
});

describe('A1111 and sd.cpp specifics', () => {
  const HIRES =
    'a castle <lora:detail:0.7>\nNegative prompt: fog\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: -1, Size: 512x512, Model: m, Denoising strength: 0.4, Hires upscale: 2, Hires steps: 10, Hires upscaler: Latent, Version: f2.0.1v1.10.1';

  it('hires fix → txt2img Hires fix params (sd.cpp --hires-*), one generator node (issue 14)', () => {
    const r = text(HIRES);
    const gen = r.graph.nodes.find((n) => n.id === 'generate')!;
    expect(gen).toMatchObject({
      type: 'txt2img',
      params: {
        width: 512,
        height: 512,
        hiresFix: true,
        hiresUpscaler: 'Latent',
        hiresScale: 2,
        hiresSteps: 10,
        hiresDenoisingStrength: 0.4,
      },
    });
    expect(r.graph.nodes.map((n) => n.type).sort()).toEqual([
      'prompt',
      'prompt',
      'save',
      'txt2img',
    ]);
    expect(validateGraph(r.graph, catalog)).toEqual([]);
    // A target size (`Hires resize`) and an ESRGAN A1111 names by label: Lanczos, with a warning.
    const sized = text(
      'x\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.3, Hires resize: 1024x768, Hires upscaler: R-ESRGAN 4x+, Version: v1.10.1',
    );
    expect(sized.graph.nodes.find((n) => n.id === 'generate')!.params).toMatchObject({
      hiresFix: true,
      hiresUpscaler: 'Lanczos',
      hiresWidth: 1024,
      hiresHeight: 768,
      hiresDenoisingStrength: 0.3,
    });
    expect(sized.warnings.join('\n')).toMatch(/R-ESRGAN 4x\+" replaced by Lanczos/);
    expect(sized.warnings.join('\n')).not.toMatch(/Hires resize/);
  });

  it('hires fix with {a1111Hires: "pair"} → upscale + img2img; <lora:> tags → loras; -1 seed → random', () => {
    const r = importWorkflow({ bytes: new TextEncoder().encode(HIRES), a1111Hires: 'pair' });
    expect(r.source).toBe('a1111');
    const gen = r.graph.nodes.find((n) => n.id === 'generate')!;
    expect(gen.params).toMatchObject({
      seed: 'random',
      sampler: 'euler_a',
      loras: [{ name: 'detail', weight: 0.7 }],
    });
    expect(r.graph.nodes.find((n) => n.id === 'prompt')!.params.text).toBe('a castle');
    expect(r.graph.nodes.find((n) => n.id === 'hires_fix')).toMatchObject({
      type: 'img2img',
      params: { strength: 0.4, steps: 10, width: 1024, height: 1024 },
    });
    expect(r.graph.nodes.find((n) => n.id === 'hires_upscale')).toMatchObject({
      type: 'upscale',
      params: { scale: 2, method: 'lanczos' },
    });
    expect((gen.data as { source: string }).source).toBe('forge');
    expect(validateGraph(r.graph, catalog)).toEqual([]);
  });

  it('sd.cpp SDCPP JSON trailer wins over the text fields', () => {
    const sdcpp = JSON.stringify({
      schema: 'sdcpp.image.params/v1',
      mode: 'img_gen',
      seed: 7,
      width: 64,
      height: 64,
      prompt: { positive: 'tiny, cat', negative: 'dog' },
      sampling: { method: 'euler_a', scheduler: 'discrete', steps: 2, guidance: { txt_cfg: 4.5 } },
      models: { model: 'tiny-sdxs-q4_0.gguf' },
      clip_skip: 2,
    });
    const r = text(
      `tiny, cat\nNegative prompt: dog\nSteps: 2, CFG scale: 4.500000, Guidance: 3.500000, Eta: inf, Seed: 7, Size: 64x64, Model: tiny-sdxs-q4_0.gguf, RNG: cuda, Sampler: euler_a discrete, Clip skip: 2, Version: stable-diffusion.cpp, SDCPP: ${sdcpp}`,
    );
    expect(r.source).toBe('sdcpp');
    expect(r.graph.nodes.find((n) => n.id === 'generate')!.params).toMatchObject({
      model: 'tiny-sdxs-q4_0.gguf',
      seed: '7',
      steps: 2,
      cfgScale: 4.5,
      sampler: 'euler_a',
      scheduler: 'discrete',
      clipSkip: 2,
      width: 64,
    });
  });
});

describe('bad input', () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
      return 'no error';
    } catch (e) {
      return (e as { code?: string }).code;
    }
  };
  it('names the problem with a stable code', () => {
    expect(code(() => text('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBe(
      'UNSUPPORTED_FORMAT',
    );
    expect(code(() => text('<!doctype html><html></html>'))).toBe('UNSUPPORTED_FORMAT');
    expect(
      code(() => importWorkflow({ bytes: Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 1, 2, 3) })),
    ).toBe('UNSUPPORTED_FORMAT');
    expect(code(() => text('{"nodes": [1, 2'))).toBe('WORKFLOW_INVALID');
    expect(code(() => json({ hello: 'world' }))).toBe('UNSUPPORTED_FORMAT');
    expect(code(() => json({ format: 'mysticanvas.graph', version: 99, nodes: [] }))).toBe(
      'GRAPH_VERSION_UNSUPPORTED',
    );
    expect(code(() => json({ format: 'mysticanvas.graph', version: 1, nodes: 'x' }))).toBe(
      'WORKFLOW_INVALID',
    );
    expect(code(() => json({ __proto__: { polluted: true }, constructor: 1 }))).toBe(
      'UNSUPPORTED_FORMAT',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
