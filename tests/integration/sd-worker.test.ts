/**
 * The real sd worker process driven through WorkerClient, with the sd-cli stand-in as SD_CPP_BIN
 * (tests/helpers/sd-standin). Covers progress, seeds, img2img ticks, cancel, OOM and model errors.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressMsg } from '../../workers/protocol/messages';
import type { MystiError } from '../../runtime/errors';
import {
  pidsWithArg,
  STANDIN,
  startSdWorker,
  type StartedWorker,
} from '../helpers/sd-standin/worker';

const root = mkdtempSync(join(tmpdir(), 'sd-worker-it-'));
const models = join(root, 'models');
mkdirSync(models);
/** A stand-in model: real GGUF magic, optional fault marker (README in the stand-in folder). */
const model = (name: string, marker = '') => {
  const p = join(models, name);
  writeFileSync(
    p,
    Buffer.concat([
      Buffer.from('GGUF\x03\0\0\0', 'latin1'),
      Buffer.alloc(4096),
      Buffer.from(marker ? `sdcpp-standin: ${marker}\n` : ''),
    ]),
  );
  return p;
};
const good = model('good.gguf');
const oom = model('oom.gguf', 'oom');
const oomKill = model('oomkill.gguf', 'oom-kill');
const noTensor = model('partial.gguf', 'missing-tensor');
const junk = join(models, 'junk.gguf');
writeFileSync(junk, 'this is not a model');
const esrgan = join(models, 'esrgan-x4.pth');
writeFileSync(
  esrgan,
  Buffer.concat([
    Buffer.from('PK\x03\x04', 'latin1'),
    Buffer.alloc(256),
    Buffer.from('sdcpp-standin: scale=4\n'),
  ]),
);
const badUpscaler = join(models, 'bad-upscaler.pth');
writeFileSync(badUpscaler, 'not an upscaler');

let n = 0;
const outDir = () => {
  const d = join(root, `out-${++n}`);
  mkdirSync(d);
  return d;
};
const job = (o: Record<string, unknown> = {}) => ({
  prompt: 'a lighthouse at dusk',
  modelPath: good,
  width: 64,
  height: 64,
  steps: 4,
  cfgScale: 7,
  seed: 42,
  outDir: outDir(),
  ...o,
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as MystiError).code;
  }
}

let w: StartedWorker;
beforeAll(async () => {
  w = await startSdWorker({
    SD_CPP_BIN: STANDIN,
    SDCPP_STANDIN_STEP_MS: '20',
    MYSTI_SD_THREADS: '2',
  });
});
afterAll(async () => {
  await w?.stop();
});

