/**
 * `benchSd()`: a 128×128, 4-step txt2img through POST /api/runs (runtime → supervisor → sd worker →
 * sd.cpp process → artifact store) against the very same sd-cli command run directly (argv built
 * by workers/sd/argv.ts from the same payload). Target (issue 4): API / direct ≤ 1.05 at p50.
 *
 * With SD_CPP_BIN and SD_TEST_MODEL set it drives the real engine; otherwise the sd-cli stand-in,
 * and the ratio then measures only our overhead around a fake engine (20 ms per step), which
 * exaggerates it compared with real sampling.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startTestStudio } from '../helpers/studio';
import { makeTempHome } from '../helpers/temp-home';
import { GraphBuilder } from '../helpers/graph-builder';
import { buildGenArgv, sdThreads } from '../../workers/sd/argv';
import { genPayloadSchema } from '../../workers/sd/payload';
import { FAMILY_FILES, writeSafetensors } from '../unit/models/craft';
import { percentile, type BenchRow } from './stats';

/** Runs the sd.cpp command directly, like a user at a shell would (no shell, same env). */
function runDirect(
  bin: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { env, cwd, stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - t0) : reject(new Error(`sd-cli exited ${code}`)),
    );
  });
}

/**
 * With the real engine: resident mode vs raw sd-cli (issue 12). Each sample is prompt → txt2img →
 * save through POST /api/runs, timed from submit to the run's `finishedAt`:
 * - cold: the resident stack is unloaded first (a fresh sd-server loads the weights);
 * - warm: the same model again (weights stay loaded in sd-server);
 * - switch: alternating between the model and a byte copy under another name (a different stack
 *   → sd-server is replaced and loads the copy);
 * against the same txt2img as one plain sd-cli command (no preview), interleaved.
 * Targets: cold / cli ≤ 1.10, warm / cli ≤ 0.75, switch / cold ≤ 1.10 (p50).
 */
