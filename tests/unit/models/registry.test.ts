import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { openDb } from '../../../runtime/store/db';
import { ModelRegistry, modelFoldersFromEnv } from '../../../runtime/models/registry';
import { classifyModel } from '../../../runtime/models/classify';
import type { Db } from '../../../runtime/store/db';
import { FAMILY_FILES, safetensorsBytes } from './craft';
import { TINY_GGUF } from '../../helpers/temp-home';
import { thrown } from '../../helpers/errors';

const sd1 = () => safetensorsBytes(FAMILY_FILES.sd1!.tensors);

const REAL = TINY_GGUF;
const REAL_SHA = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d';

let root: string;
let db: Db;

function put(rel: string, bytes: Buffer | string): string {
  const p = path.join(root, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, bytes);
  return p;
}

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'models-'));
  db = openDb(':memory:');
});
afterEach(() => {
  db.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('classifyModel', () => {
  it('uses ComfyUI folder names, then GGUF architecture, then extension', () => {
    expect(classifyModel('loras', '.safetensors', null)).toBe('lora');
    expect(classifyModel('loras/sdxl', '.safetensors', null)).toBe('lora');
    expect(classifyModel('vae', '.safetensors', null)).toBe('vae');
    expect(classifyModel('upscale_models', '.pth', null)).toBe('upscaler');
    expect(classifyModel('text_encoders', '.gguf', 'llama')).toBe('text_encoder');
    expect(classifyModel('checkpoints', '.safetensors', null)).toBe('sd');
    expect(classifyModel('', '.safetensors', null)).toBe('sd');
    expect(classifyModel('', '.gguf', 'qwen2')).toBe('llm');
    expect(classifyModel('', '.gguf', 'flux')).toBe('sd');
    expect(classifyModel('diffusion_models', '.gguf', 'flux')).toBe('sd');
    expect(classifyModel('', '.pth', null)).toBe('unknown');
  });
});

describe('ModelRegistry', () => {
  it('scans a ComfyUI-style tree recursively and persists rows', async () => {
    fs.mkdirSync(path.join(root, 'llm'));
    fs.copyFileSync(REAL, path.join(root, 'llm', 'stories260K.gguf'));
    put('checkpoints/sd15.safetensors', sd1());
    put('loras/style.safetensors', safetensorsBytes(FAMILY_FILES.lora_sd1!.tensors));
    put('vae/ae.safetensors', safetensorsBytes(FAMILY_FILES.vae!.tensors));
    put('upscale_models/4x.pth', 'u');
    put('checkpoints/readme.txt', 'not a model');
    put('.hidden/secret.gguf', 'h');
    put('broken.gguf', 'definitely not gguf');
    const reg = new ModelRegistry(db, [root]);
    const r = await reg.scan();
    expect(r).toMatchObject({ total: 6, added: 6, updated: 0, missing: 0, invalid: 1 });
    const llm = reg.list('llm');
    expect(llm.map((m) => m.id)).toEqual(['llm/stories260K.gguf']);
    expect(llm[0]).toMatchObject({ family: 'llama', bytes: 1_185_376, name: 'stories260K.gguf' });
    expect(llm[0]!.metadata).toMatchObject({
      architecture: 'llama',
      parameterCount: 292_800,
      contextLength: 2048,
      hasChatTemplate: false,
    });
    expect(reg.list('lora').map((m) => m.id)).toEqual(['loras/style.safetensors']);
    expect(reg.list('upscaler').map((m) => m.id)).toEqual(['upscale_models/4x.pth']);
    expect(reg.list('unknown')[0]!.metadata!.invalid).toMatch(/magic/);
  });

  it('marks vanished files missing and picks up changes on rescan', async () => {
    const a = put('checkpoints/a.safetensors', 'aaaa');
    put('checkpoints/b.safetensors', 'bbbb');
    const reg = new ModelRegistry(db, [root]);
    await reg.scan();
    fs.rmSync(a);
    put('checkpoints/b.safetensors', 'bbbbbbbb');
    const r = await reg.scan();
    expect(r).toMatchObject({ total: 1, added: 0, updated: 1, missing: 1 });
    expect(reg.list('sd').map((m) => [m.id, m.bytes])).toEqual([['checkpoints/b.safetensors', 8]]);
    expect(
      reg.store.listIncludingMissing().find((m) => m.id === 'checkpoints/a.safetensors')!.missing,
    ).toBe(true);
  });

  it('hashes in the background and uses the hash as identity', async () => {
    fs.copyFileSync(REAL, path.join(root, 'stories260K.gguf'));
    const p = put('checkpoints/c.safetensors', 'hello');
    const reg = new ModelRegistry(db, [root]);
    await reg.scan();
    const before = reg.resolve('stories260K.gguf', 'llm');
    expect(before.identity).toMatch(/^\d+:\d+$/);
    await reg.startHashing();
    expect(reg.get('stories260K.gguf')!.sha256).toBe(REAL_SHA);
    expect(reg.get('checkpoints/c.safetensors')!.sha256).toBe(
      createHash('sha256').update('hello').digest('hex'),
    );
    expect(reg.resolve('stories260K.gguf', 'llm').identity).toBe(`sha256:${REAL_SHA}`);
    // A changed file loses its hash on the next scan.
    fs.writeFileSync(p, 'changed!');
    await reg.scan();
    expect(reg.get('checkpoints/c.safetensors')!.sha256).toBeNull();
  });

  it('resolves ids, relative paths and bare names; refuses escapes; names the folders when missing', async () => {
    fs.mkdirSync(path.join(root, 'llm'));
    fs.copyFileSync(REAL, path.join(root, 'llm', 'stories260K.gguf'));
    put('checkpoints/sd.safetensors', sd1());
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'models2-'));
    try {
      const reg = new ModelRegistry(db, [root, other]);
      await reg.scan();
      const byId = reg.resolve('llm/stories260K.gguf', 'llm');
      expect(byId).toMatchObject({
        id: 'llm/stories260K.gguf',
        path: path.join(root, 'llm', 'stories260K.gguf'),
        bytes: 1_185_376,
      });
      expect(reg.resolve('stories260K.gguf', 'llm').path).toBe(byId.path);
      // Not scanned yet but present on disk: found through the folders.
      fs.copyFileSync(REAL, path.join(other, 'fresh.gguf'));
      expect(reg.resolve('fresh.gguf', 'llm').path).toBe(path.join(other, 'fresh.gguf'));

      expect(thrown(() => reg.resolve('../../etc/passwd', 'llm')).code).toBe('PATH_OUTSIDE_ROOT');
      expect(thrown(() => reg.resolve('/etc/passwd', 'llm')).code).toBe('PATH_OUTSIDE_ROOT');
      const missing = thrown(() => reg.resolve('nothing.gguf', 'llm'));
      expect(missing.code).toBe('MODEL_NOT_FOUND');
      expect(missing.message).toContain(root);
      expect(missing.message).toContain(other);
      expect(thrown(() => reg.resolve('', 'llm')).code).toBe('MODEL_NOT_CONFIGURED');
      expect(thrown(() => reg.resolve('checkpoints/sd.safetensors', 'llm')).code).toBe(
        'MODEL_WRONG_KIND',
      );
      put('bad.gguf', 'GGUF but not really');
      await reg.scan();
      expect(thrown(() => reg.resolve('bad.gguf', 'llm')).code).toBe('MODEL_INVALID');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('a file whose name starts with dots is inside its folder (safe-path.ts containment, not a `..` prefix test)', () => {
    fs.copyFileSync(REAL, path.join(root, '..draft.gguf'));
    const sibling = `${root}-evil`;
    fs.mkdirSync(sibling);
    try {
      fs.copyFileSync(REAL, path.join(sibling, 'x.gguf'));
      const reg = new ModelRegistry(db, [root]);
      expect(reg.resolve('..draft.gguf', 'llm').path).toBe(path.join(root, '..draft.gguf'));
      expect(thrown(() => reg.resolve(`../${path.basename(sibling)}/x.gguf`, 'llm')).code).toBe(
        'PATH_OUTSIDE_ROOT',
      );
      expect(thrown(() => reg.resolve('.', 'llm')).code).toBe('PATH_OUTSIDE_ROOT');
    } finally {
      fs.rmSync(sibling, { recursive: true, force: true });
    }
  });

  it('reads MYSTI_MODELS as a colon-separated list with a $MYSTI_HOME/models default', () => {
    expect(modelFoldersFromEnv({ MYSTI_MODELS: '/a:/b/c' }, '/home')).toEqual(['/a', '/b/c']);
    expect(modelFoldersFromEnv({}, '/data')).toEqual(['/data/models']);
  });
});
