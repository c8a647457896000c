import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ResolvedModel } from '../../../../runtime/engine/executor';
import { ports, runExecutor, type TestContext } from '../../../helpers/exec-context';
import type { NewImage } from '../../../../runtime/engine/values';
import txt2imgImpl from '../../../../nodes/diffusion/txt2img.run';
import img2imgImpl from '../../../../nodes/diffusion/img2img.run';
import upscaleImpl from '../../../../nodes/diffusion/upscale.run';
import { txt2img } from '../../../../nodes/diffusion/txt2img';
import { img2img } from '../../../../nodes/diffusion/img2img';
import { upscale } from '../../../../nodes/diffusion/upscale';

const root = mkdtempSync(join(tmpdir(), 'sd-exec-'));
const models = join(root, 'models');
mkdirSync(join(models, 'loras'), { recursive: true });
mkdirSync(join(models, 'other'), { recursive: true });
for (const f of [
  'sd15.gguf',
  'loras/detail.safetensors',
  'other/style.safetensors',
  'vae.safetensors',
])
  writeFileSync(join(models, f), 'x');

/** A real-enough ExecContext: real files and temp paths, a recording `call`. */
function fakeCtx(reply: Record<string, unknown>, mitigations: Record<string, unknown> = {}) {
  const calls: { worker: string; job: string; payload: Record<string, unknown> }[] = [];
  const progress: unknown[] = [];
  let k = 0;
  const ctx = {
    runId: 'r1',
    nodeId: 'n1',
    signal: new AbortController().signal,
    progress: (p: unknown) => progress.push(p),
    call: async (
      worker: string,
      job: string,
      payload: Record<string, unknown>,
      opts?: { onProgress?: (p: never) => void },
    ) => {
      calls.push({ worker, job, payload });
      opts?.onProgress?.({ type: 'progress', phase: 'sampling', step: 1, steps: 2 } as never);
      return { output: reply };
    },
    resolveModel: (ref: string, kind: string): ResolvedModel => ({
      id: ref,
      path: join(models, ref),
      bytes: 1,
      identity: `${kind}:${ref}`,
    }),
    tempPath: (ext: string) => join(root, `t${++k}${ext}`),
    paths: {
      home: root,
      tmp: join(root, 'tmp'),
      outputs: join(root, 'outputs'),
      artifacts: join(root, 'a'),
    },
    config: {},
    graph: {},
    log: () => {},
    ...ports(),
    mitigations,
    onCommit: () => {},
  } as unknown as TestContext;
  return { ctx, calls, progress };
}

const reply = {
  images: [
    { path: '/tmp/x.png', sha256: 'a'.repeat(64), width: 128, height: 128, seed: '99' },
    { path: '/tmp/x_1.png', sha256: 'b'.repeat(64), width: 128, height: 128, seed: '100' },
  ],
  engine: { binary: '/bin/sd-cli', name: 'sd-cli', version: 'v' },
  argv: ['-m', 'x'],
};
const text = (t: string) => ({ kind: 'text' as const, text: t });

