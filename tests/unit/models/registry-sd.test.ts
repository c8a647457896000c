/**
 * The registry over an SD-style ComfyUI `models/` tree: classification per folder and content,
 * family/dtype/parameter metadata, background sha256 + AutoV2, pickle files refused without
 * consent (per file or by config), bad headers refused with MODEL_INVALID. Real files, real SQLite.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { openDb, type Db } from '../../../runtime/store/db';
import { autoV2, ModelRegistry } from '../../../runtime/models/registry';
import { FAMILY_FILES, safetensorsBytes } from './craft';
import { thrown } from '../../helpers/errors';

let root: string;
let db: Db;
const put = (rel: string, bytes: Buffer | string) => {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, bytes);
  return p;
};
const st = (key: string) =>
  safetensorsBytes(FAMILY_FILES[key]!.tensors, FAMILY_FILES[key]!.metadata);
/** A torch zip checkpoint's first bytes (never parsed: the content does not matter). */
const PICKLE = Buffer.concat([
  Buffer.from('PK\x03\x04', 'latin1'),
  Buffer.from('archive/data.pkl'),
  Buffer.alloc(64),
]);

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'models-sd-'));
  db = openDb(':memory:');
});
afterEach(() => {
  db.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a ComfyUI models/ folder', () => {
  it('is classified by folder and content, with family, dtype and parameter count', async () => {
    put('checkpoints/sd15.safetensors', st('sd1'));
    put('checkpoints/sdxl_base.safetensors', st('sdxl'));
    put('checkpoints/old.ckpt', PICKLE);
    put('loras/detail.safetensors', st('lora_sd1'));
    put('vae/ae.safetensors', st('vae'));
    put('upscale_models/4x.safetensors', st('esrgan'));
    put('upscale_models/RealESRGAN_x4plus.pth', PICKLE);
    put('diffusion_models/flux1-dev.safetensors', st('flux'));
    put('text_encoders/clip_l.safetensors', st('clip_l'));
    put('embeddings/easynegative.safetensors', st('embedding_sd1'));
    const reg = new ModelRegistry(db, [root]);
    const r = await reg.scan();
    expect(r).toMatchObject({ total: 10, added: 10, invalid: 0 });
    const rows = Object.fromEntries(reg.list().map((m) => [m.id, [m.kind, m.family]]));
    expect(rows).toEqual({
      'checkpoints/sd15.safetensors': ['sd', 'sd1'],
      'checkpoints/sdxl_base.safetensors': ['sd', 'sdxl'],
      'checkpoints/old.ckpt': ['sd', null],
      'loras/detail.safetensors': ['lora', 'sd1'],
      'vae/ae.safetensors': ['vae', null],
      'upscale_models/4x.safetensors': ['upscaler', 'esrgan'],
      'upscale_models/RealESRGAN_x4plus.pth': ['upscaler', null],
      'diffusion_models/flux1-dev.safetensors': ['sd', 'flux'],
      'text_encoders/clip_l.safetensors': ['text_encoder', 'clip-l'],
      'embeddings/easynegative.safetensors': ['embedding', 'sd1'],
    });
    expect(reg.get('checkpoints/sd15.safetensors')!.metadata).toMatchObject({
      format: 'safetensors',
      component: 'checkpoint',
      dtype: 'F16',
      parameterCount: 4 * 768 + 4 * 4 * 9 + 4 + 16 + 16 + 8 * 4 * 9,
    });
    expect(reg.get('diffusion_models/flux1-dev.safetensors')!.metadata).toMatchObject({
      component: 'diffusion_model',
    });
    expect(reg.get('checkpoints/old.ckpt')!.metadata).toEqual({ format: 'pickle', unsafe: true });
  });

  it('hashes in the background: sha256 and its AutoV2 prefix', async () => {
    const bytes = st('sd1');
    put('checkpoints/sd15.safetensors', bytes);
    const reg = new ModelRegistry(db, [root]);
    await reg.scan();
    expect(reg.get('checkpoints/sd15.safetensors')!.sha256).toBeNull();
    await reg.startHashing();
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(reg.get('checkpoints/sd15.safetensors')!.sha256).toBe(sha);
    expect(autoV2(sha)).toBe(sha.slice(0, 10));
    expect(autoV2(null)).toBeNull();
  });
});

