/**
 * Resident-mode faults a real engine cannot be made to show on demand, with the sd-server
 * stand-in (tests/helpers/sd-standin/server.mjs, sdcpp.md §2) named by SD_CPP_SERVER_BIN:
 * a server that never answers → ENGINE_FAILED naming sd-server and its last stderr lines; ggml's
 * OOM abort mid-job → OUT_OF_MEMORY; the server dying mid-job → ENGINE_CRASHED and the next job
 * gets a new server; a queued job cancelled through the server's API while another generates.
 */
import { appendFileSync, copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MystiError } from '../../runtime/errors';
import { STANDIN, startSdWorker, type StartedWorker } from '../helpers/sd-standin/worker';
import { processesMatching, waitFor } from '../helpers/procs';

const SERVER = join(STANDIN, '..', 'sd-server-standin');
const root = mkdtempSync(join(tmpdir(), 'sd-server-faults-'));
mkdirSync(join(root, 'models'));
let n = 0;
const outDir = () => {
  const d = join(root, `out-${++n}`);
  mkdirSync(d);
  return d;
};
/** A structurally valid safetensors file, optionally with stand-in fault words. */
function model(name: string, faults = ''): string {
  const p = join(root, 'models', name);
  const h = Buffer.from(JSON.stringify({ __metadata__: { note: 'stand-in model' } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  writeFileSync(p, Buffer.concat([len, h]));
  if (faults) appendFileSync(p, `\nsdcpp-standin: ${faults}\n`);
  return p;
}
const good = model('good.safetensors');
const job = (o: Record<string, unknown> = {}) => ({
  prompt: 'x',
  modelPath: good,
  width: 64,
  height: 64,
  steps: 4,
  cfgScale: 7,
  seed: 1,
  outDir: outDir(),
  ...o,
});
const servers = () =>
  processesMatching(join(root, 'models')).filter((p) => p.cmd.includes('sd-server-standin'));

describe('resident mode faults (sd-server stand-in)', () => {
  let w: StartedWorker;
  beforeAll(async () => {
    w = await startSdWorker({
      SD_CPP_BIN: STANDIN,
      SD_CPP_SERVER_BIN: SERVER,
      SDCPP_STANDIN_STEP_MS: '30',
      MYSTI_SD_SERVER_START_TIMEOUT_MS: '8000',
    });
  });
  afterAll(async () => {
    await w?.stop();
  });

  it('runs a job on the stand-in server (server mode, seed from its log)', async () => {
    const r = await w.client.call('txt2img', job({ seed: 7 }));
    expect(r.output.engine).toMatchObject({ name: 'sd-server', mode: 'server' });
    expect((r.output.images as { seed: string }[])[0]!.seed).toBe('7');
  }, 30_000);

  it('no answer within the start-up timeout → ENGINE_FAILED naming sd-server and its stderr', async () => {
    const err = await w.client
      .call('txt2img', job({ modelPath: model('hang.safetensors', 'server-hang') }))
      .catch((e: MystiError) => e);
    expect((err as MystiError).code).toBe('ENGINE_FAILED');
    expect((err as MystiError).message).toMatch(
      /sd-server did not answer on 127\.0\.0\.1:\d+ within 8 s/,
    );
    expect((err as MystiError).message).toContain('backend init stalled');
    await waitFor(
      () => !servers().some((p) => p.cmd.includes('hang.safetensors')),
      3_000,
      'the hung server to be killed',
    );
  }, 30_000);

  it('ggml OOM abort mid-job → OUT_OF_MEMORY; the worker stays up', async () => {
    const err = await w.client
      .call('txt2img', job({ modelPath: model('oom.safetensors', 'oom') }))
      .catch((e: MystiError) => e);
    expect((err as MystiError).code).toBe('OUT_OF_MEMORY');
    expect((await w.client.health()).status).toBe('ok');
  }, 30_000);

  it('the server dying mid-job → ENGINE_CRASHED; the next job starts a new server', async () => {
    const crash = model('crash.safetensors', 'server-crash');
    const err = await w.client
      .call('txt2img', job({ modelPath: crash }))
      .catch((e: MystiError) => e);
    expect((err as MystiError).code).toBe('ENGINE_CRASHED');
    const ok = await w.client.call('txt2img', job());
    expect((ok.output.images as unknown[]).length).toBe(1);
  }, 30_000);

  it('a queued job is cancelled through the server API while another generates; the generating one finishes', async () => {
    const copy = join(root, 'models', 'queue.safetensors');
    copyFileSync(good, copy);
    await w.client.call('txt2img', job({ modelPath: copy }));
    const pid = ((await w.client.health()).loaded as unknown as { pid: number }).pid;
    const first = w.client.call('txt2img', job({ modelPath: copy, steps: 30 }));
    const ac = new AbortController();
    const second = w.client
      .call('txt2img', job({ modelPath: copy, steps: 30, seed: 2 }), { signal: ac.signal })
      .catch((e: MystiError) => e);
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    expect(((await second) as MystiError).code).toBe('CANCELLED');
    const r = await first;
    expect((r.output.images as unknown[]).length).toBe(1);
    // Cancelling a queued job did not kill the server.
    expect(((await w.client.health()).loaded as unknown as { pid: number }).pid).toBe(pid);
  }, 30_000);

  it('cancelling the generating job kills the server; a job queued behind it is submitted again to a new one', async () => {
    const copy = join(root, 'models', 'requeue.safetensors');
    copyFileSync(good, copy);
    await w.client.call('txt2img', job({ modelPath: copy }));
    const ac = new AbortController();
    const first = w.client
      .call('txt2img', job({ modelPath: copy, steps: 60 }), {
        signal: ac.signal,
        onProgress: (e) => e.phase === 'sampling' && e.step === 2 && ac.abort(),
      })
      .catch((e: MystiError) => e);
    await new Promise((r) => setTimeout(r, 100));
    const second = w.client.call('txt2img', job({ modelPath: copy, steps: 4, seed: 3 }));
    expect(((await first) as MystiError).code).toBe('CANCELLED');
    const r = await second;
    expect((r.output.images as { seed: string }[])[0]!.seed).toBe('3');
  }, 30_000);
});

describe('ServerManager start-up (sd-server stand-in)', () => {
  it('a taken port → the next attempt on another port; the child is verified by its capabilities', async () => {
    const { createServer } = await import('node:net');
    const { ServerManager } = await import('../../workers/sd/server/manager');
    const { freePort } = await import('../../workers/sd/server/child');
    const squatter = createServer((s) =>
      s.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}'),
    ).listen(0, '127.0.0.1');
    await new Promise((r) => squatter.once('listening', r));
    const taken = (squatter.address() as { port: number }).port;
    const tried: number[] = [];
    const children = new Set<import('node:child_process').ChildProcess>();
    const mgr = new ServerManager({
      binary: SERVER,
      backendFlag: true,
      startTimeoutMs: 10_000,
      graceMs: 300,
      children,
      pickPort: async () => {
        const p = tried.length === 0 ? taken : await freePort();
        tried.push(p);
        return p;
      },
    });
    try {
      const lease = await mgr.acquire(
        { modelPath: good, threads: 1 },
        new AbortController().signal,
      );
      expect(tried[0]).toBe(taken);
      expect(tried.length).toBeGreaterThanOrEqual(2);
      expect(lease.child.port).not.toBe(taken);
      expect((await lease.child.capabilities()).model).toMatchObject({ path: good });
      expect(mgr.loaded()).toMatchObject({ mode: 'server', path: good, starts: tried.length });
      lease.release();
    } finally {
      await mgr.stop();
      squatter.close();
    }
    expect(children.size).toBe(0);
  }, 30_000);
});