async function benchSdResident(realBin: string, realModel: string, n: number): Promise<BenchRow[]> {
  const home = makeTempHome({ prefix: 'sd-bench-' });
  const modelA = path.join(home.models, 'checkpoints', path.basename(realModel));
  const modelB = path.join(home.models, 'checkpoints', `copy-${path.basename(realModel)}`);
  fs.mkdirSync(path.dirname(modelA), { recursive: true });
  fs.symlinkSync(path.resolve(realModel), modelA);
  fs.copyFileSync(realModel, modelB);
  const t = await startTestStudio({ home, env: { SD_CPP_BIN: realBin } });
  const directDir = path.join(home.home, 'direct');
  fs.mkdirSync(directDir);
  const params = (seed: number) => ({ width: 128, height: 128, steps: 4, cfgScale: 1, seed });
  try {
    const health = (await t.http.get('/api/health')).json;
    if (health.sd?.mode !== 'server')
      throw new Error(
        `resident bench needs sd-server beside ${realBin} (health sd.mode = ${health.sd?.mode})`,
      );
    const viaApi = async (model: string, seed: number) => {
      const g = new GraphBuilder('bench');
      const p = g.node('prompt', { text: 'a lighthouse at dusk' }, {}, 'prompt');
      const gen = g.node(
        'txt2img',
        { model: path.relative(home.models, model), ...params(seed) },
        { prompt: p.out('text') },
        'gen',
      );
      g.node('save', { filenamePrefix: 'bench' }, { image: gen.out('image') }, 'save');
      const t0 = Date.now();
      const res = await t.http.post('/api/runs', { graph: g.finalize() });
      const r = await t.waitRun(res.json.runId, 120_000);
      if (r.status !== 'completed')
        throw new Error(`bench run ended ${r.status}: ${JSON.stringify(r.view.nodes)}`);
      const finishedAt = t.studio.store.runs.get(res.json.runId)?.finishedAt;
      return (finishedAt ?? Date.now()) - t0;
    };
    const cold = async (seed: number) => {
      await t.studio.supervisor.unload('sd', 'hard').catch(() => undefined);
      return viaApi(modelA, seed);
    };
    const viaCli = (seed: number) => {
      const payload = genPayloadSchema.parse({
        prompt: 'a lighthouse at dusk',
        modelPath: modelA,
        outDir: directDir,
        preview: 'none',
        ...params(seed),
      });
      const argv = buildGenArgv(payload, {
        outPath: path.join(directDir, `out-${seed}.png`),
        threads: sdThreads(),
        backendFlag: true,
      });
      return runDirect(realBin, argv, process.env, directDir);
    };
    // Warm-up: page cache, worker process start, tsx compile.
    await viaApi(modelA, 1);
    await viaCli(1);
    const c: number[] = [],
      w: number[] = [],
      sw: number[] = [],
      cli: number[] = [];
    for (let i = 0; i < n; i++) {
      const seed = 100 + i * 10;
      if (i > 0)
        console.error(
          `sd bench: round ${i}/${n}: cli ${cli.slice(-2).map(Math.round).join('/')} ms, cold ${Math.round(c.at(-1)!)} ms, warm ${w.slice(-2).map(Math.round).join('/')} ms, switch ${sw.slice(-2).map(Math.round).join('/')} ms`,
        );
      cli.push(await viaCli(seed));
      c.push(await cold(seed + 1));
      w.push(await viaApi(modelA, seed + 2));
      w.push(await viaApi(modelA, seed + 3));
      sw.push(await viaApi(i % 2 === 0 ? modelB : modelA, seed + 4));
      sw.push(await viaApi(i % 2 === 0 ? modelA : modelB, seed + 5));
      cli.push(await viaCli(seed + 6));
    }
    const p50 = (xs: number[]) => percentile(xs, 50);
    const coldR = p50(c) / p50(cli);
    const warmR = p50(w) / p50(cli);
    const switchR = p50(sw) / p50(c);
    const note = `real ${path.basename(realBin)} + sd-server, ${path.basename(realModel)}, 128x128, 4 steps`;
    const row = (op: string, xs: number[]) => ({
      op,
      n: xs.length,
      p50: p50(xs),
      p95: percentile(xs, 95),
      unit: 'ms',
      note,
    });
    return [
      row('raw sd-cli txt2img (one process)', cli),
      row('cold: prompt → txt2img → save, fresh sd-server (submit → finishedAt)', c),
      row('warm: same model, sd-server resident', w),
      row('model switch: sd-server replaced each run', sw),
      {
        op: 'cold / raw sd-cli',
        n: c.length,
        p50: coldR,
        p95: percentile(c, 95) / percentile(cli, 95),
        unit: '×',
        target: '≤ 1.10 (p50)',
        ok: coldR <= 1.1,
        note,
      },
      {
        op: 'warm / raw sd-cli',
        n: w.length,
        p50: warmR,
        p95: percentile(w, 95) / percentile(cli, 95),
        unit: '×',
        target: '≤ 0.75 (p50)',
        ok: warmR <= 0.75,
        note,
      },
      {
        op: 'model switch / cold',
        n: sw.length,
        p50: switchR,
        p95: percentile(sw, 95) / percentile(c, 95),
        unit: '×',
        target: '≤ 1.10 (p50)',
        ok: switchR <= 1.1,
        note,
      },
    ];
  } finally {
    await t.close();
    home.cleanup();
  }
}

