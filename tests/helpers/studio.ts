/**
 * Starts a real studio for integration tests: a temp (or given) MYSTI_HOME, port 0 on 127.0.0.1,
 * real SQLite, the real sd worker process driving the sd.cpp stand-in. Gives an HTTP client and
 * ComfyUI-style run results (which nodes ran, which were cached — tests/execution/test_execution.py).
 */
import { loadConfig } from '../../runtime/config';
import { createLogger, type Logger } from '../../runtime/log';
import {
  defaultWorkers,
  startStudio,
  type RunningStudio,
  type StartOptions,
} from '../../runtime/main';
import type { WorkerSpec } from '../../runtime/workers/supervisor';
import type { GraphDoc } from '../../nodes/core/graph';
import { client, type Client } from './http';
import { makeTempHome, type TempHome } from './temp-home';

export interface TestStudio {
  studio: RunningStudio;
  home: TempHome;
  port: number;
  http: Client;
  /** Submits a graph over HTTP and waits for its end; throws when the submit is refused. */
  /** Submits and waits (default 20 s; real-engine tests on a busy machine pass more). */
  run(
    graph: GraphDoc | { graphId: string },
    overrides?: Record<string, unknown>,
    timeoutMs?: number,
  ): Promise<RunResult>;
  /** Waits until run `id` reaches a final status (polling GET /api/runs/:id). */
  waitRun(id: string, timeoutMs?: number): Promise<RunResult>;
  close(): Promise<void>;
}

export interface TestStudioOptions {
  /** Reuse a home (restart tests); otherwise a fresh temp home is made and removed on close. */
  home?: TempHome;
  /** Stand-in sampling step time (ms); small keeps runs fast. */
  stepMs?: number;
  /** Extra environment for the sd worker (SDCPP_STANDIN_FAULT, …). */
  sdEnv?: Record<string, string>;
  /** Replace worker entries (e.g. a worker that dies at start-up). */
  workers?: Record<string, WorkerSpec>;
  supervisor?: StartOptions['supervisor'];
  /** Extra config environment (MYSTI_* variables). */
  env?: Record<string, string>;
  /** A logger of the test's own (e.g. one collecting lines to assert on); default silent. */
  logger?: Logger;
}

export const FINAL = new Set(['completed', 'failed', 'cancelled', 'interrupted']);

/** What a finished run did, from its persisted events and GET /api/runs/:id. */
export class RunResult {
  constructor(
    readonly id: string,
    readonly view: any,
    readonly events: any[],
  ) {}
  get status(): string {
    return this.view.status;
  }
  /** True when the node executed (node.started) in this run. */
  didRun(nodeId: string): boolean {
    return this.events.some((e) => e.type === 'node.started' && e.nodeId === nodeId);
  }
  /** True when the node's outputs came from the cache (node.cached). */
  wasCached(nodeId: string): boolean {
    return this.events.some((e) => e.type === 'node.cached' && e.nodeId === nodeId);
  }
  /** Node ids that executed, sorted. */
  ran(): string[] {
    return this.events
      .filter((e) => e.type === 'node.started')
      .map((e) => e.nodeId as string)
      .sort();
  }
  cached(): string[] {
    return this.events
      .filter((e) => e.type === 'node.cached')
      .map((e) => e.nodeId as string)
      .sort();
  }
}

/** Starts a studio as described above. */
export async function startTestStudio(o: TestStudioOptions = {}): Promise<TestStudio> {
  const home = o.home ?? makeTempHome();
  const config = loadConfig({ ...home.env, ...o.env });
  const workers = o.workers ?? defaultWorkers(config);
  if (!o.workers)
    workers.sd = {
      ...workers.sd!,
      env: { ...workers.sd!.env, SDCPP_STANDIN_STEP_MS: String(o.stepMs ?? 2), ...o.sdEnv },
    };
  const studio = await startStudio({
    config,
    logger: o.logger ?? createLogger(process.env.MYSTI_TEST_LOG ?? 'silent'),
    workers,
    supervisor: { healthIntervalMs: 0, backoffMs: 50, ...o.supervisor },
  });
  const http = client(studio.port);

  const waitRun = async (id: string, timeoutMs = 20_000): Promise<RunResult> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await http.get(`/api/runs/${id}`);
      if (r.status !== 200) throw new Error(`GET /api/runs/${id} → ${r.status} ${r.text}`);
      if (FINAL.has(r.json.status)) {
        const ev = await http.get(`/api/runs/${id}/events`);
        return new RunResult(id, r.json, ev.json.events);
      }
      if (Date.now() > until)
        throw new Error(`run ${id} still ${r.json.status} after ${timeoutMs} ms`);
      await new Promise((res) => setTimeout(res, 20));
    }
  };

  return {
    studio,
    home,
    port: studio.port,
    http,
    waitRun,
    async run(graph, overrides, timeoutMs) {
      const body =
        'graphId' in graph ? { graphId: graph.graphId, overrides } : { graph, overrides };
      const r = await http.post('/api/runs', body);
      if (r.status !== 202) throw new Error(`POST /api/runs → ${r.status} ${r.text}`);
      return waitRun(r.json.runId, timeoutMs);
    },
    async close() {
      await studio.close();
      if (!o.home) home.cleanup();
    },
  };
}
