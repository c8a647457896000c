/**
 * Resume after a crash (issue 15 §5): `mysti serve` runs a two-branch graph; one branch has
 * finished and the other is sampling when the runtime is SIGKILLed. After a restart on the same
 * MYSTI_HOME the run is `interrupted`; POST /api/runs/:id/resume starts a run that serves every
 * finished node from the output cache and executes exactly the unfinished ones — asserted on the
 * run's node records, not on time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers/http';
import { sdStandins, waitFor, killMatching } from '../helpers/procs';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { GraphBuilder } from '../helpers/graph-builder';
import { makeTempHome, REPO_ROOT, SD_MODEL, type TempHome } from '../helpers/temp-home';

function serve(home: TempHome): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'runtime/cli.ts'), 'serve'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...home.env, SDCPP_STANDIN_STEP_MS: '100' },
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

/** prompt → fast (2 steps) → saveFast; prompt → slow (random seed, 60 steps) → up → saveSlow. */
function twoBranches() {
  const g = new GraphBuilder('resume after a crash');
  const p = g.node('prompt', { text: 'resume me' }, {}, 'prompt');
  const gen = (id: string, steps: number, seed: string | number) =>
    g.node(
      'txt2img',
      { model: SD_MODEL, width: 64, height: 64, steps, cfgScale: 7, seed },
      { prompt: p.out('text') },
      id,
    );
  const fast = gen('fast', 2, 5);
  g.node('save', { filenamePrefix: 'fast' }, { image: fast.out('image') }, 'saveFast');
  const slow = gen('slow', 60, 'random');
  const up = g.node('upscale', { method: 'lanczos', scale: 2 }, { image: slow.out('image') }, 'up');
  g.node('save', { filenamePrefix: 'slow' }, { image: up.out('image') }, 'saveSlow');
  return g.finalize();
}

describe('resume an interrupted run after SIGKILL', () => {
  let home: TempHome;
  let s: TestStudio | undefined;
  let runId: string;
  let before: Record<string, { status: string; params: any; outputs: Record<string, string> }>;

  beforeAll(async () => {
    home = makeTempHome();
    const { child, port } = await serve(home);
    const http = client(port);
    try {
      runId = (await http.post('/api/runs', { graph: twoBranches() })).json.runId;
      await waitFor(
        async () => {
          const n = (await http.get(`/api/runs/${runId}`)).json.nodes;
          return n.saveFast?.status === 'completed' && n.slow?.status === 'running';
        },
        30_000,
        'the fast branch to finish and the slow one to sample',
      );
      await waitFor(() => sdStandins(home.home).length > 0, 10_000, 'sd.cpp to sample');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  }, 90_000);

  afterAll(async () => {
    await s?.close();
    killMatching(home.home);
    home?.cleanup();
  });

  it('the restarted studio has the run interrupted with the fast branch finished', async () => {
    s = await startTestStudio({ home });
    const view = (await s.http.get(`/api/runs/${runId}`)).json;
    expect(view.status).toBe('interrupted');
    before = view.nodes;
    expect(Object.fromEntries(Object.entries(before).map(([id, n]) => [id, n.status]))).toEqual({
      prompt: 'completed',
      fast: 'completed',
      saveFast: 'completed',
      slow: 'interrupted',
      up: 'interrupted',
      saveSlow: 'interrupted',
    });
    expect(view.resumedBy).toEqual([]);
  });

  it('Resume serves the finished nodes from the cache and executes exactly the unfinished ones', async () => {
    const r = await s!.http.post(`/api/runs/${runId}/resume`);
    expect(r.status).toBe(202);
    expect(r.json.resumeOf).toBe(runId);
    const done = await s!.waitRun(r.json.runId, 60_000);
    expect(done.status).toBe('completed');
    const nodes = done.view.nodes as typeof before;
    expect(Object.fromEntries(Object.entries(nodes).map(([id, n]) => [id, n.status]))).toEqual({
      prompt: 'cached',
      fast: 'cached',
      saveFast: 'cached',
      slow: 'completed',
      up: 'completed',
      saveSlow: 'completed',
    });
    expect(done.ran()).toEqual(['saveSlow', 'slow', 'up']);
    // The finished nodes' outputs are the very artifacts of the interrupted run.
    for (const id of ['prompt', 'fast', 'saveFast'])
      expect(nodes[id]!.outputs).toEqual(before[id]!.outputs);
    // The interrupted node runs with the seed the first run had drawn for it.
    expect(nodes.slow!.params.seed).toBe(before.slow!.params.seed);
    expect(done.view.resumeOf).toBe(runId);
    expect((await s!.http.get(`/api/runs/${runId}`)).json.resumedBy).toEqual([r.json.runId]);
  });

  it('a completed run cannot be resumed (409 RUN_NOT_RESUMABLE)', async () => {
    const last = (await s!.http.get('/api/runs')).json.items[0].id;
    const r = await s!.http.post(`/api/runs/${last}/resume`);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('RUN_NOT_RESUMABLE');
  });
});
