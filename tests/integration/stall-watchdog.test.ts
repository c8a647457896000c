/**
 * Issue 18 #1 with real engines: a stopped engine (SIGSTOP) must not hold a run and its lease.
 * - the REAL sd-cli (../shared/sdcpp) stopped mid-sampling → ENGINE_STALLED naming the phase within
 *   the configured stall limit, the sd-cli process gone, the next run succeeds;
 * - the node timeout is a timer we own: it fires after garbage collections (AbortSignal.timeout in
 *   AbortSignal.any may be collected on Node 20, nodejs/node#57867) and says TIMEOUT, not CANCELLED;
 * - the REAL sd-server (resident mode) stopped mid-sampling → ENGINE_STALLED, the wedged server
 *   killed (a generating sd-server job cannot be cancelled through its API, sdcpp.md §2), the next
 *   run starts a new server and succeeds;
 * - the REAL LLM worker (node-llama-cpp + stories260K) stopped → ENGINE_STALLED, the worker killed
 *   and restarted by the next run.
 */
import fs from 'node:fs';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { GraphBuilder } from '../helpers/graph-builder';
import { REPO_ROOT, TINY_GGUF, makeTempHome } from '../helpers/temp-home';
import { pidsWithArg } from '../helpers/sd-standin/worker';

const BIN = path.resolve(REPO_ROOT, '../shared/sdcpp/sd-cli');
const MODEL = path.resolve(REPO_ROOT, '../shared/sdcpp/models/tiny-sdxs-q4_0.gguf');
const sdEnabled = fs.existsSync(BIN) && fs.existsSync(MODEL);

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

let s: TestStudio | undefined;
const stopped: number[] = [];
afterEach(async () => {
  for (const pid of stopped.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await s?.close();
  s?.home.cleanup();
  s = undefined;
});

async function sdStudio(
  config: Record<string, unknown>,
  mode: 'cli' | 'server' = 'cli',
): Promise<TestStudio> {
  const home = makeTempHome();
  fs.writeFileSync(path.join(home.home, 'config.json'), JSON.stringify(config));
  fs.symlinkSync(MODEL, path.join(home.models, 'tiny-sdxs-q4_0.gguf'));
  // The one-process-per-job CLI mode (sdcpp.md §1), or the resident sd-server beside it (§2).
  return startTestStudio({ home, env: { SD_CPP_BIN: BIN, MYSTI_SD_MODE: mode } });
}

const sdGraph = (text: string, steps = 40) => {
  const g = new GraphBuilder('stall');
  const p = g.node('prompt', { text }, {}, 'p');
  g.node(
    'txt2img',
    { model: 'tiny-sdxs-q4_0.gguf', width: 128, height: 128, steps, seed: 3 },
    { prompt: p.out('text') },
    'gen',
  );
  return g.finalize();
};

/** Submits, waits for the first sampling progress line, SIGSTOPs the engine (sd-cli or sd-server) of this home; returns run id and pid. */
async function submitAndStopEngine(
  t: TestStudio,
  text: string,
): Promise<{ runId: string; pid: number }> {
  const sampling = new Promise<void>((resolve) => {
    const off = t.studio.bus.on((e) => {
      // A sampling step (sd-cli prints a 'sampling' header before its last loading bar).
      if (
        e.type === 'node.progress' &&
        (e as { phase?: string }).phase === 'sampling' &&
        (e as { step?: number }).step !== undefined
      ) {
        off();
        resolve();
      }
    });
  });
  const r = await t.http.post('/api/runs', { graph: sdGraph(text) });
  expect(r.status, r.text).toBe(202);
  await sampling;
  const pids = pidsWithArg(t.home.models);
  expect(pids.length).toBe(1);
  process.kill(pids[0]!, 'SIGSTOP');
  stopped.push(pids[0]!);
  return { runId: r.json.runId, pid: pids[0]! };
}

describe.skipIf(!sdEnabled)('a stopped sd-cli (real engine)', () => {
  it('stall watchdog: ENGINE_STALLED naming the sampling phase, sd-cli killed, the next run succeeds', async () => {
    s = await sdStudio({ stallTimeoutsS: { loading: 120, sampling: 5 } });
    const { runId, pid } = await submitAndStopEngine(s, 'a stalled lighthouse');
    const t0 = Date.now();
    const r = await s.waitRun(runId, 30_000);
    expect(r.status).toBe('failed');
    const err = r.view.nodes.gen.error;
    expect(err.code).toBe('ENGINE_STALLED');
    expect(err.message).toMatch(/sampling/);
    expect(err.details).toMatchObject({ phase: 'sampling', worker: 'sd' });
    expect(Date.now() - t0).toBeLessThan(20_000);
    const deadline = Date.now() + 5_000;
    while (pidsWithArg(s.home.models).includes(pid) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 50));
    expect(pidsWithArg(s.home.models)).toEqual([]);
    // The lease and the worker are free again: the next run completes.
    const next = await s.http.post('/api/runs', { graph: sdGraph('after the stall', 2) });
    const after = await s.waitRun(next.json.runId, 90_000);
    expect(after.status, JSON.stringify(after.view.nodes.gen?.error ?? null)).toBe('completed');
  }, 150_000);

  it('node timeout fires after garbage collections and says TIMEOUT, not CANCELLED', async () => {
    s = await sdStudio({ nodeTimeoutMs: 5_000, stallTimeoutsS: { loading: 600, sampling: 600 } });
    const sub = await s.http.post('/api/runs', { graph: sdGraph('a lighthouse that times out') });
    const runId = sub.json.runId as string;
    // Stop sd-cli as soon as it exists (while loading): only the node timeout can end this node.
    const until = Date.now() + 10_000;
    while (!pidsWithArg(s.home.models).length && Date.now() < until)
      await new Promise((res) => setTimeout(res, 20));
    const pid = pidsWithArg(s.home.models)[0]!;
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    for (let i = 0; i < 10; i++) {
      gc();
      await new Promise((res) => setTimeout(res, 100));
    }
    const r = await s.waitRun(runId, 30_000);
    expect(r.status).toBe('failed');
    expect(r.view.nodes.gen.error.code).toBe('TIMEOUT');
    // The cancel reaches sd-cli as SIGTERM, then SIGKILL after the worker's grace (a stopped process only dies of the latter).
    const gone = Date.now() + 5_000;
    while (pidsWithArg(s.home.models).length && Date.now() < gone)
      await new Promise((res) => setTimeout(res, 50));
    expect(pidsWithArg(s.home.models)).toEqual([]);
  }, 150_000);
});

