/**
 * Leases under concurrency with real worker processes (issue 5 §4): with two runs executing at
 * once (maxConcurrentRuns 2) and SD jobs that each need 70 % of the budget, the two SD leases are
 * never held at the same time (checked on the arbiter's lease log: one shared grant/release
 * counter); 20 queued runs mixing llm-enhance and txt2img all complete, start in submission order
 * (FIFO), and leave no lease or waiter behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { GraphBuilder } from '../helpers/graph-builder';
import { SD_MODEL } from '../helpers/temp-home';
import {
  type ArbiterHome,
  arbiterHome,
  decisions,
  seededSdNeed,
  writeBudget,
} from './arbiter-calibrate';

const SIZE = 256;
let home: ArbiterHome;
let ts: TestStudio;
let sdNeed: number;
let budget: number;

interface LogEntry {
  holder: string;
  worker: string;
  bytes: number;
  grantedSeq: number;
  releasedSeq?: number;
  usedAfterGrant: number;
}

beforeAll(async () => {
  home = await arbiterHome();
  sdNeed = seededSdNeed(home, SIZE);
  budget = Math.ceil(sdNeed / 0.7);
  writeBudget(home, budget);
  ts = await startTestStudio({
    home,
    env: { MYSTI_LLM_THREADS: '1', MYSTI_MAX_CONCURRENT_RUNS: '2' },
  });
}, 60_000);
afterAll(async () => {
  await ts?.close();
  home?.cleanup();
});

const submit = async (graph: unknown): Promise<string> => {
  const r = await ts.http.post('/api/runs', { graph });
  expect(r.status).toBe(202);
  return r.json.runId as string;
};

function sdOnly(seed: number) {
  const g = new GraphBuilder('sd');
  const p = g.node('prompt', { text: `boat ${seed}` }, {}, 'p');
  g.node(
    'txt2img',
    { model: SD_MODEL, width: SIZE, height: SIZE, steps: 2, seed },
    { prompt: p.out('text') },
    't',
  );
  return g.finalize();
}

function mixed(seed: number) {
  const g = new GraphBuilder('mixed');
  const p = g.node('prompt', { text: `castle ${seed}` }, {}, 'p');
  const e = g.node(
    'llm-enhance',
    { model: 'stories260K.gguf', maxTokens: 4, seed },
    { prompt: p.out('text') },
    'e',
  );
  g.node(
    'txt2img',
    { model: SD_MODEL, width: SIZE, height: SIZE, steps: 2, seed },
    { prompt: e.out('text') },
    't',
  );
  return g.finalize();
}

const overlaps = (a: LogEntry, b: LogEntry) =>
  !(a.grantedSeq > b.releasedSeq! || b.grantedSeq > a.releasedSeq!);

describe('arbiter leases across concurrent runs', () => {
  it('two runs that each need 70 % of the budget never hold it at the same time', async () => {
    expect(ts.studio.config.maxConcurrentRuns).toBe(2);
    const ids = await Promise.all([submit(sdOnly(1)), submit(sdOnly(2))]);
    const results = await Promise.all(ids.map((id) => ts.waitRun(id, 60_000)));
    expect(results.map((r) => r.status)).toEqual(['completed', 'completed']);
    // Both runs were executing at once (the second did not just queue behind the first)…
    const started = results.map(
      (r) => r.events.find((e) => e.type === 'run.started').seq as number,
    );
    const ended = results.map(
      (r) => r.events.find((e) => e.type === 'run.completed').seq as number,
    );
    expect(Math.max(...started)).toBeLessThan(Math.min(...ended));
    // …so one of them had to wait for VRAM, and was told why.
    const waits = results.flatMap((r) => decisions(r.events)).filter((d) => d.action === 'wait');
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(waits[0].message).toMatch(
      /^tiny-sd\.safetensors is waiting for VRAM: run:.*\/node:t holds/,
    );
    const v = (await ts.http.get('/api/vram')).json;
    const sd = (v.leaseLog as LogEntry[]).filter((l) =>
      ids.some((id) => l.holder.startsWith(`run:${id}/`)),
    );
    expect(sd).toHaveLength(2);
    expect(sd.every((l) => l.releasedSeq !== undefined)).toBe(true);
    expect(overlaps(sd[0]!, sd[1]!)).toBe(false);
    expect(sd.every((l) => l.usedAfterGrant <= budget)).toBe(true);
  }, 90_000);

  it('20 queued runs mixing llm-enhance and txt2img all complete, FIFO, with no lease left behind', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) ids.push(await submit(i % 2 ? mixed(100 + i) : sdOnly(100 + i)));
    const results = await Promise.all(ids.map((id) => ts.waitRun(id, 240_000)));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill('completed'));
    const startedSeq = results.map(
      (r) => r.events.find((e) => e.type === 'run.started').seq as number,
    );
    expect(startedSeq).toEqual([...startedSeq].sort((a, b) => a - b));

    const v = (await ts.http.get('/api/vram')).json;
    expect(v.leases).toEqual([]);
    expect(v.queue).toEqual([]);
    const residentBytes = (v.resident as { bytes: number }[]).reduce((a, e) => a + e.bytes, 0);
    expect(v.usedBytes).toBe(residentBytes);
    const log = (v.leaseLog as LogEntry[]).filter((l) =>
      ids.some((id) => l.holder.startsWith(`run:${id}/`)),
    );
    expect(log).toHaveLength(30); // 20 txt2img + 10 llm-enhance
    expect(log.every((l) => l.releasedSeq !== undefined && l.usedAfterGrant <= budget)).toBe(true);
    const sdLeases = log.filter((l) => l.worker === 'sd');
    for (let i = 0; i < sdLeases.length; i++)
      for (let j = i + 1; j < sdLeases.length; j++)
        expect(overlaps(sdLeases[i]!, sdLeases[j]!)).toBe(false);
  }, 300_000);
});
