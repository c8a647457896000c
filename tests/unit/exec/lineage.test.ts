import { describe, expect, it } from 'vitest';
import { lineageModels, portableArgv } from '../../../runtime/exec/lineage';

describe('lineage (issue 4 item 8)', () => {
  const home = '/data/mysti';
  const folders = ['/data/mysti/models', '/mnt/comfy/models'];
  it('rewrites model-folder paths as <models>/…, data-folder paths as relative, keeps the rest', () => {
    const argv = [
      '-m',
      '/mnt/comfy/models/checkpoints/sd15.safetensors',
      '--lora-model-dir',
      '/data/mysti/models/loras',
      '-p',
      'a /mnt path in a prompt',
      '-o',
      '/data/mysti/tmp/.sd-1/out.png',
      '-i',
      '/elsewhere/in.png',
      '-s',
      '42',
    ];
    expect(portableArgv(argv, home, folders)).toEqual([
      '-m',
      '<models>/checkpoints/sd15.safetensors',
      '--lora-model-dir',
      '<models>/loras',
      '-p',
      'a /mnt path in a prompt',
      '-o',
      'tmp/.sd-1/out.png',
      '-i',
      '/elsewhere/in.png',
      '-s',
      '42',
    ]);
    expect(portableArgv(['/data/mysti/models', '/data/mysti'], home, folders)).toEqual([
      '<models>',
      '.',
    ]);
  });
  it('records sha256 + AutoV2 only when the registry vouches for the current file', () => {
    const ctx = {
      paths: { home, tmp: '', outputs: '', artifacts: '' },
      registry: {
        folders,
        resolve: () => {
          throw new Error('not used');
        },
      },
    };
    const sha = 'ab'.repeat(32);
    const m = lineageModels(ctx, {
      model: {
        id: 'checkpoints/sd15.safetensors',
        path: '/mnt/comfy/models/checkpoints/sd15.safetensors',
        bytes: 9,
        identity: `sha256:${sha}`,
      },
      vae: {
        id: 'vae/ae.safetensors',
        path: '/data/mysti/models/vae/ae.safetensors',
        bytes: 9,
        identity: '9:1700000000000',
      },
    });
    expect(m.model).toEqual({
      id: 'checkpoints/sd15.safetensors',
      file: '<models>/checkpoints/sd15.safetensors',
      sha256: sha,
      autoV2: sha.slice(0, 10),
      identity: `sha256:${sha}`,
    });
    expect(m.vae).toMatchObject({
      file: '<models>/vae/ae.safetensors',
      sha256: null,
      autoV2: null,
    });
  });
});