const SERVER = path.join(path.dirname(BIN), 'sd-server');

describe.skipIf(!sdEnabled || !fs.existsSync(SERVER))('a stopped sd-server (real engine)', () => {
  it('ENGINE_STALLED naming the sampling phase, the server killed, the next run starts a new one', async () => {
    // 10 s: a loaded CI machine can take longer than 5 s for one real sampling step of the next run.
    s = await sdStudio({ stallTimeoutsS: { loading: 120, sampling: 10 } }, 'server');
    const { runId, pid } = await submitAndStopEngine(s, 'a stalled resident lighthouse');
    expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).toContain('sd-server');
    const t0 = Date.now();
    const r = await s.waitRun(runId, 30_000);
    expect(r.status).toBe('failed');
    expect(r.view.nodes.gen.error.code).toBe('ENGINE_STALLED');
    expect(r.view.nodes.gen.error.details).toMatchObject({ phase: 'sampling', worker: 'sd' });
    expect(Date.now() - t0).toBeLessThan(30_000);
    const deadline = Date.now() + 5_000;
    while (pidsWithArg(s.home.models).includes(pid) && Date.now() < deadline)
      await new Promise((res) => setTimeout(res, 50));
    expect(pidsWithArg(s.home.models)).not.toContain(pid);
    const next = await s.http.post('/api/runs', { graph: sdGraph('after the server stall', 2) });
    const after = await s.waitRun(next.json.runId, 90_000);
    expect(after.status, JSON.stringify(after.view.nodes.gen?.error ?? null)).toBe('completed');
    const health = (await s.http.get('/api/health')).json;
    expect(health.sd?.mode ?? health.workers?.sd?.mode).toBe('server');
  }, 150_000);
});

describe.skipIf(!fs.existsSync(TINY_GGUF))('a stopped LLM worker (real node-llama-cpp)', () => {
  it('ENGINE_STALLED, the wedged worker is killed, the next run restarts it and succeeds', async () => {
    const home = makeTempHome({ gguf: true });
    fs.writeFileSync(
      path.join(home.home, 'config.json'),
      JSON.stringify({ stallTimeoutsS: { loading: 15, generating: 3 } }),
    );
    s = await startTestStudio({ home, supervisor: { stallHealthTimeoutMs: 1_000 } });
    const llmGraph = (text: string) => {
      const g = new GraphBuilder('llm stall');
      const p = g.node('prompt', { text }, {}, 'p');
      g.node(
        'llm-enhance',
        { model: path.basename(TINY_GGUF), maxTokens: 20, seed: 1 },
        { prompt: p.out('text') },
        'llm',
      );
      return g.finalize();
    };
    const warm = await s.http.post('/api/runs', { graph: llmGraph('a cat') });
    expect((await s.waitRun(warm.json.runId, 120_000)).status).toBe('completed');
    const pid = s.studio.supervisor.status().llm!.pid!;
    process.kill(pid, 'SIGSTOP');
    stopped.push(pid);
    const sub = await s.http.post('/api/runs', { graph: llmGraph('a dog') });
    const r = await s.waitRun(sub.json.runId, 30_000);
    expect(r.status).toBe('failed');
    expect(r.view.nodes.llm.error).toMatchObject({
      code: 'ENGINE_STALLED',
      details: { worker: 'llm' },
    });
    expect(s.studio.supervisor.status().llm!.pid).not.toBe(pid);
    expect(
      fs.existsSync(`/proc/${pid}`) && !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')),
    ).toBe(false);
    const again = await s.http.post('/api/runs', { graph: llmGraph('a bird') });
    expect((await s.waitRun(again.json.runId, 120_000)).status).toBe('completed');
  }, 240_000);
});
