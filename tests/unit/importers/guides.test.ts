/**
 * ComfyUI guide nodes → our guide inputs (issue 14). Fixtures in ./fixtures are written from
 * ComfyUI's API ("prompt") format — `{id: {class_type, inputs}}`, links as `[node id, output slot]`
 * — with the class and input names of ComfyUI's nodes.py (LoadImage outputs IMAGE, MASK;
 * LoadImageMask(image, channel); VAEEncodeForInpaint(pixels, vae, mask, grow_mask_by);
 * SetLatentNoiseMask(samples, mask); ControlNetLoader(control_net_name);
 * ControlNetApplyAdvanced(positive, negative, control_net, image, strength, start_percent,
 * end_percent) → positive, negative; ReferenceLatent(conditioning, latent);
 * FluxKontextImageScale(image)). Images they reference become Load image nodes titled
 * "needs image …" / "needs mask …".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importWorkflow, type WorkflowImport } from '../../../runtime/importers';
import { catalog, validateGraph } from '../../../nodes/index';

const FIX = join(import.meta.dirname, 'fixtures');
const load = (f: string) => importWorkflow({ bytes: readFileSync(join(FIX, f)), filename: f });
const into = (r: WorkflowImport, target: string, handle: string) => {
  const e = r.graph.edges.find((x) => x.target === target && x.targetHandle === handle);
  return r.graph.nodes.find((n) => n.id === e?.source);
};
const title = (n: { data?: Record<string, unknown> } | undefined) =>
  (n?.data?.extra as { title?: string } | undefined)?.title;
const noPlaceholders = (r: WorkflowImport) =>
  expect(r.graph.nodes.filter((n) => n.type.includes(':')).map((n) => n.type)).toEqual([]);

describe('ComfyUI guide nodes', () => {
  it('LoadImage + LoadImageMask → VAEEncodeForInpaint → KSampler: img2img with image and mask inputs', () => {
    const r = load('comfyui_inpaint_vae_encode.api.json');
    noPlaceholders(r);
    const gen = r.graph.nodes.find((n) => n.id === '4')!;
    expect(gen).toMatchObject({
      type: 'img2img',
      params: { model: 'sd-v1-5-inpainting.ckpt', strength: 1, steps: 20, cfgScale: 8 },
    });
    const image = into(r, '4', 'image');
    const mask = into(r, '4', 'mask');
    expect(image).toMatchObject({
      type: 'load-image',
      params: { source: 'yosemite_inpaint_example.png' },
    });
    expect(title(image)).toBe('needs image "yosemite_inpaint_example.png"');
    expect(mask).toMatchObject({ type: 'load-image', params: { source: 'door_mask.png' } });
    expect(title(mask)).toBe('needs mask "door_mask.png"');
    const w = r.warnings.join('\n');
    expect(w).toMatch(/red channel of "door_mask\.png" as the mask/);
    expect(w).toMatch(/grows the mask by 6 px/);
    // Valid apart from the images to pick: the Load image sources name ComfyUI's input folder.
    expect(validateGraph(r.graph, catalog)).toEqual([]);
  });

  it("ControlNetLoader + ControlNetApplyAdvanced, SetLatentNoiseMask over LoadImage's alpha mask", () => {
    const r = load('comfyui_controlnet_noise_mask.api.json');
    noPlaceholders(r);
    const gen = r.graph.nodes.find((n) => n.id === '4')!;
    expect(gen).toMatchObject({
      type: 'img2img',
      params: {
        controlNet: 'control_v11p_sd15_openpose.pth',
        controlStrength: 0.85,
        strength: 0.8,
        sampler: 'dpm++2m',
      },
    });
    expect(into(r, '4', 'prompt')?.params.text).toBe('a dancer on a stage');
    expect(into(r, '4', 'negative')?.params.text).toBe('lowres');
    expect(into(r, '4', 'control')).toMatchObject({ params: { source: 'pose.png' } });
    expect(into(r, '4', 'image')).toMatchObject({ params: { source: 'stage.png' } });
    const mask = into(r, '4', 'mask');
    expect(mask).toMatchObject({ id: '30_mask', params: { source: 'stage.png' } });
    expect(title(mask)).toBe('needs mask "stage.png"');
    expect(r.warnings.join('\n')).toMatch(/mask from the alpha of "stage\.png"/);
    expect((gen.data as { absorbed: string[] }).absorbed).toEqual(
      expect.arrayContaining(['20', '22', '31', '32']),
    );
    expect(validateGraph(r.graph, catalog)).toEqual([]);
  });

  it('Flux Kontext: LoadImage → FluxKontextImageScale → VAEEncode → ReferenceLatent → the reference input', () => {
    const r = load('comfyui_flux_kontext_reference.api.json');
    noPlaceholders(r);
    const gen = r.graph.nodes.find((n) => n.id === '31')!;
    expect(gen.params).toMatchObject({
      model: 'flux1-dev-kontext_fp8_scaled.safetensors',
      guidance: 2.5,
      clipL: 'clip_l.safetensors',
      t5xxl: 't5xxl_fp8_e4m3fn_scaled.safetensors',
    });
    const ref = into(r, '31', 'reference');
    expect(ref).toMatchObject({ type: 'load-image', params: { source: 'rabbit.jpg' } });
    expect(title(ref)).toBe('needs image "rabbit.jpg"');
    expect(into(r, '31', 'reference2')).toBeUndefined();
    expect(into(r, '31', 'prompt')?.params.text).toBe('make the rabbit wear a hat');
  });

  it('a ControlNet applied for part of the steps is named in a warning', () => {
    const doc = JSON.parse(
      readFileSync(join(FIX, 'comfyui_controlnet_noise_mask.api.json'), 'utf8'),
    );
    doc['22'].inputs.end_percent = 0.5;
    const r = importWorkflow({ bytes: new TextEncoder().encode(JSON.stringify(doc)) });
    expect(r.warnings.join('\n')).toMatch(/applies the ControlNet from 0 to 0\.5 of the steps/);
  });
});

describe('A1111 infotext guides', () => {
  const enc = (t: string) => importWorkflow({ bytes: new TextEncoder().encode(t) });

  it('ControlNet 0 (sd-webui-controlnet) → the ControlNet model + strength and a control image to pick', () => {
    const r = enc(
      'a dancer\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Model: v15, ' +
        'ControlNet 0: "Module: openpose, Model: control_v11p_sd15_openpose [cab727d4], Weight: 0.75, Resize Mode: Crop and Resize, Guidance Start: 0, Guidance End: 1", Version: v1.10.1',
    );
    const gen = r.graph.nodes.find((n) => n.id === 'generate')!;
    expect(gen).toMatchObject({
      type: 'txt2img',
      params: { controlNet: 'control_v11p_sd15_openpose.safetensors', controlStrength: 0.75 },
    });
    expect(title(into(r, 'generate', 'control'))).toBe('needs image (ControlNet control image)');
    expect(r.warnings.join('\n')).not.toMatch(/not applied: .*ControlNet 0/);
  });

  it('Mask blur on an img2img infotext → inpainting: maskBlur and a mask Load image to pick', () => {
    const r = enc(
      'a door\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x512, Denoising strength: 0.6, Mask blur: 4, Version: v1.10.1',
    );
    const gen = r.graph.nodes.find((n) => n.id === 'generate')!;
    expect(gen).toMatchObject({ type: 'img2img', params: { strength: 0.6, maskBlur: 4 } });
    expect(title(into(r, 'generate', 'mask'))).toBe('needs mask (white = repaint)');
    expect(into(r, 'generate', 'image')).toMatchObject({ type: 'load-image' });
  });
});
