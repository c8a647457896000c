/**
 * Resident mode through the whole studio (`mysti serve` as a child process) with the REAL sd.cpp:
 * prompt → txt2img → save three times with different seeds on one model keeps ONE sd-server
 * process (loaded once), `/api/health` says `sd.mode: "server"`, `/api/vram` lists the resident
 * stack; and stopping the studio — SIGTERM or SIGKILL — leaves no sd-server behind (the worker
 * notices its stdin closing and kills its child on exit).
 * Skipped with a message without SD_CPP_BIN (+ sd-server beside it) and SD_TEST_MODEL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/http';
import { processesMatching, waitFor } from '../helpers/procs';
import { GraphBuilder } from '../helpers/graph-builder';
import { makeTempHome, REPO_ROOT, type TempHome } from '../helpers/temp-home';

const BIN = process.env.SD_CPP_BIN;
const MODEL = process.env.SD_TEST_MODEL;
const enabled = Boolean(
  BIN && MODEL && fs.existsSync(path.join(path.dirname(BIN ?? '.'), 'sd-server')),
);
if (!enabled)
  console.warn(
    'sd-server-studio: skipped — set SD_CPP_BIN (a real sd-cli with sd-server beside it) and SD_TEST_MODEL to run it',
  );

function serve(home: TempHome): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'runtime/cli.ts'), 'serve'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...home.env, SD_CPP_BIN: BIN!, MYSTI_SD_THREADS: '2' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /open http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`mysti serve exited (${code}): ${err}`)));
  });
}

function homeWithModel(): { home: TempHome; ref: string } {
  const home = makeTempHome({ prefix: 'sd-server-studio-' });
  const link = path.join(home.models, 'checkpoints', 'tiny-sdxs.gguf');
  fs.mkdirSync(path.dirname(link), { recursive: true });
  fs.symlinkSync(path.resolve(MODEL!), link);
  return { home, ref: 'checkpoints/tiny-sdxs.gguf' };
}

function graph(ref: string, seed: number, steps = 4) {
  const g = new GraphBuilder('resident');
  const p = g.node('prompt', { text: 'a lighthouse at dusk' }, {}, 'prompt');
  const gen = g.node(
    'txt2img',
    { model: ref, width: 128, height: 128, steps, cfgScale: 1, seed },
    { prompt: p.out('text') },
    'gen',
  );
  g.node('save', { filenamePrefix: 'resident' }, { image: gen.out('image') }, 'save');
  return g.finalize();
}

const serversOf = (home: TempHome) =>
  processesMatching(home.home).filter((p) => p.cmd.includes('sd-server'));

describe.skipIf(!enabled)('resident sd-server under the studio', () => {
  it('three seeds on one model: one sd-server for all, health says server mode, /api/vram shows the stack; SIGKILL of the studio leaves no sd-server', async () => {
    const { home, ref } = homeWithModel();
    const { child, port } = await serve(home);
    const http = client(port);
    try {
      expect((await http.get('/api/health')).json.sd).toMatchObject({ mode: 'server' });
      const pids: number[] = [];
      for (const seed of [11, 12, 13]) {
        const { runId } = (await http.post('/api/runs', { graph: graph(ref, seed) })).json;
        const run = await waitFor(
          async () => {
            const r = (await http.get(`/api/runs/${runId}`)).json;
            return ['completed', 'failed', 'cancelled'].includes(r.status) ? r : null;
          },
          60_000,
          `run seed ${seed}`,
        );
        expect(run.status).toBe('completed');
        const s = serversOf(home);
        expect(s).toHaveLength(1);
        pids.push(s[0]!.pid);
      }
      expect(new Set(pids).size).toBe(1);
      const vram = (await http.get('/api/vram')).json;
      expect(JSON.stringify(vram)).toContain('tiny-sdxs');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    await waitFor(
      () => serversOf(home).length === 0,
      5_000,
      'no sd-server after kill -9 of the studio',
    );
  }, 180_000);

  it('SIGTERM of the studio mid-job leaves no sd-server', async () => {
    const { home, ref } = homeWithModel();
    const { child, port } = await serve(home);
    const http = client(port);
    try {
      await http.post('/api/runs', { graph: graph(ref, 21, 150) });
      await waitFor(() => serversOf(home).length === 1, 30_000, 'the sd-server to start');
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await waitFor(
      () => serversOf(home).length === 0,
      5_000,
      'no sd-server after SIGTERM of the studio',
    );
  }, 120_000);
});
