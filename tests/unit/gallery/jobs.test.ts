/**
 * The job queue and runner over real SQLite and real sharp: priorities, dedupe, backoff retries,
 * permanent failures, pausing while interactive work runs, resuming after a crash (a `running`
 * row left behind) or a shutdown (a job aborted by stop() is queued again), sliced rescans that
 * flag missing files, and a real WebP thumbnail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { memStore, addGen } from './helpers';
import { galleryStores } from '../../../runtime/store/gallery-stores';
import { JobRunner, type JobHandler } from '../../../runtime/jobs/runner';
import { PermanentJobError } from '../../../runtime/jobs/errors';
import { backoffMs } from '../../../runtime/store/jobs';
import { thumbHandler } from '../../../runtime/jobs/thumbs';
import { rescanHandler } from '../../../runtime/jobs/rescan';
import { createLogger } from '../../../runtime/log';
import { openDb } from '../../../runtime/store/db';

const logger = createLogger('silent');
const runners: JobRunner[] = [];
afterEach(async () => {
  for (const r of runners.splice(0)) await r.stop();
});
function runner(opts: ConstructorParameters<typeof JobRunner>[0]): JobRunner {
  const r = new JobRunner(opts);
  runners.push(r);
  return r;
}

describe('JobStore', () => {
  it('claims by priority, dedupes while waiting, backs off and gives up', () => {
    const { db } = memStore();
    const { jobs } = galleryStores(db);
    expect(jobs.enqueue({ kind: 'rescan', payload: {}, priority: 0 }, 1000)).toBe(true);
    expect(
      jobs.enqueue(
        {
          kind: 'thumb',
          payload: { generationId: 1 },
          dedupeKey: 'thumb:1',
          priority: 10,
          maxAttempts: 2,
        },
        1000,
      ),
    ).toBe(true);
    expect(
      jobs.enqueue(
        { kind: 'thumb', payload: { generationId: 1 }, dedupeKey: 'thumb:1', priority: 10 },
        1000,
      ),
    ).toBe(false);
    const j = jobs.claim(1000)!;
    expect(j.kind).toBe('thumb');
    expect(j.attempts).toBe(1);
    expect(jobs.fail(j, { code: 'X', message: 'boom' }, true, 1000)).toBe('queued');
    expect(jobs.get(j.id)!.runAfter).toBe(1000 + backoffMs(1));
    expect(jobs.claim(1000)!.kind).toBe('rescan'); // the thumb waits for its backoff
    const again = jobs.claim(1000 + backoffMs(1))!;
    expect(again.id).toBe(j.id);
    expect(jobs.fail(again, { code: 'X', message: 'boom' }, true, 5000)).toBe('failed');
    expect(jobs.get(j.id)!.error).toEqual({ code: 'X', message: 'boom' });
    // a failed job can be queued again by key
    expect(
      jobs.enqueue({ kind: 'thumb', payload: { generationId: 1 }, dedupeKey: 'thumb:1' }, 6000),
    ).toBe(true);
    expect(backoffMs(1)).toBe(2000);
    expect(backoffMs(4)).toBe(16000);
    expect(backoffMs(50)).toBe(600_000);
  });
});

describe('JobRunner', () => {
  it('retries with backoff until the handler succeeds, and stops on a permanent error', async () => {
    const { db } = memStore();
    const { jobs } = galleryStores(db);
    let calls = 0;
    const flaky: JobHandler = async () => {
      calls++;
      if (calls < 3) throw new Error('transient');
    };
    const bad: JobHandler = async () => {
      throw new PermanentJobError('FILE_MISSING', 'gone');
    };
    const r = runner({ jobs, handlers: { flaky, bad }, logger, backoffBaseMs: 5, pollMs: 5 });
    jobs.enqueue({ kind: 'flaky', payload: {}, dedupeKey: 'f' });
    jobs.enqueue({ kind: 'bad', payload: {}, dedupeKey: 'b' });
    r.start();
    for (let k = 0; k < 200 && (jobs.byKey('f') || jobs.byKey('b')?.status !== 'failed'); k++)
      await new Promise((x) => setTimeout(x, 10));
    expect(calls).toBe(3);
    expect(jobs.byKey('f')).toBeUndefined(); // done jobs are deleted
    expect(jobs.byKey('b')).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'FILE_MISSING' },
    });
  });

  it('waits while interactive work runs, and resumes jobs a crash left running', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-jobs-')), 'db.sqlite');
    const db1 = openDb(file);
    galleryStores(db1).jobs.enqueue({ kind: 'work', payload: {}, dedupeKey: 'w' });
    galleryStores(db1).jobs.claim(); // "crash" while running
    db1.close();

    const db = openDb(file);
    const { jobs } = galleryStores(db);
    expect(jobs.byKey('w')!.status).toBe('running');
    let busy = true;
    let ran = 0;
    const r = runner({
      jobs,
      handlers: { work: async () => void ran++ },
      logger,
      busy: () => busy,
      pollMs: 10,
    });
    expect(r.start()).toBe(1);
    await new Promise((x) => setTimeout(x, 60));
    expect(ran).toBe(0);
    busy = false;
    await new Promise((x) => setTimeout(x, 60));
    await r.idle();
    expect(ran).toBe(1);
    expect(jobs.byKey('w')).toBeUndefined();
  });

  it('puts a job interrupted by stop() back in the queue without counting the attempt', async () => {
    const { db } = memStore();
    const { jobs } = galleryStores(db);
    let started = false;
    const slow: JobHandler = (_job, signal) =>
      new Promise((_resolve, reject) => {
        started = true;
        signal.addEventListener('abort', () => reject(new Error('aborted')));
      });
    const r = new JobRunner({ jobs, handlers: { slow }, logger, pollMs: 5 });
    jobs.enqueue({ kind: 'slow', payload: {}, dedupeKey: 's', maxAttempts: 1 });
    r.start();
    for (let k = 0; k < 100 && !started; k++) await new Promise((x) => setTimeout(x, 5));
    expect(jobs.byKey('s')).toMatchObject({ status: 'running', attempts: 1 });
    await r.stop();
    expect(jobs.byKey('s')).toMatchObject({ status: 'queued', attempts: 0, error: null });
  });
});

describe('handlers', () => {
  it('thumb: a 256 px WebP registered as role thumb; a missing file flags the generation', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-thumb-'));
    fs.mkdirSync(path.join(home, 'outputs'));
    await sharp({ create: { width: 1024, height: 768, channels: 3, background: '#3366aa' } })
      .png()
      .toFile(path.join(home, 'outputs/a.png'));
    const { store } = memStore();
    const g = galleryStores(store.db);
    const ok = addGen(store, { createdAt: 1, filePath: 'outputs/a.png' });
    const gone = addGen(store, { createdAt: 2, filePath: 'outputs/missing.png' });
    const h = thumbHandler(g, { home });
    await h(
      { id: 1, kind: 'thumb', payload: { generationId: ok.id } } as never,
      new AbortController().signal,
    );
    const t = g.files.get(ok.id, 'thumb')!;
    const meta = await sharp(path.join(home, t.path)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 256, 192]);
    await expect(
      h(
        { id: 2, kind: 'thumb', payload: { generationId: gone.id } } as never,
        new AbortController().signal,
      ),
    ).rejects.toMatchObject({ code: 'FILE_MISSING' });
    expect(store.generations.byUuid(gone.uuid)!.missing).toBe(true);
  });

  it('rescan: slices through every generation, flags missing, clears returned files, queues thumbs', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-rescan-'));
    const { store } = memStore();
    const g = galleryStores(store.db);
    const ids = Array.from({ length: 7 }, (_, k) => {
      if (k % 2 === 0) fs.writeFileSync(path.join(home, `f${k}.png`), 'x');
      return addGen(store, { createdAt: k, filePath: `f${k}.png` });
    });
    g.library.setMissing(ids[0]!.id, true); // file is back: the flag must clear
    const progress: unknown[] = [];
    const h = rescanHandler(g, { home }, (p) => progress.push(p));
    let payload: Record<string, unknown> = { batch: 3 };
    for (let k = 0; k < 10; k++) {
      const out = await h(
        { id: 1, kind: 'rescan', payload } as never,
        new AbortController().signal,
      );
      if (!out) break;
      payload = out.again;
    }
    expect(progress.at(-1)).toEqual({ checked: 7, missing: 3, thumbsQueued: 4, done: true });
    expect(ids.map((x) => store.generations.byUuid(x.uuid)!.missing)).toEqual([
      false,
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(g.jobs.counts().thumb).toEqual({ queued: 4 });
  });
});
