/**
 * Auto-tagging through the real LLM (issue 8): a studio with `autoTag: {model: 'stories260K.gguf'}`
 * in config.json, the real llm worker process (node-llama-cpp, 1 thread) and the sd.cpp stand-in.
 *
 * - saving an image queues an `autotag` job that stores normalized, schema-valid tags with source
 *   `llm_auto` and a confidence;
 * - the job waits while interactive runs are queued or running (it finishes only after them);
 * - while the llm worker cannot start the job retries with backoff (the row keeps attempts, error
 *   and a later run_after), and the queued job survives a restart and succeeds with the real worker.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { loadConfig } from '../../runtime/config';
import { defaultWorkers } from '../../runtime/main';
import type { WorkerSpec } from '../../runtime/workers/supervisor';
import { makeTempHome, TINY_GGUF, type TempHome } from '../helpers/temp-home';
import { normalizeTagName } from '../../runtime/llm/tags';
import { mergeLlmConfig } from '../../runtime/llm/defaults';
import type { GalleryJobs } from '../../runtime/jobs';
import type { MystiEvent } from '../../runtime/engine/events';
import type { GraphDoc } from '../../nodes/core/graph';

const MODEL = path.basename(TINY_GGUF);

const graph = (prompt: string, steps: number): GraphDoc =>
  ({
    format: 'mysticanvas.graph',
    version: 1,
    name: 'autotag',
    nodes: [
      { id: 'prompt', type: 'prompt', position: { x: 0, y: 0 }, params: { text: prompt } },
      {
        id: 'gen',
        type: 'txt2img',
        position: { x: 300, y: 0 },
        params: { model: 'tiny-sd.safetensors', width: 64, height: 64, steps, seed: 3 },
      },
      {
        id: 'save',
        type: 'save',
        position: { x: 600, y: 0 },
        params: { filenamePrefix: 'tagged' },
      },
    ],
    edges: [
      { id: 'e1', source: 'prompt', sourceHandle: 'text', target: 'gen', targetHandle: 'prompt' },
      { id: 'e2', source: 'gen', sourceHandle: 'image', target: 'save', targetHandle: 'image' },
    ],
  }) as GraphDoc;

/** A home whose config.json turns auto-tagging on, with the real GGUF in its model folder. */
function homeWithAutoTag(): TempHome {
  const home = makeTempHome({ prefix: 'mysti-autotag-', gguf: true });
  fs.writeFileSync(
    path.join(home.home, 'config.json'),
    JSON.stringify({ autoTag: { model: MODEL, maxTags: 4 } }),
  );
  return home;
}

const ENV = { MYSTI_LLM_THREADS: '1' };

async function until<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  ms: number,
  what: string,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const jobsOf = (t: TestStudio) => t.studio.services.galleryJobs as GalleryJobs;

let studios: TestStudio[] = [];
let homes: TempHome[] = [];
afterEach(async () => {
  for (const s of studios.splice(0)) await s.close();
  for (const h of homes.splice(0)) h.cleanup();
});

/**
 * A studio on `home`. `crashingLlm`: the llm worker entry is tests/helpers/crash-worker.ts, which
 * dies before its ready line — every tag call fails with an operational (retryable) error.
 */
async function start(
  home: TempHome,
  o: { stepMs?: number; crashingLlm?: boolean } = {},
): Promise<TestStudio> {
  let workers: Record<string, WorkerSpec> | undefined;
  if (o.crashingLlm) {
    workers = defaultWorkers(loadConfig({ ...home.env, ...ENV }));
    workers.sd = { ...workers.sd!, env: { ...workers.sd!.env, SDCPP_STANDIN_STEP_MS: '2' } };
    workers.llm = { entry: 'tests/helpers/crash-worker.ts' };
  }
  const t = await startTestStudio({
    home,
    env: ENV,
    stepMs: o.stepMs ?? 2,
    ...(workers ? { workers } : {}),
  });
  studios.push(t);
  return t;
}

