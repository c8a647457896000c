/**
 * Worker faults (anchors-reliability.md §7.2 F1, F4) on a real studio and real worker processes:
 * a worker SIGKILLed mid-node fails the node with WORKER_CRASHED within 2 s and the supervisor
 * restarts it for the next run; a worker that dies at start-up trips the crash-loop breaker
 * (WORKER_UNAVAILABLE, fast) and raises a system.alert.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';
import { isAlive, sdStandins, waitFor } from '../helpers/procs';

describe('worker killed mid-node', () => {
  let s: TestStudio;
  const standins = () => sdStandins(s.home.home);

  beforeAll(async () => {
    s = await startTestStudio({ stepMs: 100 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('fails the node with WORKER_CRASHED within 2 s; the next run succeeds on a restarted worker', async () => {
    const sub = await s.http.post('/api/runs', {
      graph: txt2imgChain({ text: 'worker dies', steps: 60 }).finalize(),
    });
    const runId = sub.json.runId as string;
    await waitFor(() => standins().length > 0, 15_000, 'the sd.cpp stand-in to start');
    await new Promise((r) => setTimeout(r, 200));
    const workerPid = s.studio.supervisor.status().sd!.pid!;
    expect(isAlive(workerPid)).toBe(true);

    const t0 = Date.now();
    process.kill(workerPid, 'SIGKILL');
    const run = await s.waitRun(runId, 5_000);
    const elapsed = Date.now() - t0;
    expect(run.status).toBe('failed');
    expect(elapsed).toBeLessThan(2_000);
    expect(run.view.nodes.gen.status).toBe('failed');
    expect(run.view.nodes.gen.error.code).toBe('WORKER_CRASHED');
    expect(run.view.error).toMatchObject({ code: 'WORKER_CRASHED', details: { nodeId: 'gen' } });
    expect(run.events.find((e) => e.type === 'node.failed')).toMatchObject({
      nodeId: 'gen',
      error: { code: 'WORKER_CRASHED' },
    });
    expect(run.didRun('save')).toBe(false);

    const alerts = s.studio.bus.since(0).filter((e) => e.type === 'system.alert');
    expect(alerts.at(-1)).toMatchObject({ worker: 'sd', code: 'WORKER_CRASHED' });
    // The engine process the dead worker had started must not live on holding memory.
    await waitFor(() => standins().length === 0, 2_000, 'the orphaned sd.cpp process to be gone');

    const next = await s.run(txt2imgChain({ text: 'after the crash', steps: 2 }).finalize());
    expect(next.status).toBe('completed');
    const newPid = s.studio.supervisor.status().sd!.pid!;
    expect(newPid).not.toBe(workerPid);
    expect((await s.http.get('/api/health')).json.workers.sd.state).toBe('ready');
  });
});

describe('crash loop', () => {
  let s: TestStudio;
  afterEach(async () => {
    await s?.close();
  });

  it('a worker that dies at start-up trips the breaker: WORKER_UNAVAILABLE, fast, with a system.alert', async () => {
    s = await startTestStudio({
      workers: {
        sd: { entry: 'tests/helpers/crash-worker.ts' },
        llm: { entry: 'tests/helpers/crash-worker.ts' },
      },
      supervisor: { backoffMs: 10, maxCrashes: 3 },
    });
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await s.run(txt2imgChain({ text: `crash loop ${i}` }).finalize());
      expect(r.status).toBe('failed');
      codes.push(r.view.nodes.gen.error.code);
    }
    expect(codes).toEqual(['WORKER_START_FAILED', 'WORKER_START_FAILED', 'WORKER_START_FAILED']);
    expect(s.studio.supervisor.status().sd!.state).toBe('broken');

    const t0 = Date.now();
    const broken = await s.run(txt2imgChain({ text: 'crash loop, breaker open' }).finalize());
    expect(broken.status).toBe('failed');
    expect(broken.view.nodes.gen.error.code).toBe('WORKER_UNAVAILABLE');
    expect(broken.view.nodes.gen.error.message).toMatch(/paused/);
    expect(Date.now() - t0).toBeLessThan(1_000);

    const events = s.studio.bus.since(0);
    expect(
      events.filter((e) => e.type === 'system.alert' && e.code === 'WORKER_CRASH_LOOP'),
    ).toHaveLength(1);
    expect(
      events.some((e) => e.type === 'worker.status' && e.worker === 'sd' && e.state === 'broken'),
    ).toBe(true);
    const health = await s.http.get('/api/health');
    expect(health.status).toBe(200);
    expect(health.json.workers.sd).toMatchObject({ state: 'broken', crashes: 3 });
  });
});