describe('refusals before the engine', () => {
  it('a bad safetensors header (absurd length) is refused with MODEL_INVALID', async () => {
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(1n << 50n);
    put('checkpoints/huge-header.safetensors', Buffer.concat([len, Buffer.from('{}')]));
    const reg = new ModelRegistry(db, [root]);
    expect((await reg.scan()).invalid).toBe(1);
    const e = thrown(() => reg.resolve('checkpoints/huge-header.safetensors', 'sd'));
    expect(e.code).toBe('MODEL_INVALID');
    expect(e.message).toMatch(/header length .* exceeds/);
  });

  it('a pickle file is MODEL_UNSAFE until the user allows that file; a changed file loses the consent', async () => {
    const ckpt = put('checkpoints/old.ckpt', PICKLE);
    const reg = new ModelRegistry(db, [root]);
    await reg.scan();
    const e = thrown(() => reg.resolve('checkpoints/old.ckpt', 'sd'));
    expect(e.code).toBe('MODEL_UNSAFE');
    expect(e.status).toBe(403);
    expect(e.message).toContain('can run arbitrary code');
    expect(e.message).toContain('/api/models/checkpoints%2Fold.ckpt/allow-unsafe');
    expect(e.message).toContain('allowUnsafeModels');

    expect(reg.allowUnsafe('checkpoints/old.ckpt', true).allowUnsafe).toBe(true);
    expect(reg.resolve('checkpoints/old.ckpt', 'sd').path).toBe(ckpt);
    // Rescanning an unchanged file keeps the consent…
    await reg.scan();
    expect(reg.resolve('old.ckpt', 'sd').path).toBe(ckpt);
    // …a replaced file does not inherit it.
    fs.writeFileSync(ckpt, Buffer.concat([PICKLE, Buffer.from('other weights')]));
    expect(thrown(() => reg.resolve('checkpoints/old.ckpt', 'sd')).code).toBe('MODEL_UNSAFE');
    await reg.scan();
    expect(reg.get('checkpoints/old.ckpt')!.allowUnsafe).toBe(false);
    expect(thrown(() => reg.resolve('checkpoints/old.ckpt', 'sd')).code).toBe('MODEL_UNSAFE');

    expect(thrown(() => reg.allowUnsafe('nope.ckpt', true)).code).toBe('NOT_FOUND');
    put('checkpoints/fine.safetensors', st('sd1'));
    await reg.scan();
    expect(thrown(() => reg.allowUnsafe('checkpoints/fine.safetensors', true)).code).toBe(
      'MODEL_NOT_UNSAFE',
    );
  });

  it('a pickle file not scanned yet is refused by its extension; allowUnsafeModels lets all through', async () => {
    const reg = new ModelRegistry(db, [root]);
    await reg.scan();
    const pth = put('upscale_models/fresh.pth', PICKLE);
    expect(thrown(() => reg.resolve('upscale_models/fresh.pth', 'upscaler')).code).toBe(
      'MODEL_UNSAFE',
    );
    const trusting = new ModelRegistry(db, [root], { allowUnsafeModels: true });
    expect(trusting.resolve('upscale_models/fresh.pth', 'upscaler').path).toBe(pth);
  });
});

// make_random_sd_model.py writes models a real sd.cpp runs; with SD_CPP_BIN set (the real-engine
// setup) their headers must be read and classified as sd.cpp would.
const randomModels = Boolean(process.env.SD_CPP_BIN || process.env.MYSTI_TEST_RANDOM_MODELS);
describe.skipIf(!randomModels)('make_random_sd_model.py output', () => {
  const tool = path.resolve(
    import.meta.dirname,
    '../../../../shared/tools/make_random_sd_model.py',
  );
  it('sd (GGUF) → SD1 SDXS-512-DS; esrgan (safetensors) → ESRGAN x4; taesd → TAESD', async () => {
    const out = (a: string[]) => {
      const r = spawnSync('python3', [tool, ...a], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
    };
    out(['sd', '--out', path.join(root, 'checkpoints/tiny-sdxs.gguf')]);
    out([
      'esrgan',
      '--out',
      path.join(root, 'upscale_models/esrgan-x4.safetensors'),
      '--blocks',
      '1',
    ]);
    out(['taesd', '--out', path.join(root, 'vae_approx/taesd.safetensors')]);
    const reg = new ModelRegistry(db, [root]);
    expect(await reg.scan()).toMatchObject({ total: 3, invalid: 0 });
    expect(reg.get('checkpoints/tiny-sdxs.gguf')).toMatchObject({
      kind: 'sd',
      family: 'sd1',
      metadata: { format: 'gguf', variant: 'sdxs-512-ds', component: 'checkpoint' },
    });
    expect(reg.get('upscale_models/esrgan-x4.safetensors')).toMatchObject({
      kind: 'upscaler',
      family: 'esrgan',
      metadata: { scale: 4 },
    });
    expect(reg.get('vae_approx/taesd.safetensors')).toMatchObject({
      kind: 'taesd',
      metadata: { component: 'taesd', latentChannels: 4 },
    });
  }, 120_000);
});
