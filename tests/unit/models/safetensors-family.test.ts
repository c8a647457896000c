/**
 * Header-only safetensors reads (bounds, validation) and family detection over crafted files with
 * real headers and tiny tensor data, one per family; GGUF diffusion files through the GGUF reader.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSafetensorsHeader, SAFETENSORS_MAX_HEADER } from '../../../runtime/models/safetensors';
import { detectFamily } from '../../../runtime/models/family';
import { describeModel } from '../../../runtime/models/describe';
import type { MystiError } from '../../../runtime/errors';
import { FAMILY_FILES, safetensorsBytes, unet, writeGguf, writeSafetensors } from './craft';

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'st-family-'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function codeOf(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
    return ['resolved', ''];
  } catch (e) {
    return [(e as MystiError).code, (e as Error).message];
  }
}

function raw(name: string, bytes: Buffer): string {
  const p = path.join(root, name);
  fs.writeFileSync(p, bytes);
  return p;
}

function withHeader(json: string, data = Buffer.alloc(0), declared?: bigint): Buffer {
  const h = Buffer.from(json);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(declared ?? BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

describe('readSafetensorsHeader', () => {
  it('reads names, dtypes, shapes, parameter count and __metadata__ without touching the data', async () => {
    const f = writeSafetensors(
      path.join(root, 'ok.safetensors'),
      [
        { name: 'a.weight', shape: [3, 4] },
        { name: 'b.bias', shape: [5], dtype: 'F32' },
      ],
      { format: 'pt' },
    );
    const h = await readSafetensorsHeader(f);
    expect(h.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['a.weight', 'F16', [3, 4]],
      ['b.bias', 'F32', [5]],
    ]);
    expect(h.parameterCount).toBe(17);
    expect(h.dtypes).toEqual({ F16: 1, F32: 1 });
    expect(h.metadata).toEqual({ format: 'pt' });
    expect(h.warnings).toEqual([]);
  });

  it('refuses an absurd header length before allocating it', async () => {
    const f = raw('absurd.safetensors', withHeader('{}', Buffer.alloc(16), 1n << 40n));
    const [code, msg] = await codeOf(readSafetensorsHeader(f));
    expect(code).toBe('MODEL_INVALID');
    expect(msg).toContain(`exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit`);
  });

  it.each([
    [
      'header past the file end',
      withHeader('{"a":1}', Buffer.alloc(0), 4096n),
      /runs past the end/,
    ],
    ['too short', Buffer.from('abc'), /too short/],
    ['not JSON', withHeader('{not json'), /not valid JSON/],
    ['not an object', withHeader('[1,2]'), /does not start with|not a JSON object/],
    [
      'unknown dtype',
      withHeader('{"t":{"dtype":"Q9","shape":[1],"data_offsets":[0,1]}}', Buffer.alloc(1)),
      /unknown dtype Q9/,
    ],
    [
      'negative dimension',
      withHeader('{"t":{"dtype":"F16","shape":[-1],"data_offsets":[0,2]}}', Buffer.alloc(2)),
      /bad shape/,
    ],
    [
      'offsets not matching the shape',
      withHeader('{"t":{"dtype":"F16","shape":[4],"data_offsets":[0,4]}}', Buffer.alloc(4)),
      /expected 8/,
    ],
    [
      'truncated data',
      withHeader('{"t":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', Buffer.alloc(10)),
      /truncated/,
    ],
    ['a random text file', Buffer.from('x'.repeat(100)), /exceeds|runs past/],
  ])('%s → MODEL_INVALID', async (_name, bytes, why) => {
    const [code, msg] = await codeOf(
      readSafetensorsHeader(raw(`bad-${Math.random()}.safetensors`, bytes)),
    );
    expect(code).toBe('MODEL_INVALID');
    expect(msg).toMatch(why);
  });

  it('tolerates trailing bytes with a warning; a missing file is MODEL_NOT_FOUND', async () => {
    const f = raw(
      'trailing.safetensors',
      Buffer.concat([safetensorsBytes([{ name: 't', shape: [2] }]), Buffer.from('extra')]),
    );
    expect((await readSafetensorsHeader(f)).warnings).toEqual(['5 bytes after the last tensor']);
    expect((await codeOf(readSafetensorsHeader(path.join(root, 'nope.safetensors'))))[0]).toBe(
      'MODEL_NOT_FOUND',
    );
  });
});

describe('detectFamily over crafted files', () => {
  const expected: Record<
    string,
    {
      family: string | null;
      component: string;
      kind: string;
      variant?: string;
      extra?: Record<string, unknown>;
    }
  > = {
    sd1: { family: 'sd1', component: 'checkpoint', kind: 'sd' },
    sd1_inpaint: { family: 'sd1', component: 'checkpoint', kind: 'sd', variant: 'inpaint' },
    sdxs: { family: 'sd1', component: 'checkpoint', kind: 'sd', variant: 'sdxs-512-ds' },
    sd2: { family: 'sd2', component: 'checkpoint', kind: 'sd' },
    sdxl: { family: 'sdxl', component: 'checkpoint', kind: 'sd' },
    sd3: { family: 'sd3', component: 'checkpoint', kind: 'sd' },
    flux: { family: 'flux', component: 'diffusion_model', kind: 'sd' },
    flux_fill: { family: 'flux', component: 'diffusion_model', kind: 'sd', variant: 'fill' },
    chroma: { family: 'chroma', component: 'diffusion_model', kind: 'sd' },
    sdxl_unet: { family: 'sdxl', component: 'diffusion_model', kind: 'sd' },
    lora_sd1: { family: 'sd1', component: 'lora', kind: 'lora' },
    lora_sdxl: { family: 'sdxl', component: 'lora', kind: 'lora' },
    lora_peft_meta: { family: 'sdxl', component: 'lora', kind: 'lora' },
    esrgan: {
      family: 'esrgan',
      component: 'upscaler',
      kind: 'upscaler',
      variant: 'x4',
      extra: { scale: 4 },
    },
    vae: { family: null, component: 'vae', kind: 'vae', extra: { latentChannels: 16 } },
    taesd: { family: null, component: 'taesd', kind: 'taesd', extra: { latentChannels: 4 } },
    clip_l: { family: 'clip-l', component: 'text_encoder', kind: 'text_encoder' },
    t5: { family: 't5', component: 'text_encoder', kind: 'text_encoder', variant: 'xxl' },
    embedding_sdxl: { family: 'sdxl', component: 'embedding', kind: 'embedding' },
    embedding_sd1: { family: 'sd1', component: 'embedding', kind: 'embedding' },
  };

  it.each(Object.keys(expected))('%s', async (key) => {
    const spec = FAMILY_FILES[key]!;
    const want = expected[key]!;
    const rel = `${spec.folder}/${key}.safetensors`;
    const f = writeSafetensors(path.join(root, 'models', rel), spec.tensors, spec.metadata);
    const d = await describeModel({ abs: f, rel, size: fs.statSync(f).size, mtimeMs: 0 });
    expect(d.family).toBe(want.family);
    expect(d.kind).toBe(want.kind);
    expect(d.metadata).toMatchObject({
      format: 'safetensors',
      component: want.component,
      tensorCount: spec.tensors.length,
      ...(want.extra ?? {}),
    });
    expect(d.metadata!.variant).toBe(want.variant);
    expect(typeof d.metadata!.rule).toBe('string');
    expect(d.metadata!.parameterCount).toBe(
      spec.tensors.reduce((a, t) => a + t.shape.reduce((x, y) => x * y, 1), 0),
    );
    // Content beats a generic placement: the same file at the models root is classified alike.
    const rootCopy = path.join(root, 'models', `${key}-root.safetensors`);
    fs.copyFileSync(f, rootCopy);
    expect(
      (
        await describeModel({
          abs: rootCopy,
          rel: path.basename(rootCopy),
          size: fs.statSync(f).size,
          mtimeMs: 0,
        })
      ).kind,
    ).toBe(want.kind);
  });

  it('a LoRA dropped in checkpoints/ is still a LoRA; a specific folder wins over content', async () => {
    const spec = FAMILY_FILES.lora_sd1!;
    const f = writeSafetensors(
      path.join(root, 'models/checkpoints/misplaced.safetensors'),
      spec.tensors,
    );
    expect(
      (
        await describeModel({
          abs: f,
          rel: 'checkpoints/misplaced.safetensors',
          size: 1,
          mtimeMs: 0,
        })
      ).kind,
    ).toBe('lora');
    const g = writeSafetensors(path.join(root, 'models/vae/odd.safetensors'), spec.tensors);
    expect(
      (await describeModel({ abs: g, rel: 'vae/odd.safetensors', size: 1, mtimeMs: 0 })).kind,
    ).toBe('vae');
  });

  it('an empty header or unknown names give no family rather than a guess', () => {
    expect(detectFamily([])).toMatchObject({ family: null, component: 'unknown' });
    expect(detectFamily([{ name: 'foo.bar.weight', shape: [2, 2] }])).toMatchObject({
      family: null,
      component: 'unknown',
    });
    expect(detectFamily(unet())).toMatchObject({ family: null, component: 'checkpoint' });
  });

  it('dtype is the one holding most parameters', async () => {
    const f = writeSafetensors(path.join(root, 'models/checkpoints/mixed.safetensors'), [
      ...FAMILY_FILES.sd1!.tensors,
      { name: 'model.diffusion_model.time_embed.0.bias', shape: [4], dtype: 'F32' },
    ]);
    const d = await describeModel({
      abs: f,
      rel: 'checkpoints/mixed.safetensors',
      size: 1,
      mtimeMs: 0,
    });
    expect(d.metadata).toMatchObject({ dtype: 'F16', dtypes: { F16: 5, F32: 2 } });
  });
});

describe('GGUF diffusion files', () => {
  it('sd.cpp-converted GGUF (no general.architecture): family from tensor names with dims reversed', async () => {
    const f = writeGguf(path.join(root, 'models/sd1.gguf'), FAMILY_FILES.sd1!.tensors, {
      'general.name': 'tiny sd1',
    });
    const d = await describeModel({
      abs: f,
      rel: 'sd1.gguf',
      size: fs.statSync(f).size,
      mtimeMs: 0,
    });
    expect(d).toMatchObject({ kind: 'sd', family: 'sd1' });
    expect(d.metadata).toMatchObject({ format: 'gguf', component: 'checkpoint', dtype: 'F32' });
  });

  it('ComfyUI-GGUF: general.architecture names the family', async () => {
    const f = writeGguf(
      path.join(root, 'models/diffusion_models/flux-q.gguf'),
      FAMILY_FILES.flux!.tensors,
      { 'general.architecture': 'flux' },
    );
    const d = await describeModel({
      abs: f,
      rel: 'diffusion_models/flux-q.gguf',
      size: fs.statSync(f).size,
      mtimeMs: 0,
    });
    expect(d).toMatchObject({ kind: 'sd', family: 'flux' });
    expect(d.metadata).toMatchObject({ component: 'diffusion_model' });
  });

  it('an LLM GGUF keeps its architecture as family', async () => {
    const f = writeGguf(
      path.join(root, 'models/llm.gguf'),
      [{ name: 'token_embd.weight', shape: [4, 8] }],
      { 'general.architecture': 'llama' },
    );
    expect(
      await describeModel({ abs: f, rel: 'llm.gguf', size: fs.statSync(f).size, mtimeMs: 0 }),
    ).toMatchObject({ kind: 'llm', family: 'llama' });
  });
});
