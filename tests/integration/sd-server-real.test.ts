/**
 * Resident mode (issue 12) against the REAL stable-diffusion.cpp builds: the sd worker drives the
 * `sd-server` beside SD_CPP_BIN. Runs when SD_CPP_BIN names a real sd-cli with an sd-server beside
 * it and SD_TEST_MODEL is set (`.ci/run` sets both from ../shared/sdcpp); skipped with a message
 * otherwise.
 *
 * Each test's model is a symlink in a fresh folder, so the sd-server processes of this file are
 * found by that path in /proc (their `-m` argument).
 */
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProgressMsg } from '../../workers/protocol/messages';
import type { MystiError } from '../../runtime/errors';
import { startSdWorker, type StartedWorker } from '../helpers/sd-standin/worker';
import { processesMatching, waitFor } from '../helpers/procs';

const BIN = process.env.SD_CPP_BIN;
const MODEL = process.env.SD_TEST_MODEL;
const SERVER = BIN ? join(dirname(BIN), 'sd-server') : '';
const enabled = Boolean(BIN && MODEL && existsSync(SERVER));
if (!enabled)
  console.warn(
    'sd-server-real: skipped — set SD_CPP_BIN (a real sd-cli with sd-server beside it) and SD_TEST_MODEL to run it',
  );

const root = mkdtempSync(join(tmpdir(), 'sd-server-real-'));
let n = 0;
const outDir = () => {
  const d = join(root, `out-${++n}`);
  mkdirSync(d);
  return d;
};
/** A model path unique to this file (a symlink), so its sd-server processes can be told apart. */
const modelLink = join(root, 'models', 'tiny.gguf');
const servers = () => processesMatching(modelLink).filter((p) => p.cmd.includes('sd-server'));
const job = (o: Record<string, unknown> = {}) => ({
  prompt: 'a lighthouse at dusk',
  modelPath: modelLink,
  width: 128,
  height: 128,
  steps: 4,
  cfgScale: 1,
  seed: 42,
  outDir: outDir(),
  ...o,
});
type Loaded = {
  mode: string;
  tensorLoads: number;
  starts: number;
  jobs: number;
  pid: number;
} | null;

async function rawPixels(path: string): Promise<Buffer> {
  return sharp(path).removeAlpha().raw().toBuffer();
}

