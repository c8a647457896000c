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
function runDirect(bin: string, argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { env, cwd, stdio: ['ignore', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(performance.now() - t0) : reject(new Error(`sd-cli exited ${code}`))));
  });
}

/** @param o.n timed repetitions per side (after one warm-up each); default 7 */
export async function benchSd(o: { n?: number } = {}): Promise<BenchRow[]> {
  const n = o.n ?? 7;
  const realBin = process.env.SD_CPP_BIN;
  const realModel = process.env.SD_TEST_MODEL;
  const real = Boolean(realBin && realModel);
  const stepMs = '20';
  const home = makeTempHome({ prefix: 'sd-bench-' });
  const model = path.join(home.models, 'checkpoints', real ? path.basename(realModel!) : 'bench-sd1.safetensors');
  fs.mkdirSync(path.dirname(model), { recursive: true });
  if (real) fs.symlinkSync(path.resolve(realModel!), model);
  else writeSafetensors(model, FAMILY_FILES.sd1!.tensors);
  const t = await startTestStudio({ home, stepMs: Number(stepMs), ...(real ? { env: { SD_CPP_BIN: realBin! } } : {}) });
  const bin = t.studio.config.sdCppBin!;
  const env = { ...process.env, SDCPP_STANDIN_STEP_MS: stepMs };
  const directDir = path.join(home.home, 'direct');
  fs.mkdirSync(directDir);
  try {
    const ref = path.relative(home.models, model);
    const params = (seed: number) => ({ width: 128, height: 128, steps: 4, cfgScale: real ? 1 : 7, seed });
    const viaApi = async (seed: number) => {
      const g = new GraphBuilder('bench');
      const p = g.node('prompt', { text: 'a lighthouse at dusk' }, {}, 'prompt');
      g.node('txt2img', { model: ref, ...params(seed) }, { prompt: p.out('text') }, 'gen');
      const t0 = performance.now();
      let done!: (status: string) => void;
      const finished = new Promise<string>((r) => (done = r));
      let runId = '';
      const off = t.studio.bus.on((e) => {
        if (e.runId === runId && (e.type === 'run.completed' || e.type === 'run.failed' || e.type === 'run.cancelled')) done(e.type);
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
      const payload = genPayloadSchema.parse({ prompt: 'a lighthouse at dusk', modelPath: model, outDir: directDir, ...params(seed) });
      const argv = buildGenArgv(payload, { outPath: path.join(directDir, `out-${seed}.png`), threads: sdThreads(), backendFlag: true, previewPath: path.join(directDir, 'preview.png') });
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
    const note = real ? `real sd.cpp (${path.basename(bin)}) + ${path.basename(realModel!)}` : 'stand-in sd-cli (20 ms/step): measures our overhead around a fake engine';
    return [
      { op: 'txt2img 128x128 4 steps via POST /api/runs', n, p50: percentile(api, 50), p95: percentile(api, 95), unit: 'ms', note },
      { op: 'same sd-cli command run directly', n, p50: percentile(cli, 50), p95: percentile(cli, 95), unit: 'ms', note },
      { op: 'API / direct', n, p50: ratio50, p95: percentile(api, 95) / percentile(cli, 95), unit: '×', target: '≤ 1.05 (p50)', ok: ratio50 <= 1.05, note: `overhead ${(percentile(api, 50) - percentile(cli, 50)).toFixed(0)} ms at p50` },
    ];
  } finally {
    await t.close();
    home.cleanup();
  }
}