describe('auto-tagging with the real LLM', () => {
  it('tags a saved image (llm_auto, normalized, schema-valid) only after the interactive runs queued with it', async () => {
    const home = homeWithAutoTag();
    homes.push(home);
    const t = await start(home, { stepMs: 25 });
    const seen: {
      type: string;
      at: number;
      runId?: string;
      status?: unknown;
      generationId?: unknown;
    }[] = [];
    t.studio.bus.on((e: MystiEvent) => {
      if (e.type === 'run.completed' || (e.type === 'job.progress' && e.kind === 'autotag')) {
        seen.push({
          type: e.type,
          at: performance.now(),
          runId: e.runId,
          status: e.status,
          generationId: e.generationId,
        });
      }
    });

    // A saves an image; B (40 steps × 25 ms) is queued behind it, so A's tagging must wait for B.
    const a = await t.http.post('/api/runs', { graph: graph('a red fox sleeping in the snow', 2) });
    const b = await t.http.post('/api/runs', { graph: graph('a castle on a hill', 40) });
    expect([a.status, b.status]).toEqual([202, 202]);
    const ra = await t.waitRun(a.json.runId);
    expect(ra.status).toBe('completed');
    const gen = (await t.http.get('/api/generations')).json.items.find((i: { prompt: string }) =>
      i.prompt.startsWith('a red fox'),
    );
    expect(gen).toBeDefined();
    const key = `autotag:${gen.id}`;
    // While B runs the job exists and waits.
    const waiting = jobsOf(t).stores.jobs.byKey(key);
    expect(waiting?.status).toBe('queued');
    expect(waiting!.priority).toBeLessThan(
      jobsOf(t).stores.jobs.byKey(`thumb:${gen.id}`)?.priority ?? 10,
    );
    expect((await t.waitRun(b.json.runId, 30_000)).status).toBe('completed');

    const tags = await until(
      async () => {
        const d = (await t.http.get(`/api/generations/${gen.uuid}`)).json;
        const auto = d.tags.filter((x: { source: string }) => x.source === 'llm_auto');
        return auto.length
          ? (auto as { name: string; category: string; source: string; confidence: number }[])
          : undefined;
      },
      60_000,
      'llm_auto tags',
    );

    const { taxonomy } = mergeLlmConfig(t.studio.config.llm);
    const storedTag = z.object({
      name: z
        .string()
        .min(1)
        .refine((n) => normalizeTagName(n) === n, 'normalized'),
      category: z.enum(taxonomy as [string, ...string[]]),
      source: z.literal('llm_auto'),
      confidence: z.number().min(0).max(1),
    });
    for (const tag of tags) expect(storedTag.safeParse(tag).error?.issues ?? []).toEqual([]);
    expect(tags.length).toBeLessThanOrEqual(4);
    expect(new Set(tags.map((x) => x.name)).size).toBe(tags.length);
    // Tag names are searchable right away (FTS trigger on image_tags).
    const hits = (await t.http.get(`/api/generations?q=${encodeURIComponent(tags[0]!.name)}`)).json
      .items;
    expect(hits.map((i: { id: number }) => i.id)).toContain(gen.id);

    // Order: B completed before A's autotag job finished; the done job's row is gone.
    const bDone = seen.find((e) => e.type === 'run.completed' && e.runId === b.json.runId);
    const tagDone = seen.find(
      (e) => e.type === 'job.progress' && e.generationId === gen.id && e.status === 'done',
    );
    expect(bDone).toBeDefined();
    expect(tagDone).toBeDefined();
    expect(tagDone!.at).toBeGreaterThan(bDone!.at);
    expect(jobsOf(t).stores.jobs.byKey(key)).toBeUndefined();
  }, 120_000);

  it('retries with backoff while the LLM worker cannot start; the queued job survives a restart and then succeeds', async () => {
    const home = homeWithAutoTag();
    homes.push(home);
    const t1 = await start(home, { crashingLlm: true });
    expect((await t1.run(graph('an old lighthouse in a storm', 2))).status).toBe('completed');
    const gen = (await t1.http.get('/api/generations')).json.items[0];
    const key = `autotag:${gen.id}`;
    const failed = await until(
      () => {
        const j = jobsOf(t1).stores.jobs.byKey(key);
        return j && j.attempts >= 1 && j.status === 'queued' && j.error ? j : undefined;
      },
      60_000,
      'a failed attempt back in the queue',
    );
    expect(failed.error!.code).toMatch(/^WORKER_/);
    // Backoff: the retry waits (2 s after the first failure, doubling).
    expect(failed.runAfter).toBeGreaterThan(Date.now() - 500);
    const row = t1.studio.store.db
      .prepare('SELECT updated_at FROM jobs WHERE dedupe_key = ?')
      .get(key) as { updated_at: number };
    expect(failed.runAfter - row.updated_at).toBeGreaterThanOrEqual(
      2000 * 2 ** (failed.attempts - 1) - 5,
    );
    expect(
      ((await t1.http.get(`/api/generations/${gen.uuid}`)).json.tags as unknown[]).length,
    ).toBe(0);
    await t1.close();
    studios = studios.filter((s) => s !== t1);

    // Restart with the real llm worker: the job row is still there and runs.
    const t2 = await start(home);
    const before = jobsOf(t2).stores.jobs.byKey(key);
    expect(before).toMatchObject({ id: failed.id, kind: 'autotag' });
    const tags = await until(
      async () => {
        const auto = (
          (await t2.http.get(`/api/generations/${gen.uuid}`)).json.tags as {
            source: string;
            confidence: number;
          }[]
        ).filter((x) => x.source === 'llm_auto');
        return auto.length ? auto : undefined;
      },
      60_000,
      'tags after the restart',
    );
    expect(tags.every((x) => x.confidence >= 0 && x.confidence <= 1)).toBe(true);
    await until(
      () => (jobsOf(t2).stores.jobs.byKey(key) ? undefined : true),
      10_000,
      'the job to be done',
    );
  }, 150_000);
});
