/**
 * Foundation benchmarks (issue 2 "Done when"; targets from anchors-performance.md §1, §11, §12):
 * - planning cost per node for a 500-node graph (load + validate + topological order), ≤ 10 µs;
 * - an unchanged rerun of that graph with no-op executors (every node from the persistent
 *   output cache, zero executed), ≤ 25 ms;
 * - dispatch overhead of one job to a real fake-worker process over the worker protocol, ≤ 1 ms p50.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { z } from 'zod';
import { defineNode, type NodeSpec } from '../../nodes/core/define-node';
import { loadGraph, validateGraph } from '../../nodes/core/validate';
import { topoSort } from '../../nodes/core/topo';
import type { GraphDoc } from '../../nodes/core/graph';
import { implement, type Implementation } from '../../runtime/engine/executor';
import { Store } from '../../runtime/store';
import { EventBus } from '../../runtime/engine/events';
import { RunQueue } from '../../runtime/engine/run-queue';
import { loadConfig } from '../../runtime/config';
import { createLogger } from '../../runtime/log';
import { WorkerClient } from '../../workers/protocol/client';
import { READY_PREFIX, TOKEN_ENV } from '../../workers/protocol/messages';
import { REPO_ROOT } from '../../runtime/workers/supervisor';
import { ports } from '../helpers/exec-context';
import { percentile, sampleAsync, sampleSync, since, type BenchRow } from './stats';

const noop = defineNode({
  type: 'noop',
  version: 1,
  title: 'No-op',
  category: 'text',
  description: 'Passes text through (benchmark only).',
  inputs: { a: { type: 'text', optional: true }, b: { type: 'text', optional: true } },
  outputs: { text: { type: 'text' } },
  params: z.object({ k: z.number().default(0) }),
  worker: null,
  cache: 'pure',
});

/** A layered DAG of `n` nodes: each node reads one or two nodes of the previous layer. */
function makeGraph(n: number, width = 10): GraphDoc {
  const nodes = Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    type: 'noop',
    position: { x: 0, y: 0 },
    params: { k: i },
  }));
  const edges: GraphDoc['edges'] = [];
  for (let i = width; i < n; i++) {
    edges.push({
      id: `a${i}`,
      source: `n${i - width}`,
      sourceHandle: 'text',
      target: `n${i}`,
      targetHandle: 'a',
    });
    if (i % 3 === 0)
      edges.push({
        id: `b${i}`,
        source: `n${i - width + 1}`,
        sourceHandle: 'text',
        target: `n${i}`,
        targetHandle: 'b',
      });
  }
  return { format: 'mysticanvas.graph', version: 1, name: `bench-${n}`, nodes, edges };
}

async function benchPlanning(n: number): Promise<BenchRow> {
  const catalog = new Map<string, NodeSpec>([['noop', noop]]);
  const raw = JSON.parse(JSON.stringify(makeGraph(n)));
  // 20 untimed rounds first: the JIT settles before anything counts.
  const samples = sampleSync(
    180,
    () => {
      const g = loadGraph(raw, catalog);
      if (!g.ok) throw new Error('bench graph invalid');
      if (validateGraph(g.graph, catalog).length) throw new Error('bench graph has issues');
      topoSort(
        g.graph.nodes.map((x) => x.id),
        g.graph.edges,
      );
    },
    { warmup: 20, unit: 'µs' },
  ).map((us) => us / n);
  const p50 = percentile(samples, 50);
  return {
    op: `plan ${n}-node graph (per node)`,
    n: samples.length,
    p50,
    p95: percentile(samples, 95),
    unit: 'µs',
    target: '≤ 10 µs',
    ok: p50 <= 10,
  };
}

/**
 * First run, then `rerunCount` timed unchanged reruns after 3 untimed ones (steady state, like the
 * other benches' warm-up), then one rerun on a freshly opened store (a restart).
 */
export async function benchRerun(n: number, rerunCount = 20): Promise<BenchRow[]> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-bench-'));
  const config = loadConfig({ MYSTI_HOME: home, MYSTI_MODELS: path.join(home, 'models') });
  for (const d of Object.values(config.paths)) fs.mkdirSync(d, { recursive: true });
  let executed = 0;
  const impl = implement(noop, async (_ctx, inputs, params) => {
    executed++;
    const a = inputs.a?.kind === 'text' ? inputs.a.text.length : 0;
    return { text: { kind: 'text', text: `${params.k}:${a}` } };
  });
  const rows: BenchRow[] = [];
  const benchPorts = ports();
  const open = () => {
    const store = Store.open(config.dbFile);
    const bus = new EventBus(store.events);
    const queue = new RunQueue({
      store,
      bus,
      config,
      logger: createLogger('silent'),
      catalog: new Map([['noop', noop as NodeSpec]]),
      executors: new Map([['noop', impl as unknown as Implementation]]),
      ports: benchPorts,
      call: () => Promise.reject(new Error('no workers in this bench')),
      resolveModel: () => {
        throw new Error('no models');
      },
      previewUrl: () => undefined,
    });
    return { store, queue };
  };
  const time = async (queue: RunQueue) => {
    const t0 = process.hrtime.bigint();
    queue.submit(makeGraph(n));
    await queue.idle();
    return since(t0, 'ms');
  };
  let { store, queue } = open();
  const first = await time(queue);
  rows.push({
    op: `first run ${n} no-op nodes`,
    n: 1,
    p50: first,
    p95: first,
    unit: 'ms',
    note: `${executed} executed`,
  });
  const reruns: number[] = [];
  executed = 0;
  for (let i = 0; i < 3; i++) await time(queue);
  for (let i = 0; i < rerunCount; i++) reruns.push(await time(queue));
  const p50 = percentile(reruns, 50);
  rows.push({
    op: `unchanged rerun ${n} nodes`,
    n: reruns.length,
    p50,
    p95: percentile(reruns, 95),
    unit: 'ms',
    target: '≤ 25 ms, 0 run',
    ok: p50 <= 25 && executed === 0,
    note: `${executed} executed`,
  });
  // After a restart: a fresh store on the same file still hits the persistent cache.
  store.close();
  ({ store, queue } = open());
  const after = await time(queue);
  rows.push({
    op: `rerun after restart ${n} nodes`,
    n: 1,
    p50: after,
    p95: after,
    unit: 'ms',
    target: '0 run',
    ok: executed === 0,
    note: `${executed} executed`,
  });
  store.close();
  fs.rmSync(home, { recursive: true, force: true });
  return rows;
}

async function benchDispatch(): Promise<BenchRow> {
  const token = randomBytes(32).toString('hex');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'workers/fake/main.ts')],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, [TOKEN_ENV]: token },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l.startsWith(READY_PREFIX)) resolve(JSON.parse(l.slice(READY_PREFIX.length)).port);
    });
    child.once('exit', () => reject(new Error('fake worker exited')));
  });
  const client = new WorkerClient('fake', `http://127.0.0.1:${port}`, token);
  // 100 untimed round trips first: connection set-up and JIT.
  const s = await sampleAsync(500, () => client.call('run', { mode: 'succeed' }), {
    warmup: 100,
    unit: 'ms',
  });
  child.kill('SIGKILL');
  const p50 = percentile(s, 50);
  return {
    op: 'dispatch to a fake worker (round trip)',
    n: s.length,
    p50,
    p95: percentile(s, 95),
    unit: 'ms',
    target: '≤ 1 ms p50',
    ok: p50 <= 1,
  };
}

/** All foundation rows. */
export async function benchRuntime(): Promise<BenchRow[]> {
  return [await benchPlanning(500), ...(await benchRerun(500)), await benchDispatch()];
}