describe('diffusion executors', () => {
  it('txt2img without a model says how to configure one', async () => {
    const { ctx } = fakeCtx(reply);
    const params = txt2img.params.parse({});
    await expect(
      runExecutor(txt2imgImpl, ctx, { prompt: text('x') }, params),
    ).rejects.toMatchObject({
      code: 'MODEL_NOT_CONFIGURED',
      message: expect.stringContaining('MYSTI_MODELS'),
    });
  });

  it('txt2img builds the payload (random seed → -1, LoRAs, VAE, mitigations) and maps the batch result', async () => {
    const { ctx, calls, progress } = fakeCtx(reply, { vaeTiling: true, bogus: 1 });
    const params = txt2img.params.parse({
      model: 'sd15.gguf',
      vae: 'vae.safetensors',
      batchCount: 2,
      loras: [
        { name: 'loras/detail.safetensors', weight: 0.7 },
        { name: 'other/style.safetensors', weight: 1 },
      ],
    });
    const out = await runExecutor(
      txt2imgImpl,
      ctx,
      { prompt: text('a cat'), negative: text('blurry') },
      params,
    );
    const p = calls[0]!.payload;
    expect(calls[0]!.job).toBe('txt2img');
    expect(p).toMatchObject({
      prompt: 'a cat',
      negativePrompt: 'blurry',
      modelPath: join(models, 'sd15.gguf'),
      vaePath: join(models, 'vae.safetensors'),
      seed: '-1',
      batchCount: 2,
      outDir: join(root, 'tmp'),
      mitigations: { vaeTiling: true },
    });
    expect(p.loraDir).toBe(join(models, 'loras'));
    expect(p.loras).toEqual([
      { name: 'detail', weight: 0.7 },
      { name: join(models, 'other', 'style'), weight: 1 },
    ]);
    const img = out.image as NewImage;
    expect(img).toMatchObject({ kind: 'image', tempPath: '/tmp/x.png', width: 128, height: 128 });
    expect(img.info).toMatchObject({ seed: '99', batchIndex: 0, engine: { version: 'v' } });
    // Every image of the batch is kept, each with its own seed (base+k).
    expect(img.batch).toEqual([
      expect.objectContaining({
        kind: 'image',
        tempPath: '/tmp/x_1.png',
        info: expect.objectContaining({ seed: '100', batchIndex: 1, sha256: 'b'.repeat(64) }),
      }),
    ]);
    expect(progress).toEqual([{ phase: 'sampling', step: 1, steps: 2 }]);
  });

  it('<lora:> tags in prompt text are resolved through the registry like the loras param; outside/unknown → error, nothing called (issue 18 #2)', async () => {
    const { ctx, calls } = fakeCtx(reply);
    const asked: string[] = [];
    // Tags are looked up at run time through the registry port (the prompt text is an input).
    ctx.registry = {
      folders: [models],
      resolve: (ref: string, kind: string): ResolvedModel => {
        asked.push(`${kind}:${ref}`);
        if (ref.startsWith('/') || ref.includes('..'))
          throw Object.assign(
            new Error(`model reference "${ref}" points outside the model folders`),
            { code: 'PATH_OUTSIDE_ROOT' },
          );
        return {
          id: ref,
          path: join(models, ref === 'detail' ? 'loras/detail.safetensors' : ref),
          bytes: 1,
          identity: `${kind}:${ref}`,
        };
      },
    };
    const params = txt2img.params.parse({ model: 'sd15.gguf' });
    await expect(
      runExecutor(txt2imgImpl, ctx, { prompt: text('a cat <lora:/etc/passwd:1>') }, params),
    ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
    await expect(
      runExecutor(
        txt2imgImpl,
        ctx,
        { prompt: text('a cat'), negative: text('<lora:../../x:1>') },
        params,
      ),
    ).rejects.toMatchObject({ code: 'PATH_OUTSIDE_ROOT' });
    await expect(
      runExecutor(txt2imgImpl, ctx, { prompt: text('a cat <lora:detail:abc>') }, params),
    ).rejects.toMatchObject({ code: 'BAD_PARAMS' });
    expect(calls).toEqual([]);
    await runExecutor(
      txt2imgImpl,
      ctx,
      { prompt: text('a cat <lora:detail:0.6> at dusk') },
      params,
    );
    expect(asked).toContain('lora:detail');
    expect(calls[0]!.payload).toMatchObject({
      prompt: 'a cat  at dusk',
      loraDir: join(models, 'loras'),
      loras: [{ name: 'detail', weight: 0.6 }],
    });
  });

  it('img2img needs an image and passes strength', async () => {
    const { ctx, calls } = fakeCtx(reply);
    const params = img2img.params.parse({ model: 'sd15.gguf', seed: 5, strength: 0.4 });
    await expect(
      runExecutor(img2imgImpl, ctx, { prompt: text('x') }, params),
    ).rejects.toMatchObject({ code: 'INPUT_MISSING' });
    await runExecutor(
      img2imgImpl,
      ctx,
      { prompt: text('x'), image: { kind: 'image', path: '/in.png', sha256: 'c' } },
      params,
    );
    expect(calls[0]!.payload).toMatchObject({ initImagePath: '/in.png', strength: 0.4, seed: '5' });
    expect(calls[0]!.payload).not.toHaveProperty('maskPath');
  });

  it('img2img with a mask: maskPath + maskBlur go to the worker; the image info says inpainting', async () => {
    const { ctx, calls } = fakeCtx(reply);
    const params = img2img.params.parse({ model: 'sd15.gguf', seed: 5, maskBlur: 6 });
    const out = await runExecutor(
      img2imgImpl,
      ctx,
      {
        prompt: text('x'),
        image: { kind: 'image', path: '/in.png', sha256: 'c' },
        mask: { kind: 'image', path: '/mask.png', sha256: 'd' },
      },
      params,
    );
    expect(calls[0]!.payload).toMatchObject({
      initImagePath: '/in.png',
      maskPath: '/mask.png',
      maskBlur: 6,
    });
    expect((out.image as NewImage).info).toMatchObject({ inpainting: true, maskBlur: 6 });
  });

  it('upscale without a model resizes with Lanczos and labels it', async () => {
    const input = join(root, 'in.png');
    await sharp({ create: { width: 30, height: 20, channels: 3, background: '#123456' } })
      .png()
      .toFile(input);
    const { ctx, calls } = fakeCtx(reply);
    const out = (
      await runExecutor(
        upscaleImpl,
        ctx,
        { image: { kind: 'image', path: input, sha256: 'c' } },
        upscale.params.parse({ scale: 2.5 }),
      )
    ).image as NewImage;
    expect(calls).toEqual([]);
    expect(out.info).toMatchObject({ method: 'lanczos (no upscaler model)' });
    const meta = await sharp(out.tempPath).metadata();
    expect([meta.width, meta.height, out.width, out.height]).toEqual([75, 50, 75, 50]);
    const chosen = (
      await runExecutor(
        upscaleImpl,
        ctx,
        { image: { kind: 'image', path: input, sha256: 'c' } },
        upscale.params.parse({ scale: 2, method: 'lanczos', model: 'esrgan.pth' }),
      )
    ).image as NewImage;
    expect(chosen.info).toMatchObject({ method: 'lanczos' });
  });

  it('upscale with a model calls the sd worker', async () => {
    const { ctx, calls } = fakeCtx({
      ...reply,
      images: [reply.images[0]],
      method: 'esrgan x4',
      modelFactor: 4,
    });
    const out = (
      await runExecutor(
        upscaleImpl,
        ctx,
        { image: { kind: 'image', path: '/in.png', sha256: 'c' } },
        upscale.params.parse({ model: 'esrgan.pth', scale: 4 }),
      )
    ).image as NewImage;
    expect(calls[0]).toMatchObject({
      worker: 'sd',
      job: 'upscale',
      payload: { initImagePath: '/in.png', upscaleModelPath: join(models, 'esrgan.pth'), scale: 4 },
    });
    expect(out.info).toMatchObject({ method: 'esrgan x4' });
  });
});
