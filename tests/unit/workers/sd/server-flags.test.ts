/**
 * Resident mode's two builders (issue 12): the sd-server start-up argv of a model stack and the
 * per-job `POST /sdcpp/v1/img_gen` body (sdcpp.md §2), kept apart so stack flags (h13) and job
 * params change independently.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { genPayloadSchema } from '../../../../workers/sd/payload';
import {
  changedMitigations,
  serverArgv,
  stackKey,
  stackOf,
} from '../../../../workers/sd/server/flags';
import { buildImgGenBody } from '../../../../workers/sd/server/body';

const base = {
  prompt: 'a lighthouse',
  modelPath: '/m/a.gguf',
  width: 100,
  height: 64,
  steps: 4,
  cfgScale: 1.5,
  seed: 89848141647836,
  outDir: '/tmp/o',
};

describe('sd-server start-up flags', () => {
  it('loopback only, the stack flags first, threads and mitigations', () => {
    const p = genPayloadSchema.parse({
      ...base,
      vaePath: '/m/vae.safetensors',
      mitigations: { vaeTiling: true, clipOnCpu: true },
    });
    expect(serverArgv(stackOf(p, 2), 40123, true)).toEqual([
      '-m',
      '/m/a.gguf',
      '--vae',
      '/m/vae.safetensors',
      '--vae-tiling',
      '--backend',
      'te=cpu',
      '-t',
      '2',
      '--listen-ip',
      '127.0.0.1',
      '--listen-port',
      '40123',
    ]);
  });

  it('a split stack (Flux: diffusion model + CLIP-L + T5-XXL + VAE) starts with every file, as the CLI argv has them', () => {
    const p = genPayloadSchema.parse({
      ...base,
      modelPath: '/m/flux1-dev-Q4_0.gguf',
      modelRole: 'diffusion_model',
      clipLPath: '/m/clip_l.safetensors',
      t5xxlPath: '/m/t5xxl_fp16.safetensors',
      vaePath: '/m/ae.safetensors',
    });
    expect(serverArgv(stackOf(p, 2), 40123, true)).toEqual([
      '--diffusion-model',
      '/m/flux1-dev-Q4_0.gguf',
      '--clip_l',
      '/m/clip_l.safetensors',
      '--t5xxl',
      '/m/t5xxl_fp16.safetensors',
      '--vae',
      '/m/ae.safetensors',
      '-t',
      '2',
      '--listen-ip',
      '127.0.0.1',
      '--listen-port',
      '40123',
    ]);
    // Another text encoder is another stack: the server must restart with it.
    expect(
      stackKey(stackOf(genPayloadSchema.parse({ ...p, t5xxlPath: '/m/t5xxl_fp8.safetensors' }), 2)),
    ).not.toBe(stackKey(stackOf(p, 2)));
  });

  it('same stack ⇔ same key; seeds, prompts and LoRAs do not change it; mitigations and files do', () => {
    const a = stackOf(genPayloadSchema.parse(base), 2);
    expect(
      stackKey(
        stackOf(
          genPayloadSchema.parse({
            ...base,
            seed: 1,
            prompt: 'other',
            loras: [{ name: 'x', weight: 1 }],
            loraDir: '/l',
          }),
          2,
        ),
      ),
    ).toBe(stackKey(a));
    const tiled = stackOf(genPayloadSchema.parse({ ...base, mitigations: { vaeTiling: true } }), 2);
    expect(stackKey(tiled)).not.toBe(stackKey(a));
    expect(changedMitigations(a, tiled)).toEqual(['vaeTiling']);
    expect(
      stackKey(stackOf(genPayloadSchema.parse({ ...base, modelPath: '/m/b.gguf' }), 2)),
    ).not.toBe(stackKey(a));
    expect(stackKey(stackOf(genPayloadSchema.parse(base), 1))).not.toBe(stackKey(a));
  });
});

describe('img_gen body', () => {
  it('maps the payload field by field (aligned size, 64-bit seed, defaults left to sd.cpp, no metadata)', async () => {
    const body = await buildImgGenBody(
      genPayloadSchema.parse({ ...base, negativePrompt: 'blurry', batchCount: 2, clipSkip: 2 }),
    );
    expect(body).toEqual({
      prompt: 'a lighthouse',
      negative_prompt: 'blurry',
      width: 128,
      height: 64,
      seed: '89848141647836',
      batch_count: 2,
      clip_skip: 2, // seed: exact text; run-job.ts serverJson sends a bare JSON number
      sample_params: { sample_steps: 4, guidance: { txt_cfg: 1.5 } },
      output_format: 'png',
      embed_image_metadata: false,
    });
    const named = await buildImgGenBody(
      genPayloadSchema.parse({
        ...base,
        sampler: 'euler',
        scheduler: 'karras',
        mitigations: { vaeTiling: true },
      }),
    );
    expect(named.sample_params).toMatchObject({ sample_method: 'euler', scheduler: 'karras' });
    expect(named.vae_tiling_params).toEqual({ enabled: true });
  });

  it('LoRAs by file path as sd.cpp would find them; img2img sends the init image as base64 + strength', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'body-'));
    mkdirSync(join(dir, 'loras'));
    writeFileSync(join(dir, 'loras', 'ink.safetensors'), 'x');
    writeFileSync(join(dir, 'init.png'), Buffer.from([1, 2, 3]));
    const body = await buildImgGenBody(
      genPayloadSchema.parse({
        ...base,
        loraDir: join(dir, 'loras'),
        loras: [{ name: 'ink', weight: 0.8 }],
        initImagePath: join(dir, 'init.png'),
        strength: 0.5,
      }),
    );
    expect(body.lora).toEqual([
      { path: join(dir, 'loras', 'ink.safetensors'), multiplier: 0.8, is_high_noise: false },
    ]);
    expect(body.init_image).toBe(Buffer.from([1, 2, 3]).toString('base64'));
    expect(body.strength).toBe(0.5);
    await expect(
      buildImgGenBody(
        genPayloadSchema.parse({
          ...base,
          loraDir: join(dir, 'loras'),
          loras: [{ name: 'missing', weight: 1 }],
        }),
      ),
    ).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});
