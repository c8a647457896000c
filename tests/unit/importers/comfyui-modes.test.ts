/**
 * The ComfyUI importer keeps node modes (issue 15 §1): a bypassed (mode 4) and a muted (mode 2)
 * node arrive as our nodes with `mode: "bypass"` / `"mute"` instead of being dropped. The
 * workflow is written in ComfyUI's UI format (nodes with `mode`, links
 * `[id, origin, slot, target, slot, type]`; docs.comfy.org "Workflow JSON").
 */
import { describe, expect, it } from 'vitest';
import { importWorkflow } from '../../../runtime/importers';
import { applyModes, catalog, validateGraph } from '../../../nodes/index';

const json = (v: unknown) => importWorkflow({ bytes: new TextEncoder().encode(JSON.stringify(v)) });

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
  flags: {},
  order: id,
  mode,
  widgets_values: widgets,
  inputs: inputs.map(([name, t, link]) => ({ name, type: t, link })),
  outputs: outputs.map(([name, t]) => ({ name, type: t, links: [] })),
});

const workflow = {
  last_node_id: 10,
  last_link_id: 12,
  nodes: [
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
    node(2, 'CLIPTextEncode', ['a fox'], [['clip', 'CLIP', 1]], [['CONDITIONING', 'CONDITIONING']]),
    node(3, 'EmptyLatentImage', [512, 512, 1], [], [['LATENT', 'LATENT']]),
    node(
      4,
      'KSampler',
      [7, 'fixed', 12, 6, 'euler', 'normal', 1],
      [
        ['model', 'MODEL', 2],
        ['positive', 'CONDITIONING', 3],
        ['negative', 'CONDITIONING', 4],
        ['latent_image', 'LATENT', 5],
      ],
      [['LATENT', 'LATENT']],
    ),
    node(
      5,
      'VAEDecode',
      [],
      [
        ['samples', 'LATENT', 6],
        ['vae', 'VAE', 7],
      ],
      [['IMAGE', 'IMAGE']],
    ),
    node(6, 'UpscaleModelLoader', ['4x-UltraSharp.pth'], [], [['UPSCALE_MODEL', 'UPSCALE_MODEL']]),
    // Bypassed: ComfyUI passes its IMAGE input to its IMAGE output.
    node(
      7,
      'ImageUpscaleWithModel',
      [],
      [
        ['upscale_model', 'UPSCALE_MODEL', 8],
        ['image', 'IMAGE', 9],
      ],
      [['IMAGE', 'IMAGE']],
      4,
    ),
    node(8, 'SaveImage', ['fox'], [['images', 'IMAGE', 10]]),
    // Muted: a second save branch and an unknown node on it.
    node(9, 'ImageSharpenMagic', [1], [['image', 'IMAGE', 11]], [['IMAGE', 'IMAGE']], 2),
    node(10, 'SaveImage', ['sharp'], [['images', 'IMAGE', 12]], [], 2),
  ],
  links: [
    [1, 1, 1, 2, 0, 'CLIP'],
    [2, 1, 0, 4, 0, 'MODEL'],
    [3, 2, 0, 4, 1, 'CONDITIONING'],
    [4, 2, 0, 4, 2, 'CONDITIONING'],
    [5, 3, 0, 4, 3, 'LATENT'],
    [6, 4, 0, 5, 0, 'LATENT'],
    [7, 1, 2, 5, 1, 'VAE'],
    [8, 6, 0, 7, 0, 'UPSCALE_MODEL'],
    [9, 5, 0, 7, 1, 'IMAGE'],
    [10, 7, 0, 8, 0, 'IMAGE'],
    [11, 5, 0, 9, 0, 'IMAGE'],
    [12, 9, 0, 10, 0, 'IMAGE'],
  ],
  groups: [],
  config: {},
  extra: {},
  version: 0.4,
};

describe('ComfyUI node modes', () => {
  it('keeps a bypassed upscale and a muted branch (placeholder + save) with their modes and wires', () => {
    const r = json(workflow);
    const byId = new Map(r.graph.nodes.map((n) => [n.id, n]));
    expect(byId.get('7')).toMatchObject({ type: 'upscale', mode: 'bypass' });
    expect(byId.get('8')).toMatchObject({ type: 'save' });
    expect(byId.get('8')!.mode).toBeUndefined();
    expect(byId.get('9')).toMatchObject({ type: 'comfyui:ImageSharpenMagic', mode: 'mute' });
    expect(byId.get('10')).toMatchObject({ type: 'save', mode: 'mute' });
    const edges = r.graph.edges
      .map((e) => `${e.source}.${e.sourceHandle}->${e.target}.${e.targetHandle}`)
      .sort();
    expect(edges).toEqual(
      expect.arrayContaining([
        '4.image->7.image',
        '7.image->8.image',
        '4.image->9.image',
        '9.IMAGE->10.image',
      ]),
    );
    expect(r.warnings.join('\n')).not.toMatch(
      /bypassed in the source workflow|muted in the source workflow/,
    );
    // It validates (the muted placeholder stops nothing) and runs as ComfyUI would: save 8 gets
    // the decoded image, the muted branch is skipped.
    expect(validateGraph(r.graph, catalog)).toEqual([]);
    const ran = applyModes(r.graph, catalog);
    expect(ran.graph.edges.map((e) => `${e.source}->${e.target}`)).toContain('4->8');
    expect(ran.skipped.map((s) => `${s.nodeId}:${s.reason}`).sort()).toEqual([
      '10:muted',
      '7:bypassed',
      '9:muted',
    ]);
  });
});
