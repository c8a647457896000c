/**
 * The out-of-memory path end to end (issue 5 §5): the sd worker's sd.cpp stand-in aborts with
 * `ggml_aligned_malloc: insufficient memory` (OUT_OF_MEMORY), the arbiter retries once with
 * conservative settings, and both the attempt and its outcome are broadcast as arbiter.decision
 * events (so persisted in event_log).
 *
 * The stand-in's `oom` fault fires on every attempt, so to prove a successful retry this test puts
 * a wrapper in front of it (as SD_CPP_BIN) that turns the fault on only when `--vae-tiling` is
 * absent — i.e. only for the first, unmitigated attempt — and logs every argv it is given.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { GraphBuilder } from '../helpers/graph-builder';
import {
  SD_MODEL,
  SD_STANDIN,
  fakeSafetensors,
  makeTempHome,
  type TempHome,
} from '../helpers/temp-home';
import { decisions } from './arbiter-calibrate';

let home: TempHome;
let ts: TestStudio;
let argvLog: string;

beforeAll(async () => {
  home = makeTempHome({ prefix: 'mysti-oom-' });
  argvLog = path.join(home.home, 'sd-argv.log');
  const wrapper = path.join(home.home, 'bin', 'sd-cli');
  fs.mkdirSync(path.dirname(wrapper));
  fs.writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      `printf '%s\\n' "$*" >> '${argvLog}'`,
      'case " $* " in',
      '  *" --vae-tiling "*) ;;',
      '  *) SDCPP_STANDIN_FAULT=oom; export SDCPP_STANDIN_FAULT ;;',
      'esac',
      `exec '${SD_STANDIN}' "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  // A model whose own file asks for an OOM on every attempt (the stand-in's documented trigger).
  fs.writeFileSync(
    path.join(home.models, 'always-oom.safetensors'),
    fakeSafetensors('sdcpp-standin: oom'),
  );
  ts = await startTestStudio({ home, env: { SD_CPP_BIN: wrapper } });
}, 60_000);
afterAll(async () => {
  await ts?.close();
  home?.cleanup();
});

const graph = (model: string, seed: number) => {
  const g = new GraphBuilder('oom');
  const p = g.node('prompt', { text: 'a boat' }, {}, 'p');
  g.node(
    'txt2img',
    { model, width: 64, height: 64, steps: 2, seed },
    { prompt: p.out('text') },
    't',
  );
  return g.finalize();
};

describe('OOM retry with conservative settings', () => {
  it('the first attempt runs out of memory, the one retry with conservative flags succeeds', async () => {
    const r = await ts.run(graph(SD_MODEL, 11));
    expect(r.status, JSON.stringify(r.view.error)).toBe('completed');

    const gens = fs
      .readFileSync(argvLog, 'utf8')
      .split('\n')
      .filter((l) => l.includes(' -p ') || l.includes('--prompt'));
    expect(gens).toHaveLength(2);
    expect(gens[0]).not.toContain('--vae-tiling');
    expect(gens[1]).toContain('--vae-tiling');
    expect(gens[1]).toContain('--offload-to-cpu');

    const ds = decisions(r.events);
    const retry = ds.find((d) => d.action === 'oom-retry');
    expect(retry).toMatchObject({
      nodeId: 't',
      attempt: 2,
      worker: 'sd',
      settings: {
        worker: 'sd',
        sd: { vaeTiling: true, vaeOnCpu: true, clipOnCpu: true, offloadToCpu: true },
      },
      error: { code: 'OUT_OF_MEMORY' },
    });
    expect(retry.error.message).toMatch(/ran out of memory/);
    expect(retry.message).toMatch(
      /^tiny-sd\.safetensors ran out of memory; retrying once with conservative settings/,
    );
    const outcome = ds.find((d) => d.action === 'oom-retry-outcome');
    expect(outcome).toMatchObject({ nodeId: 't', outcome: 'ok' });
    expect(outcome.seq).toBeGreaterThan(retry.seq);
    // The image records the argv of the attempt that produced it.
    const completed = r.events.find((e) => e.type === 'node.completed' && e.nodeId === 't');
    expect(JSON.stringify(completed.outputs.image.info.argv)).toContain('--vae-tiling');
    expect((await ts.http.get('/api/vram')).json.leases).toEqual([]);
  }, 60_000);

  it('a model that runs out of memory every time: exactly one retry, then the run fails with OUT_OF_MEMORY', async () => {
    fs.writeFileSync(argvLog, '');
    const r = await ts.run(graph('always-oom.safetensors', 12));
    expect(r.status).toBe('failed');
    expect(r.view.error.code).toBe('OUT_OF_MEMORY');
    const gens = fs
      .readFileSync(argvLog, 'utf8')
      .split('\n')
      .filter((l) => l.includes(' -p ') || l.includes('--prompt'));
    expect(gens).toHaveLength(2);
    const ds = decisions(r.events);
    expect(ds.filter((d) => d.action === 'oom-retry')).toHaveLength(1);
    expect(ds.find((d) => d.action === 'oom-retry-outcome')).toMatchObject({
      outcome: 'oom',
      message: expect.stringMatching(/failed too/),
    });
    const v = (await ts.http.get('/api/vram')).json;
    expect(v.leases).toEqual([]);
    expect(v.queue).toEqual([]);
  }, 60_000);
});
