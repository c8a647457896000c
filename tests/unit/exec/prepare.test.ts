/**
 * A node is prepared once (runtime/exec/prepare.ts): the preset merged by applyPreset, every model
 * reference resolved by resolveNodeModels — and the arbiter's estimate reads that same prepared
 * node, so it sees the size and the files the executor will run with.
 */
import { describe, expect, it } from 'vitest';
import { txt2img } from '../../../nodes/diffusion/txt2img';
import { llmEnhance } from '../../../nodes/text/llm-enhance';
import { prepareNode } from '../../../runtime/exec/prepare';
import { resolveNodeModels } from '../../../runtime/exec/models';
import type { PresetLookup } from '../../../runtime/exec/presets';
import type { ResolvedModel } from '../../../runtime/exec/context';
import type { ImagePreset, LlmPreset } from '../../../runtime/store/presets';
import { estimateNode } from '../../../runtime/arbiter/node-estimate';
import { UserError } from '../../../runtime/errors';

const MIB = 1024 * 1024;
const sizes: Record<string, number> = {
  'preset.safetensors': 2000 * MIB,
  'node.safetensors': 100 * MIB,
  'ae.safetensors': 80 * MIB,
  'detail.safetensors': 20 * MIB,
  'a.gguf': 5 * MIB,
};
const resolved: { ref: string; kind: string }[] = [];
const lookup = (ref: string, kind: string): ResolvedModel => {
  resolved.push({ ref, kind });
  if (!(ref in sizes)) throw new UserError('MODEL_NOT_FOUND', `no model "${ref}"`, undefined, 404);
  return { id: ref, path: `/models/${ref}`, bytes: sizes[ref]!, identity: `${sizes[ref]}:1` };
};
const image: ImagePreset = {
  id: 'p1',
  name: 'Big',
  diffusionModel: 'preset.safetensors',
  vae: 'ae.safetensors',
  textEncoders: [],
  loras: [{ name: 'detail.safetensors', weight: 0.5 }],
  params: { width: 1024, height: 768, steps: 30 },
  measuredVramBytes: null,
  createdAt: 0,
  updatedAt: 0,
};
const llm: LlmPreset = {
  id: 'l1',
  name: 'Chat',
  model: 'a.gguf',
  contextSize: 512,
  gpuLayers: null,
  capabilities: [],
  params: { maxTokens: 9 },
  measuredVramBytes: 123,
  createdAt: 0,
  updatedAt: 0,
};
const presets: PresetLookup = {
  getImage: (id) => (id === image.id ? image : undefined),
  getImageByName: (n) => (n === image.name ? image : undefined),
  getLlm: (id) => (id === llm.id ? llm : undefined),
  getLlmByName: (n) => (n === llm.name ? llm : undefined),
};

describe('prepareNode', () => {
  it('merges an image preset and resolves its files once; the estimate reads the same node', () => {
    resolved.length = 0;
    const node = prepareNode(
      txt2img,
      { model: 'node.safetensors', preset: 'Big', steps: 12, seed: 'random' },
      { resolveModel: lookup, presets },
    );
    // The node's own params are what is recorded (seed made concrete); the merge is what runs.
    expect(node.recorded).toMatchObject({
      model: 'node.safetensors',
      preset: 'Big',
      steps: 12,
      width: 512,
    });
    expect(node.recorded.seed).toMatch(/^[0-9]+$/); // exact decimal text (nodes/core/seed.ts)
    expect(node.params).toMatchObject({
      model: 'preset.safetensors',
      vae: 'ae.safetensors',
      width: 1024,
      height: 768,
      steps: 12,
      seed: node.recorded.seed,
    });
    expect(Object.keys(node.models)).toEqual(['model', 'vae', 'lora:detail.safetensors']);
    expect(resolved).toEqual([
      { ref: 'preset.safetensors', kind: 'sd' },
      { ref: 'ae.safetensors', kind: 'vae' },
      { ref: 'detail.safetensors', kind: 'lora' },
    ]);
    expect(node.preset).toEqual({ kind: 'image', value: image });
    expect(node.presetFingerprint).toMatch(/^preset:image:/);

    const est = estimateNode({ node }, { facts: () => ({ metadata: null, family: 'sd15' }) });
    expect(est).toMatchObject({ worker: 'sd', model: 'preset.safetensors', label: 'Big' });
    // The estimate counts the preset's diffusion model + its LoRA and the preset's 1024×768 size.
    const small = estimateNode(
      { node: prepareNode(txt2img, { model: 'node.safetensors' }, { resolveModel: lookup }) },
      { facts: () => ({ metadata: null, family: 'sd15' }) },
    );
    expect(est.weightsBytes).toBeGreaterThan(small.weightsBytes + 1900 * MIB);
    expect(est.computeBytes).toBeGreaterThan(small.computeBytes);
  });

  it('an LLM preset brings the model and the context size; no preset leaves params as they are', () => {
    const node = prepareNode(
      llmEnhance,
      { preset: 'l1', seed: 4 },
      { resolveModel: lookup, presets },
    );
    expect(node.params).toMatchObject({ model: 'a.gguf', maxTokens: 9, seed: '4' });
    expect(node.models.model).toMatchObject({ id: 'a.gguf' });
    const est = estimateNode({ node }, { facts: () => ({ metadata: null, family: null }) });
    expect(est).toMatchObject({
      worker: 'llm',
      label: 'Chat',
      contextSize: 512,
      measuredBytes: 123,
    });
    const plain = prepareNode(
      llmEnhance,
      { model: 'a.gguf', seed: 4 },
      { resolveModel: lookup, presets },
    );
    expect(plain.preset).toBeNull();
    expect(plain.params).toBe(plain.recorded);
  });

  it("refuses an unknown preset and a missing file with the registry's and the preset's own errors", () => {
    expect(() =>
      prepareNode(txt2img, { preset: 'nope' }, { resolveModel: lookup, presets }),
    ).toThrow(expect.objectContaining({ code: 'PRESET_NOT_FOUND' }));
    expect(() => prepareNode(txt2img, { preset: 'Big' }, { resolveModel: lookup })).toThrow(
      expect.objectContaining({ code: 'PRESETS_UNAVAILABLE' }),
    );
    expect(() =>
      prepareNode(txt2img, { model: 'gone.safetensors' }, { resolveModel: lookup }),
    ).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
  });
});

describe('resolveNodeModels', () => {
  it('reports every unresolvable reference with its param when asked to, pickers only if told', () => {
    const params = txt2img.params.parse({
      model: 'gone.safetensors',
      vae: 'ae.safetensors',
      taesd: 'gone2',
      loras: [{ name: 'missing-lora', weight: 1 }],
    });
    const issues: string[] = [];
    const models = resolveNodeModels(txt2img, params, lookup, {
      onIssue: (r, e) => issues.push(`${r.param}:${r.ref}:${e.code}`),
    });
    expect(Object.keys(models)).toEqual(['vae']);
    expect(issues).toEqual([
      'model:gone.safetensors:MODEL_NOT_FOUND',
      'taesd:gone2:MODEL_NOT_FOUND',
      'loras:missing-lora:MODEL_NOT_FOUND',
    ]);
    issues.length = 0;
    resolveNodeModels(txt2img, params, lookup, {
      only: 'pickers',
      onIssue: (r) => issues.push(r.param),
    });
    expect(issues).toEqual(['model', 'taesd']);
  });
});
