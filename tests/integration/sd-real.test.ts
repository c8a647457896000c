/**
 * The sd worker against a REAL stable-diffusion.cpp build. Runs only when SD_CPP_BIN and
 * SD_TEST_MODEL are set (a random-weight model from shared/tools/make_random_sd_model.py is enough:
 * `python3 make_random_sd_model.py sd --out tiny.gguf`; optional SD_TEST_UPSCALER from its `esrgan`
 * subcommand). Skipped with a message otherwise.
 */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressMsg } from '../../workers/protocol/messages';
import type { MystiError } from '../../runtime/errors';
import { pidsWithArg, startSdWorker, type StartedWorker } from '../helpers/sd-standin/worker';

const BIN = process.env.SD_CPP_BIN;
const MODEL = process.env.SD_TEST_MODEL;
const UPSCALER = process.env.SD_TEST_UPSCALER;
const enabled = Boolean(BIN && MODEL);
if (!enabled)
  console.warn(
    'sd-real: skipped — set SD_CPP_BIN (a real sd-cli) and SD_TEST_MODEL (e.g. from shared/tools/make_random_sd_model.py) to run it',
  );

const root = mkdtempSync(join(tmpdir(), 'sd-real-'));
let n = 0;
const outDir = () => {
  const d = join(root, `out-${++n}`);
  mkdirSync(d);
  return d;
};
const job = (o: Record<string, unknown> = {}) => ({
  prompt: 'a lighthouse at dusk',
  modelPath: MODEL,
  width: 64,
  height: 64,
  steps: 1,
  cfgScale: 1,
  seed: 42,
  outDir: outDir(),
  ...o,
});

describe.skipIf(!enabled)('sd worker with a real sd.cpp build', () => {
  let w: StartedWorker;
  beforeAll(async () => {
    w = await startSdWorker({ SD_CPP_BIN: BIN });
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('txt2img: PNG of the aligned size, progress per step, byte-identical with the same seed', async () => {
    const events: ProgressMsg[] = [];
    const a = await w.client.call('txt2img', job({ steps: 2, width: 100, height: 64 }), {
      onProgress: (e) => events.push(e),
    });
    const b = await w.client.call('txt2img', job({ steps: 2, width: 100, height: 64 }));
    const ia = (a.output.images as { path: string; sha256: string; seed: number }[])[0]!;
    const ib = (b.output.images as { sha256: string }[])[0]!;
    expect(ia.sha256).toBe(ib.sha256);
    expect(ia.seed).toBe('42'); // exact decimal text (64-bit seeds, issue 13)
    const meta = await sharp(ia.path).metadata();
    expect([meta.width, meta.height]).toEqual([128, 64]);
    const ticks = events.filter(
      (e) => e.phase === 'sampling' && e.step !== undefined && !e.preview,
    );
    expect(ticks.at(-1)).toMatchObject({ step: 2, steps: 2 });
    expect(a.output.engine).toMatchObject({
      version: expect.stringMatching(/stable-diffusion\.cpp version|unknown/),
    });
  }, 120_000);

  it('random seed is read from the log', async () => {
    const r = await w.client.call('txt2img', job({ seed: -1 }));
    expect(/^\d+$/.test((r.output.images as { seed: string }[])[0]!.seed)).toBe(true);
  }, 120_000);

  it('img2img counts floor(steps × strength) + 1 ticks', async () => {
    const init = join(root, 'init.png');
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#336699' } })
      .png()
      .toFile(init);
    const events: ProgressMsg[] = [];
    await w.client.call('img2img', job({ initImagePath: init, strength: 0.5, steps: 4 }), {
      onProgress: (e) => events.push(e),
    });
    const ticks = events.filter(
      (e) => e.phase === 'sampling' && e.step !== undefined && !e.preview,
    );
    expect(ticks.at(-1)).toMatchObject({ step: 3, steps: 3 });
  }, 120_000);

  it('cancel mid-sampling: CANCELLED, no sd-cli left, no temp files', async () => {
    const p = job({ steps: 200, width: 128, height: 128 });
    const ac = new AbortController();
    const err = await w.client
      .call('txt2img', p, {
        signal: ac.signal,
        onProgress: (e) => e.phase === 'sampling' && e.step === 1 && ac.abort(),
      })
      .catch((e: MystiError) => e);
    expect((err as MystiError).code).toBe('CANCELLED');
    const deadline = Date.now() + 3_000;
    while ((pidsWithArg(p.outDir).length || readdirSync(p.outDir).length) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(pidsWithArg(p.outDir)).toEqual([]);
    expect(readdirSync(p.outDir)).toEqual([]);
  }, 120_000);

  it('missing model → MODEL_NOT_FOUND', async () => {
    const err = await w.client
      .call('txt2img', job({ modelPath: join(root, 'missing.gguf') }))
      .catch((e: MystiError) => e);
    expect((err as MystiError).code).toBe('MODEL_NOT_FOUND');
  }, 120_000);

  it.skipIf(!UPSCALER)(
    'upscale with ESRGAN',
    async () => {
      const input = join(root, 'small.png');
      await sharp({ create: { width: 64, height: 64, channels: 3, background: '#884422' } })
        .png()
        .toFile(input);
      const r = await w.client.call('upscale', {
        initImagePath: input,
        upscaleModelPath: UPSCALER,
        outDir: outDir(),
      });
      const img = (r.output.images as { width: number }[])[0]!;
      expect(img.width).toBeGreaterThan(64);
    },
    120_000,
  );
});
