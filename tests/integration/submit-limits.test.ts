/**
 * Issue 18 #10 on a real studio: the queue cap answers 429 with `Retry-After` and the error
 * shape, nothing written for the refused run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { makeTempHome } from '../helpers/temp-home';
import { txt2imgChain } from '../helpers/graph-builder';

describe('queue cap (issue 18 #10)', () => {
  let s: TestStudio;
  beforeAll(async () => {
    const home = makeTempHome();
    fs.writeFileSync(path.join(home.home, 'config.json'), JSON.stringify({ maxQueuedRuns: 3 }));
    s = await startTestStudio({ home, stepMs: 150 });
  });
  afterAll(async () => {
    await s?.close();
    s?.home.cleanup();
  });

  it('the queue cap answers 429 with Retry-After and the error shape; the queue drains after', async () => {
    const ids: string[] = [];
    // 1 running + 3 queued fill the queue (each run differs so none is served from the cache).
    for (let i = 0; i < 4; i++) {
      const r = await s.http.post('/api/runs', {
        graph: txt2imgChain({ text: `cap ${i}`, steps: 10 }).finalize(),
      });
      expect(r.status, r.text).toBe(202);
      ids.push(r.json.runId);
    }
    const before = s.studio.store.runs.list(1000).length;
    const refused = await s.http.post('/api/runs', {
      graph: txt2imgChain({ text: 'one too many' }).finalize(),
    });
    expect(refused.status).toBe(429);
    expect(Object.keys(refused.json)).toEqual(['error']);
    expect(refused.json.error.code).toBe('QUEUE_FULL');
    expect(refused.json.error.message).toMatch(/3/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(s.studio.store.runs.list(1000).length).toBe(before);
    for (const id of ids) s.studio.queue.cancel(id);
    await s.studio.queue.idle();
    const ok = await s.http.post('/api/runs', {
      graph: txt2imgChain({ text: 'after the cap' }).finalize(),
    });
    expect(ok.status).toBe(202);
  }, 60_000);
});
