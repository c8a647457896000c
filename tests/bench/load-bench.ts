/**
 * Load bench (issue 18 "Done when"): `mysti serve` as its own process on a temp data folder with
 * the sd.cpp stand-in; 50 WebSocket clients listen on /ws while 20 HTTP clients each submit
 * `rounds` cheap graphs (prompt → txt2img 64×64, 1 step, distinct seeds so nothing is cached) as
 * fast as the studio answers. Reports accepted (202), refused (429; the queue cap), other answers,
 * completed, lost (accepted but never final, or a final event some WebSocket client missed: must
 * be 0), submit latency and submit → run.completed latency p50/p95, and the runtime's RSS after a
 * warm-up and after the load (VmRSS of the serving process, proc(5)).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { client } from '../helpers/http';
import { connectWs, type WsClient } from '../helpers/ws';
import { GraphBuilder } from '../helpers/graph-builder';
import { makeTempHome, REPO_ROOT, SD_MODEL } from '../helpers/temp-home';
import { killMatching } from '../helpers/procs';
import { percentile, type BenchRow } from './stats';

const FINAL = new Set(['run.completed', 'run.failed', 'run.cancelled', 'run.interrupted']);

function cheapGraph(seed: number) {
  const g = new GraphBuilder();
  const p = g.node('prompt', { text: `load ${seed}` }, {}, 'prompt');
  g.node(
    'txt2img',
    { model: SD_MODEL, width: 64, height: 64, steps: 1, seed },
    { prompt: p.out('text') },
    'gen',
  );
  return g.finalize();
}

function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Runs the bench; `clients` HTTP clients × `rounds` submissions, `sockets` WebSocket listeners. */
export async function benchLoad(
  o: { clients?: number; rounds?: number; sockets?: number } = {},
): Promise<BenchRow[]> {
  const clients = o.clients ?? 20;
  const rounds = o.rounds ?? 3;
  const sockets = o.sockets ?? 50;
  const home = makeTempHome({ prefix: 'mysti-load-' });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'runtime/cli.ts'), 'serve'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...home.env, SDCPP_STANDIN_STEP_MS: '1', MYSTI_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const wss: WsClient[] = [];
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let err = '';
      child.stderr!.on('data', (d) => {
        err += d;
        const m = /open http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
        if (m) resolve(Number(m[1]));
      });
      child.once('exit', (code) =>
        reject(new Error(`mysti serve exited (${code}): ${err.slice(-500)}`)),
      );
    });
    const http = client(port);
    const waitFinal = async (id: string, timeoutMs = 120_000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const r = await http.get(`/api/runs/${id}`);
        if (['completed', 'failed', 'cancelled', 'interrupted'].includes(r.json.status))
          return r.json.status as string;
        if (Date.now() > until) return 'timeout';
        await new Promise((res) => setTimeout(res, 50));
      }
    };
    // Warm-up: worker start, JIT, first sd-cli spawns.
    for (let i = 0; i < 3; i++) {
      const r = await http.post('/api/runs', { graph: cheapGraph(1_000_000 + i) });
      if (r.status !== 202) throw new Error(`warm-up submit → ${r.status} ${r.text}`);
      if ((await waitFinal(r.json.runId)) !== 'completed')
        throw new Error('warm-up run did not complete');
    }
    const rssWarm = rssMb(child.pid!);

    for (let i = 0; i < sockets; i++) wss.push(await connectWs(port));
    const submittedAt = new Map<string, number>();
    const finalAt = new Map<string, { type: string; t: number }>();
    // Latency is measured on the first socket; every socket must see every final event.
    wss[0]!.socket.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (FINAL.has(m.type) && m.runId && !finalAt.has(m.runId))
        finalAt.set(m.runId, { type: m.type, t: performance.now() });
    });

    let accepted = 0;
    let refused = 0;
    let other = 0;
    const submitMs: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let r = 0; r < rounds; r++) {
          const s = performance.now();
          const res = await http.post('/api/runs', { graph: cheapGraph(c * 1000 + r) });
          submitMs.push(performance.now() - s);
          if (res.status === 202) {
            accepted++;
            submittedAt.set(res.json.runId, s);
          } else if (res.status === 429) refused++;
          else other++;
        }
      }),
    );
    const statuses = await Promise.all([...submittedAt.keys()].map((id) => waitFinal(id)));
    const wallS = (performance.now() - t0) / 1000;
    await new Promise((res) => setTimeout(res, 300)); // the last events in flight
    const completed = statuses.filter((s) => s === 'completed').length;
    const failed = statuses.filter((s) => s !== 'completed' && s !== 'timeout').length;
    const neverFinal = statuses.filter((s) => s === 'timeout').length;
    const ids = [...submittedAt.keys()];
    const missedBySockets = wss.reduce(
      (n, w) =>
        n + ids.filter((id) => !w.messages.some((m) => FINAL.has(m.type) && m.runId === id)).length,
      0,
    );
    const lost = neverFinal + missedBySockets;
    const e2e = ids.flatMap((id) =>
      finalAt.has(id) ? [finalAt.get(id)!.t - submittedAt.get(id)!] : [],
    );
    const rssAfter = rssMb(child.pid!);
    const note = `accepted ${accepted}, refused(429) ${refused}, other ${other}, completed ${completed}, failed ${failed}, lost ${lost} (never final ${neverFinal}, missed by ws ${missedBySockets}); ${clients} clients × ${rounds}, ${sockets} ws, ${wallS.toFixed(1)} s`;
    return [
      {
        op: `submit POST /api/runs (${clients} clients)`,
        n: submitMs.length,
        p50: percentile(submitMs, 50),
        p95: percentile(submitMs, 95),
        unit: 'ms',
        note,
      },
      {
        op: 'submit → run.completed on /ws',
        n: e2e.length,
        p50: percentile(e2e, 50),
        p95: percentile(e2e, 95),
        unit: 'ms',
        target: 'lost = 0',
        ok: lost === 0 && other === 0,
      },
      {
        op: 'runtime RSS after warm-up / after load',
        n: 1,
        p50: rssWarm,
        p95: rssAfter,
        unit: 'MiB',
        note: 'p50 column = after warm-up, p95 column = after the load',
      },
    ];
  } finally {
    await Promise.all(wss.map((w) => w.close().catch(() => {})));
    child.kill('SIGTERM');
    await new Promise((r) =>
      child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r),
    );
    killMatching(home.home);
    home.cleanup();
  }
}