describe.skipIf(!enabled)('sd worker in resident mode with the real sd-server', () => {
  let w: StartedWorker;
  const loaded = async () => (await w.client.health()).loaded as Loaded;
  beforeAll(async () => {
    mkdirSync(dirname(modelLink), { recursive: true });
    symlinkSync(MODEL!, modelLink);
    w = await startSdWorker({
      SD_CPP_BIN: BIN,
      MYSTI_SD_THREADS: '2',
      SD_CPP_SERVER_BIN: undefined,
      MYSTI_SD_MODE: undefined,
    });
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('three seeds on one model: only the first job loads weights; progress phase by phase', async () => {
    const events: ProgressMsg[] = [];
    const r1 = await w.client.call('txt2img', job({ seed: 1 }), {
      onProgress: (e) => events.push(e),
    });
    const after1 = await loaded();
    expect(after1).toMatchObject({ mode: 'server', starts: 1 });
    // text encoder, UNet, TAE: one `loading tensors completed` line each, on the first job only.
    expect(after1!.tensorLoads).toBe(3);
    await w.client.call('txt2img', job({ seed: 2 }));
    const r3 = await w.client.call('txt2img', job({ seed: 3 }));
    expect(await loaded()).toMatchObject({
      mode: 'server',
      starts: 1,
      tensorLoads: 3,
      jobs: 3,
      pid: after1!.pid,
    });
    expect(servers()).toHaveLength(1);
    const phases = [...new Set(events.map((e) => e.phase))];
    expect(phases).toEqual(expect.arrayContaining(['encoding', 'loading', 'sampling', 'decoding']));
    expect(
      events.filter((e) => e.phase === 'sampling' && e.step !== undefined).at(-1),
    ).toMatchObject({ step: 4, steps: 4 });
    expect((r1.output.images as { seed: string }[])[0]!.seed).toBe('1');
    expect((r3.output.images as { seed: string }[])[0]!.seed).toBe('3');
    expect(r1.output.engine).toMatchObject({ name: 'sd-server', mode: 'server' });
    // Lineage: the sd-cli line that reproduces it, and the server's start-up flags + body.
    expect(r1.output.argv).toEqual(
      expect.arrayContaining(['-m', modelLink, '-s', '1', '--steps', '4']),
    );
    expect((r1.output.server as { argv: string[] }).argv).toEqual(['-m', modelLink, '-t', '2']);
    expect(r1.output.previews).toMatch(/not available from sd-server/);
  }, 120_000);

  it('the same params through sd-server and sd-cli give identical pixels', async () => {
    const p = job({ seed: 89848141647836, prompt: 'pixel identity' });
    const viaServer = await w.client.call('txt2img', p);
    const viaCli = await w.client.call('txt2img', {
      ...p,
      outDir: outDir(),
      livePreview: true,
      preview: 'none',
    });
    expect(viaServer.output.engine).toMatchObject({ mode: 'server' });
    expect((viaCli.output.engine as { name: string }).name).toBe('sd-cli');
    const a = (viaServer.output.images as { path: string }[])[0]!.path;
    const b = (viaCli.output.images as { path: string }[])[0]!.path;
    const [pa, pb] = await Promise.all([rawPixels(a), rawPixels(b)]);
    expect(pa.length).toBe(128 * 128 * 3);
    expect(pa.equals(pb)).toBe(true);
  }, 120_000);

  it('cancel mid-sampling: CANCELLED within 1 s, no sd-server left, the next job starts a new one', async () => {
    const before = (await loaded())?.starts ?? 0;
    const ac = new AbortController();
    let abortedAt = 0;
    const err = await w.client
      .call('txt2img', job({ steps: 300 }), {
        signal: ac.signal,
        onProgress: (e) => {
          if (e.phase === 'sampling' && e.step === 1 && !abortedAt) {
            abortedAt = Date.now();
            ac.abort();
          }
        },
      })
      .catch((e: MystiError) => e);
    expect((err as MystiError).code).toBe('CANCELLED');
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    await waitFor(() => servers().length === 0, 3_000, 'the sd-server to be gone');
    const ok = await w.client.call('txt2img', job({ seed: 5 }));
    expect(ok.output.engine).toMatchObject({ mode: 'server' });
    expect((await loaded())!.starts).toBe(before + 1);
  }, 120_000);

  it('kill -9 of the server mid-job fails that node with ENGINE_CRASHED; the next job succeeds', async () => {
    await w.client.call('txt2img', job({ seed: 6 }));
    const pid = (await loaded())!.pid;
    const err = await w.client
      .call('txt2img', job({ steps: 300 }), {
        onProgress: (e) => e.phase === 'sampling' && e.step === 2 && process.kill(pid, 'SIGKILL'),
      })
      .catch((e: MystiError) => e);
    expect((err as MystiError).code).toBe('ENGINE_CRASHED');
    expect((err as MystiError).message).toMatch(/sd-server was killed by SIGKILL/);
    const ok = await w.client.call('txt2img', job({ seed: 7 }));
    expect((ok.output.images as unknown[]).length).toBe(1);
    expect((await loaded())!.pid).not.toBe(pid);
  }, 120_000);

  it('a missing model → MODEL_NOT_FOUND (same code as the CLI path)', async () => {
    const err = await w.client
      .call('txt2img', job({ modelPath: join(root, 'missing.gguf') }))
      .catch((e: MystiError) => e);
    expect((err as MystiError).code).toBe('MODEL_NOT_FOUND');
  }, 120_000);

  it('unload stops the resident server', async () => {
    await w.client.call('txt2img', job({ seed: 8 }));
    expect(servers()).toHaveLength(1);
    await w.client.unload('hard');
    await waitFor(() => servers().length === 0, 3_000, 'the sd-server to stop');
    expect(await loaded()).toBeNull();
  }, 120_000);

  it('kill -9 of the worker itself leaves no sd-server (the kernel kills the child: setpriv --pdeathsig)', async () => {
    const other = await startSdWorker({ SD_CPP_BIN: BIN, MYSTI_SD_THREADS: '2' });
    const link2 = join(root, 'models2', 'tiny.gguf');
    mkdirSync(dirname(link2), { recursive: true });
    symlinkSync(MODEL!, link2);
    const mine = () => processesMatching(link2).filter((p) => p.cmd.includes('sd-server'));
    await other.client.call('txt2img', { ...job({ seed: 9 }), modelPath: link2 });
    expect(mine()).toHaveLength(1);
    other.child.kill('SIGKILL');
    await waitFor(() => mine().length === 0, 5_000, 'the sd-server to die with its worker');
  }, 120_000);
});
