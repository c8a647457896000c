/** Every fixture in shared/fixtures imports to the graph its README describes. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  extractGenerationInfo,
  importWorkflow,
  type WorkflowImport,
} from '../../../runtime/importers';
import { readPngText } from '../../../runtime/png';
import { catalog, validateGraph } from '../../../nodes/index';
import type { GraphNode } from '../../../nodes/core/graph';
import { FIXTURES_DIR } from '../../helpers/temp-home';

const load = (f: string) =>
  importWorkflow({ bytes: readFileSync(`${FIXTURES_DIR}/${f}`), filename: f });
const byType = (r: WorkflowImport, t: string) => r.graph.nodes.filter((n) => n.type === t);
const one = (r: WorkflowImport, t: string): GraphNode => {
  const ns = byType(r, t);
  expect(ns, `one ${t}`).toHaveLength(1);
  return ns[0]!;
};
const wired = (r: WorkflowImport) =>
  r.graph.edges.map((e) => `${e.source}.${e.sourceHandle}->${e.target}.${e.targetHandle}`).sort();
const textInto = (r: WorkflowImport, target: string, handle: string) => {
  const e = r.graph.edges.find((x) => x.target === target && x.targetHandle === handle);
  return r.graph.nodes.find((n) => n.id === e?.source)?.params.text;
};
const noIssues = (r: WorkflowImport) => expect(validateGraph(r.graph, catalog)).toEqual([]);

describe('fixture imports', () => {
  it('comfyui_lora.png: UI workflow, checkpoint + LoRA → txt2img; its 64-bit seed kept exactly, no seed warning', () => {
    const r = load('png/comfyui_lora.png');
    expect(r.source).toBe('comfyui-ui');
    const g = one(r, 'txt2img');
    expect(g.id).toBe('3');
    expect(g.position).toEqual({ x: 863, y: 186 });
    expect(g.params).toMatchObject({
      model: 'v1-5-pruned-emaonly.ckpt',
      width: 512,
      height: 512,
      steps: 20,
      cfgScale: 8,
      sampler: 'euler',
      scheduler: 'discrete',
      seed: '851616030078638',
      loras: [{ name: 'epiNoiseoffset_v2', weight: 1 }],
    });
    expect(textInto(r, '3', 'prompt')).toBe('masterpiece best quality girl');
    expect(textInto(r, '3', 'negative')).toBe('bad hands');
    expect(one(r, 'save').params.filenamePrefix).toBe('ComfyUI');
    expect(wired(r)).toEqual(['3.image->9.image', '6.text->3.prompt', '7.text->3.negative']);
    expect((g.data as { absorbed: string[] }).absorbed.sort()).toEqual([
      '10',
      '4',
      '5',
      '6',
      '7',
      '8',
    ]);
    expect(r.warnings.join('\n')).not.toMatch(/seed/i);
    noIssues(r);
  });

  it('comfyui_z_image_turbo.png: UNet + VAE loaders, bypassed ModelSampling, Note kept as a graph note, the Qwen text encoder in the llm stack slot', () => {
    const r = load('png/comfyui_z_image_turbo.png');
    expect(r.source).toBe('comfyui-ui');
    expect(r.graph.nodes).toHaveLength(4);
    expect(one(r, 'txt2img').params).toMatchObject({
      model: 'z_image_turbo_bf16.safetensors',
      vae: 'ae.safetensors',
      width: 1024,
      height: 1024,
      steps: 9,
      cfgScale: 1,
      sampler: 'euler',
      scheduler: 'simple',
      seed: '47447417949230',
      llm: 'qwen_3_4b.safetensors',
    });
    expect(textInto(r, '3', 'prompt')).toMatch(
      /^cute anime style girl .* says "ZImage, Now in ComfyUI"$/,
    );
    expect(textInto(r, '3', 'negative')).toBe('blurry ugly bad');
    expect((r.graph.meta?.notes as Array<{ id: string; text: string }>)[0]).toMatchObject({
      id: '15',
    });
    expect(r.warnings.join('\n')).not.toMatch(/text encoder/);
    noIssues(r);
  });

  it('a1111_tiny_text.png: prompt, negative, settings; UniPC has no sd.cpp equivalent', () => {
    const r = load('png/a1111_tiny_text.png');
    expect(r.source).toBe('a1111');
    expect(one(r, 'txt2img').params).toMatchObject({
      model: 'realistic_realisticVisionV20_v20',
      width: 512,
      height: 400,
      steps: 15,
      cfgScale: 5,
      seed: '235284042',
      sampler: 'default',
    });
    expect(textInto(r, 'generate', 'prompt')).toBe('photo of a duck');
    expect(textInto(r, 'generate', 'negative')).toBe('monochrome');
    expect(r.warnings).toEqual([
      'A1111 sampler "UniPC" has no stable-diffusion.cpp equivalent; using the model\'s default sampler',
    ]);
    expect((one(r, 'txt2img').data as { imported: { modelHash: string } }).imported.modelHash).toBe(
      'c0d1994c73',
    );
    noIssues(r);
  });

  it('a1111_itxt_utf8.png: UTF-8 prompt, DPM++ 2M + Karras', () => {
    const r = load('png/a1111_itxt_utf8.png');
    expect(r.source).toBe('a1111');
    expect(textInto(r, 'generate', 'prompt')).toBe(
      'general, masterpiece, best quality, amazing quality, \n1girl, solo, hatsune miku, テスト',
    );
    expect(textInto(r, 'generate', 'negative')).toBe(
      'bad quality, worst quality, worst detail, sketch, censor,',
    );
    expect(one(r, 'txt2img').params).toMatchObject({
      sampler: 'dpm++2m',
      scheduler: 'karras',
      steps: 20,
      cfgScale: 7,
      seed: '3782896554',
      width: 1024,
      height: 1024,
      model: 'waiIllustriousSDXL_v160',
    });
    expect(r.warnings).toEqual([]);
    noIssues(r);
  });

  it('sdcpp_flux_basic.png: detected as sd.cpp (not A1111), six-decimal floats, empty Model', () => {
    const r = load('png/sdcpp_flux_basic.png');
    expect(r.source).toBe('sdcpp');
    expect(one(r, 'txt2img').params).toMatchObject({
      model: '',
      steps: 20,
      cfgScale: 1,
      seed: '42',
      width: 512,
      height: 512,
      sampler: 'euler',
    });
    expect(textInto(r, 'generate', 'prompt')).toBe("a lovely cat holding a sign says 'flux.cpp'");
    expect(r.graph.edges.some((e) => e.targetHandle === 'negative')).toBe(false);
    noIssues(r);
  });

  it('swarmui_params.png: the JSON parameters (not A1111), euler_ancestral + karras', () => {
    const r = load('png/swarmui_params.png');
    expect(r.source).toBe('swarmui');
    expect(one(r, 'txt2img').params).toMatchObject({
      model: 'waiIllustriousSDXL_v160',
      seed: '2083100758',
      steps: 20,
      cfgScale: 7,
      width: 1024,
      height: 1024,
      sampler: 'euler_a',
      scheduler: 'karras',
    });
    expect(textInto(r, 'generate', 'prompt')).toBe(
      'general, masterpiece, best quality, amazing quality, \n1girl, solo, hatsune miku, #テスト',
    );
    noIssues(r);
  });

  it('invokeai_text.png: invokeai_metadata → linear graph', () => {
    const r = load('png/invokeai_text.png');
    expect(r.source).toBe('invokeai');
    expect(one(r, 'txt2img').params).toMatchObject({
      model: 'waiIllustriousSDXL_v160',
      seed: '1860920704',
      steps: 24,
      cfgScale: 6,
      width: 1024,
      height: 1024,
      sampler: 'euler_a',
    });
    expect(textInto(r, 'generate', 'negative')).toBe(
      'bad quality, worst quality, worst detail, sketch, censor, \n',
    );
    noIssues(r);
  });

  it('no_metadata_pose_input.png: NO_METADATA, never an empty graph', () => {
    expect(() => load('png/no_metadata_pose_input.png')).toThrow(
      expect.objectContaining({ code: 'NO_METADATA' }),
    );
  });

  it('comfyui_ui_default_txt2img.json: control_after_generate skipped, SaveImage default prefix', () => {
    const r = load('json/comfyui_ui_default_txt2img.json');
    expect(r.source).toBe('comfyui-ui');
    expect(r.graph.nodes.map((n) => n.type).sort()).toEqual([
      'prompt',
      'prompt',
      'save',
      'txt2img',
    ]);
    expect(one(r, 'txt2img').params).toMatchObject({
      model: 'v1-5-pruned-emaonly-fp16.safetensors',
      steps: 20,
      cfgScale: 8,
      sampler: 'euler',
      scheduler: 'discrete',
      seed: '156680208700286',
    });
    expect(textInto(r, '3', 'negative')).toBe('text, watermark');
    noIssues(r);
  });

  it('comfyui_api_sdxl_base_refiner.json: base → txt2img, refiner → img2img on its image, ConditioningZeroOut = no negative', () => {
    const r = load('json/comfyui_api_sdxl_base_refiner.json');
    expect(r.source).toBe('comfyui-api');
    expect(r.graph.nodes.find((n) => n.id === '10')).toMatchObject({
      type: 'txt2img',
      params: {
        model: 'sd_xl_base_1.0.safetensors',
        seed: '42',
        steps: 20,
        cfgScale: 7.5,
        width: 1024,
        height: 1024,
      },
    });
    expect(r.graph.nodes.find((n) => n.id === '14')).toMatchObject({
      type: 'img2img',
      params: { model: 'sd_xl_refiner_1.0.safetensors', width: 1024, height: 1024, strength: 0 },
    });
    expect(wired(r)).toEqual([
      '10.image->14.image',
      '14.image->13.image',
      '17.text->14.prompt',
      '20.text->14.negative',
      '6.text->10.prompt',
    ]);
    expect(r.warnings.join('\n')).toMatch(/node 14 continues the latent of sampler 10/);
    noIssues(r);
  });

  it('invokeai_workflow_text_to_image_sd15.json: positions kept, rand_int seed → random, dpmpp_sde_k warned', () => {
    const r = load('json/invokeai_workflow_text_to_image_sd15.json');
    expect(r.source).toBe('invokeai');
    expect(r.graph.name).toBe('Text to Image - SD1.5');
    const g = one(r, 'txt2img');
    expect(g.position).toEqual({ x: 1400, y: 25 });
    expect(g.params).toMatchObject({
      width: 512,
      height: 768,
      steps: 30,
      cfgScale: 7.5,
      seed: 'random',
      scheduler: 'karras',
    });
    expect(textInto(r, g.id, 'prompt')).toBe(
      'Super cute tiger cub, national geographic award-winning photograph',
    );
    expect(r.warnings.join('\n')).toMatch(/dpmpp_sde_k.*no stable-diffusion.cpp equivalent/);
    expect(r.warnings.join('\n')).toMatch(/main_model_loader\) has no model selected/);
    noIssues(r);
  });
});

describe('extractGenerationInfo', () => {
  it('gives the gallery fields for each dialect and null without metadata', () => {
    const info = (f: string) =>
      extractGenerationInfo(readPngText(readFileSync(`${FIXTURES_DIR}/png/${f}`)).chunks);
    expect(info('a1111_tiny_text.png')).toEqual({
      prompt: 'photo of a duck',
      negativePrompt: 'monochrome',
      seed: '235284042',
      width: 512,
      height: 400,
      steps: 15,
      cfgScale: 5,
      sampler: 'default',
      scheduler: 'default',
      model: 'realistic_realisticVisionV20_v20',
      source: 'a1111',
    });
    expect(info('comfyui_lora.png')).toMatchObject({
      prompt: 'masterpiece best quality girl',
      steps: 20,
      width: 512,
      source: 'comfyui-ui',
    });
    expect(info('swarmui_params.png')).toMatchObject({ seed: '2083100758', source: 'swarmui' });
    expect(info('no_metadata_pose_input.png')).toBeNull();
  });
});