/** @param o.n timed repetitions per side (after one warm-up each); default 7 */
export async function benchSd(o: { n?: number } = {}): Promise<BenchRow[]> {
  const n = o.n ?? 7;
  const realBin = process.env.SD_CPP_BIN;
  const realModel = process.env.SD_TEST_MODEL;
  const real = Boolean(realBin && realModel);
  if (
    real &&
    fs.existsSync(path.join(path.dirname(realBin!), 'sd-server')) &&
    process.env.MYSTI_SD_MODE !== 'cli'
  ) {
    return benchSdResident(
      realBin!,
      realModel!,
      Number(process.env.MYSTI_BENCH_SD_ROUNDS) || Math.max(3, Math.min(n, 5)),
    );
  }
  const stepMs = '20';
  const home = makeTempHome({ prefix: 'sd-bench-' });
  const model = path.join(
    home.models,
    'checkpoints',
    real ? path.basename(realModel!) : 'bench-sd1.safetensors',
  );
  fs.mkdirSync(path.dirname(model), { recursive: true });
  if (real) fs.symlinkSync(path.resolve(realModel!), model);
  else writeSafetensors(model, FAMILY_FILES.sd1!.tensors);
  const t = await startTestStudio({
    home,
    stepMs: Number(stepMs),
    ...(real ? { env: { SD_CPP_BIN: realBin! } } : {}),
  });
  const bin = t.studio.config.sdCppBin!;
  const env = { ...process.env, SDCPP_STANDIN_STEP_MS: stepMs };
  const directDir = path.join(home.home, 'direct');
  fs.mkdirSync(directDir);
  try {
    const ref = path.relative(home.models, model);
    const params = (seed: number) => ({
      width: 128,
      height: 128,
      steps: 4,
      cfgScale: real ? 1 : 7,
      seed,
    });
    const viaApi = async (seed: number) => {
      const g = new GraphBuilder('bench');
      const p = g.node('prompt', { text: 'a lighthouse at dusk' }, {}, 'prompt');
      g.node('txt2img', { model: ref, ...params(seed) }, { prompt: p.out('text') }, 'gen');
      const t0 = performance.now();
      let done!: (status: string) => void;
      const finished = new Promise<string>((r) => (done = r));
      let runId = '';
      const off = t.studio.bus.on((e) => {
        if (
          e.runId === runId &&
          (e.type === 'run.completed' || e.type === 'run.failed' || e.type === 'run.cancelled')
        )
          done(e.type);
      });
      const res = await t.http.post('/api/runs', { graph: g.finalize() });
      runId = res.json.runId;
      // The run may have finished before runId was known: fall back to the stored status.
      const st = t.studio.store.runs.get(runId)?.status;
      const outcome = st === 'completed' || st === 'failed' ? `run.${st}` : await finished;
      off();
      if (outcome !== 'run.completed') throw new Error(`bench run ${runId} ended ${outcome}`);
      return performance.now() - t0;
    };
    const viaCli = (seed: number) => {
      const payload = genPayloadSchema.parse({
        prompt: 'a lighthouse at dusk',
        modelPath: model,
        outDir: directDir,
        ...params(seed),
      });
      const argv = buildGenArgv(payload, {
        outPath: path.join(directDir, `out-${seed}.png`),
        threads: sdThreads(),
        backendFlag: true,
        previewPath: path.join(directDir, 'preview.png'),
      });
      return runDirect(bin, argv, env, directDir);
    };
    await viaApi(1);
    await viaCli(1);
    const api: number[] = [];
    const cli: number[] = [];
    // Interleaved with alternating order and fresh seeds: no output-cache hits, and load from
    // other processes on a shared machine lands on both sides alike.
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) {
        api.push(await viaApi(100 + i));
        cli.push(await viaCli(100 + i));
      } else {
        cli.push(await viaCli(100 + i));
        api.push(await viaApi(100 + i));
      }
    }
    const ratio50 = percentile(api, 50) / percentile(cli, 50);
    const note = real
      ? `real sd.cpp (${path.basename(bin)}) + ${path.basename(realModel!)}`
      : 'stand-in sd-cli (20 ms/step): measures our overhead around a fake engine';
    return [
      {
        op: 'txt2img 128x128 4 steps via POST /api/runs',
        n,
        p50: percentile(api, 50),
        p95: percentile(api, 95),
        unit: 'ms',
        note,
      },
      {
        op: 'same sd-cli command run directly',
        n,
        p50: percentile(cli, 50),
        p95: percentile(cli, 95),
        unit: 'ms',
        note,
      },
      {
        op: 'API / direct',
        n,
        p50: ratio50,
        p95: percentile(api, 95) / percentile(cli, 95),
        unit: '×',
        target: '≤ 1.05 (p50)',
        ok: ratio50 <= 1.05,
        note: `overhead ${(percentile(api, 50) - percentile(cli, 50)).toFixed(0)} ms at p50`,
      },
    ];
  } finally {
    await t.close();
    home.cleanup();
  }
}