describe('sd worker with the sd-cli stand-in', () => {
  it('txt2img writes a real PNG of the aligned size, with progress and the seed', async () => {
    const events: ProgressMsg[] = [];
    const p = job({ width: 100, height: 72, steps: 6 });
    const r = await w.client.call('txt2img', p, { onProgress: (e) => events.push(e) });
    const [img] = r.output.images as {
      path: string;
      sha256: string;
      width: number;
      height: number;
      seed: string;
    }[];
    expect(img!.seed).toBe('42'); // exact decimal text
    const meta = await sharp(img!.path).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 128, 128]);
    expect([img!.width, img!.height]).toEqual([128, 128]);
    expect(r.output.engine).toMatchObject({
      name: 'sd-cli',
      version: expect.stringContaining('stable-diffusion.cpp version'),
    });
    expect(r.output.argv).toContain('--disable-image-metadata');
    const steps = events
      .filter((e) => e.phase === 'sampling' && e.step !== undefined && !e.preview)
      .map((e) => `${e.step}/${e.steps}`);
    expect(steps).toEqual(['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
    expect(new Set(events.map((e) => e.phase))).toEqual(
      new Set(['loading', 'encoding', 'sampling', 'decoding']),
    );
    expect(r.memory?.peakRssBytes).toBeGreaterThan(1024 * 1024);
    // Only the final image is left in outDir: no temp folder, no preview copies.
    expect(readdirSync(p.outDir)).toEqual([img!.path.split('/').pop()]);
  });

  it('same seed twice gives the same bytes; a random seed is parsed from the log and recorded', async () => {
    const a = await w.client.call('txt2img', job({ seed: 7 }));
    const b = await w.client.call('txt2img', job({ seed: 7 }));
    const sha = (r: typeof a) => (r.output.images as { sha256: string }[])[0]!.sha256;
    expect(sha(a)).toBe(sha(b));
    const rnd = await w.client.call('txt2img', job({ seed: -1, batchCount: 2 }));
    const imgs = rnd.output.images as { seed: string; path: string }[];
    expect(imgs).toHaveLength(2);
    expect(imgs[0]!.seed).toMatch(/^[0-9]+$/);
    expect(BigInt(imgs[1]!.seed)).toBe(BigInt(imgs[0]!.seed) + 1n);
    expect(imgs.map((i) => i.path.endsWith('_0.png') || i.path.endsWith('_1.png'))).toEqual([
      true,
      true,
    ]);
  });

  it('img2img samples floor(steps × strength) + 1 ticks', async () => {
    const init = join(root, 'init.png');
    await sharp({ create: { width: 96, height: 64, channels: 3, background: '#336699' } })
      .png()
      .toFile(init);
    const events: ProgressMsg[] = [];
    const r = await w.client.call(
      'img2img',
      job({ initImagePath: init, strength: 0.45, steps: 10, width: 64, height: 64 }),
      { onProgress: (e) => events.push(e) },
    );
    const ticks = events.filter(
      (e) => e.phase === 'sampling' && e.step !== undefined && !e.preview,
    );
    expect(ticks.at(-1)).toMatchObject({ step: 5, steps: 5 });
    expect((r.output.images as { width: number }[])[0]!.width).toBe(64);
  });

  it('forwards live previews as files', async () => {
    const previews: string[] = [];
    await w.client.call('txt2img', job({ steps: 40 }), {
      onProgress: (e) => e.preview && previews.push(e.preview),
    });
    expect(previews.length).toBeGreaterThan(0);
    // 40 steps × 20 ms ≈ 0.8 s of sampling: at most ~3 previews per second.
    expect(previews.length).toBeLessThanOrEqual(5);
  });

  it('cancel mid-sampling rejects CANCELLED, kills sd-cli and removes temp files', async () => {
    const p = job({ steps: 500 });
    const ac = new AbortController();
    const started = Date.now();
    let cancelledAt = 0;
    const code = await codeOf(
      w.client.call('txt2img', p, {
        signal: ac.signal,
        onProgress: (e) => {
          if (e.phase === 'sampling' && e.step === 3 && !cancelledAt) {
            cancelledAt = Date.now();
            ac.abort();
          }
        },
      }),
    );
    expect(code).toBe('CANCELLED');
    expect(cancelledAt).toBeGreaterThan(started);
    const deadline = Date.now() + 2_000;
    while ((pidsWithArg(p.outDir).length || readdirSync(p.outDir).length) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(pidsWithArg(p.outDir)).toEqual([]);
    expect(readdirSync(p.outDir)).toEqual([]);
    // The worker is still healthy and takes the next job.
    expect((await w.client.health()).status).toBe('ok');
  });

  it('maps engine failures to stable codes', async () => {
    expect(await codeOf(w.client.call('txt2img', job({ modelPath: oom })))).toBe('OUT_OF_MEMORY');
    expect(await codeOf(w.client.call('txt2img', job({ modelPath: oomKill })))).toBe(
      'ENGINE_KILLED',
    ); // a bare SIGKILL without kernel OOM evidence (issue 18 #8)
    expect(
      await codeOf(w.client.call('txt2img', job({ modelPath: join(models, 'missing.gguf') }))),
    ).toBe('MODEL_NOT_FOUND');
    expect(await codeOf(w.client.call('txt2img', job({ modelPath: junk })))).toBe('MODEL_INVALID');
    expect(await codeOf(w.client.call('txt2img', job({ modelPath: noTensor })))).toBe(
      'MODEL_INVALID',
    );
    expect(await codeOf(w.client.call('txt2img', job({ sampler: 'nope' })))).toBe('BAD_PARAMS');
    expect(await codeOf(w.client.call('txt2img', job({ modelPath: 'relative.gguf' })))).toBe(
      'BAD_PARAMS',
    );
  });

  it('carries sd.cpp [ERROR] lines in the error details', async () => {
    try {
      await w.client.call('txt2img', job({ modelPath: oom }));
      expect.unreachable();
    } catch (e) {
      const err = e as MystiError;
      expect(err.code).toBe('OUT_OF_MEMORY');
      expect((err.details as { errorLines: string[] }).errorLines.join('\n')).toContain(
        'insufficient memory',
      );
    }
  });

  it('upscale: ESRGAN ×4 resized to the asked ×2; the exit-0 upscaler failure is an error', async () => {
    const input = join(root, 'small.png');
    await sharp({ create: { width: 40, height: 30, channels: 3, background: '#884422' } })
      .png()
      .toFile(input);
    const events: ProgressMsg[] = [];
    const r = await w.client.call(
      'upscale',
      { initImagePath: input, upscaleModelPath: esrgan, scale: 2, outDir: outDir() },
      { onProgress: (e) => events.push(e) },
    );
    const img = (r.output.images as { path: string; width: number; height: number }[])[0]!;
    expect([img.width, img.height]).toEqual([80, 60]);
    expect(r.output.modelFactor).toBe(4);
    expect(String(r.output.method)).toContain('lanczos');
    expect(events.some((e) => e.phase === 'upscaling')).toBe(true);
    expect(
      await codeOf(
        w.client.call('upscale', {
          initImagePath: input,
          upscaleModelPath: badUpscaler,
          outDir: outDir(),
        }),
      ),
    ).toBe('MODEL_INVALID');
    expect(
      await codeOf(
        w.client.call('upscale', {
          initImagePath: input,
          upscaleModelPath: join(models, 'none.pth'),
          outDir: outDir(),
        }),
      ),
    ).toBe('MODEL_NOT_FOUND');
  });
});

describe('sd worker configuration', () => {
  it('without SD_CPP_BIN every job fails with ENGINE_NOT_CONFIGURED saying how to set it', async () => {
    const bare = await startSdWorker({ SD_CPP_BIN: undefined });
    try {
      const e = await bare.client.call('txt2img', job()).catch((x: MystiError) => x);
      expect((e as MystiError).code).toBe('ENGINE_NOT_CONFIGURED');
      expect((e as MystiError).message).toContain('SD_CPP_BIN');
    } finally {
      await bare.stop();
    }
  });

  it('uses the deprecated --vae-on-cpu on builds without --backend, and finds `sd` in a folder', async () => {
    const bin = join(root, 'bin');
    mkdirSync(bin);
    // Older builds are called `sd`; SD_CPP_BIN may name the folder.
    const { symlinkSync } = await import('node:fs');
    symlinkSync(STANDIN, join(bin, 'sd'));
    const legacy = await startSdWorker({ SD_CPP_BIN: bin, SDCPP_STANDIN_LEGACY: '1' });
    try {
      const r = await legacy.client.call(
        'txt2img',
        job({ mitigations: { vaeOnCpu: true, vaeTiling: true, maxVramMb: 2048 } }),
      );
      expect(r.output.argv).toContain('--vae-on-cpu');
      expect(r.output.argv).toContain('--vae-tiling');
      expect(r.output.argv).not.toContain('--backend');
      expect(r.output.argv).not.toContain('--max-vram');
      expect(r.output.engine).toMatchObject({ name: 'sd' });
    } finally {
      await legacy.stop();
    }
  });
});
