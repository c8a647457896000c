/**
 * Runs and their per-node state (`runs`, `run_nodes`). A run row is written before it is queued
 * so a restart finds it (design.md §5: queued runs survive; running ones become `interrupted`).
 */
import type { Db } from './db';
import type { WireError } from '../errors';
import type { RunStatus } from '../../wire/api';
import { writePoint } from '../fs/write-points';

/** Declared in wire/api.ts (the API answers with it). */
export type { RunStatus };
export type NodeStatus =
  | 'pending'
  | 'queued'
  | 'running'
  | 'cached'
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'skipped'
  | 'interrupted';

export interface RunRow {
  id: string;
  seq: number;
  graphId: string | null;
  graph: unknown;
  status: RunStatus;
  error: { code: string; message: string; details?: unknown } | null;
  rerunOf: string | null;
  currentNode: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface RunNodeRow {
  nodeId: string;
  type: string;
  status: NodeStatus;
  cacheKey: string | null;
  params: Record<string, unknown> | null;
  outputs: Record<string, string> | null;
  error: { code: string; message: string; details?: unknown } | null;
  startedAt: number | null;
  finishedAt: number | null;
}

interface RawRun {
  id: string;
  seq: number;
  graph_id: string | null;
  graph_json: string;
  status: RunStatus;
  error_json: string | null;
  rerun_of: string | null;
  current_node: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}
interface RawNode {
  node_id: string;
  type: string;
  status: NodeStatus;
  cache_key: string | null;
  params_json: string | null;
  outputs_json: string | null;
  error_json: string | null;
  started_at: number | null;
  finished_at: number | null;
}

/** Status of a node that never started, by the run's status. */
const NOT_STARTED: Record<RunStatus, NodeStatus> = {
  queued: 'pending',
  running: 'pending',
  completed: 'skipped',
  failed: 'skipped',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

const parse = <T>(s: string | null): T | null => (s == null ? null : (JSON.parse(s) as T));

/**
 * A run row; `graph` is parsed from graph_json on first read (then kept): most readers only want
 * the status or ids, and parsing a 10,000-node graph costs milliseconds.
 */
const toRun = (r: RawRun): RunRow => {
  let graph: unknown;
  const row = {
    id: r.id,
    seq: r.seq,
    graphId: r.graph_id,
    get graph(): unknown {
      return (graph ??= JSON.parse(r.graph_json));
    },
    status: r.status,
    error: parse<RunRow['error']>(r.error_json),
    rerunOf: r.rerun_of,
    currentNode: r.current_node,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
  };
  return row;
};

const toNode = (r: RawNode): RunNodeRow => ({
  nodeId: r.node_id,
  type: r.type,
  status: r.status,
  cacheKey: r.cache_key,
  params: parse(r.params_json),
  outputs: parse(r.outputs_json),
  error: parse(r.error_json),
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

/**
 * Every column of `runs` except current_node, plus `current_node` derived from run_nodes: the
 * newest node of the run that is running (or was, when the runtime died), else the value older
 * versions wrote into the column. Uses the partial index run_nodes_active (migration 0199).
 */
const RUN_COLUMNS = `runs.id, runs.seq, runs.graph_id, runs.graph_json, runs.status, runs.error_json,
  runs.rerun_of, runs.created_at, runs.started_at, runs.finished_at,
  COALESCE((SELECT n.node_id FROM run_nodes n WHERE n.run_id = runs.id
    AND n.status IN ('running', 'interrupted') ORDER BY n.started_at DESC LIMIT 1),
    runs.current_node) AS current_node`;

/** Run persistence. All writes are single statements or one transaction. */
export class RunStore {
  private readonly s;
  constructor(private readonly db: Db) {
    this.s = {
      nextSeq: db.prepare<[], { n: number }>('SELECT COALESCE(MAX(seq), 0) + 1 AS n FROM runs'),
      insert:
        db.prepare(`INSERT INTO runs (id, seq, graph_id, graph_json, status, rerun_of, created_at)
        VALUES (@id, @seq, @graphId, @graph, 'queued', @rerunOf, @now)`),
      get: db.prepare<[string], RawRun>(`SELECT ${RUN_COLUMNS} FROM runs WHERE id = ?`),
      nodes: db.prepare<[string], RawNode>('SELECT * FROM run_nodes WHERE run_id = ?'),
      node: db.prepare<[string, string], RawNode>(
        'SELECT * FROM run_nodes WHERE run_id = ? AND node_id = ?',
      ),
      start: db.prepare(
        `UPDATE runs SET status = 'running', started_at = ? WHERE id = ? AND status = 'queued'`,
      ),
      finish: db.prepare(
        `UPDATE runs SET status = ?, error_json = ?, finished_at = ? WHERE id = ?`,
      ),
      nodeStart:
        db.prepare(`INSERT INTO run_nodes (run_id, node_id, type, status, cache_key, params_json, started_at)
        VALUES (@runId, @nodeId, @type, 'running', @cacheKey, @params, @now)
        ON CONFLICT(run_id, node_id) DO UPDATE SET status = 'running', cache_key = excluded.cache_key,
          params_json = excluded.params_json, started_at = excluded.started_at`),
      nodeFinish:
        db.prepare(`INSERT INTO run_nodes (run_id, node_id, type, status, cache_key, params_json, outputs_json, error_json, started_at, finished_at)
        VALUES (@runId, @nodeId, @type, @status, @cacheKey, @params, @outputs, @error, @now, @now)
        ON CONFLICT(run_id, node_id) DO UPDATE SET status = excluded.status, cache_key = COALESCE(excluded.cache_key, cache_key),
          params_json = COALESCE(excluded.params_json, params_json), outputs_json = excluded.outputs_json,
          error_json = excluded.error_json, finished_at = excluded.finished_at`),
      // One statement for many settled rows: a JSON array of [nodeId, type, status, cacheKey, params, outputs].
      // `WHERE true` keeps SQLite from reading ON CONFLICT as a join constraint (sqlite.org/lang_upsert.html).
      nodeFinishMany:
        db.prepare(`INSERT INTO run_nodes (run_id, node_id, type, status, cache_key, params_json, outputs_json, error_json, started_at, finished_at)
        SELECT @runId, j.value->>0, j.value->>1, j.value->>2, j.value->>3, j.value->4, j.value->5, NULL, @now, @now FROM json_each(@rows) j WHERE true
        ON CONFLICT(run_id, node_id) DO UPDATE SET status = excluded.status, cache_key = COALESCE(excluded.cache_key, cache_key),
          params_json = COALESCE(excluded.params_json, params_json), outputs_json = excluded.outputs_json,
          error_json = excluded.error_json, finished_at = excluded.finished_at`),
      nodeSkipRest: db.prepare(
        `UPDATE run_nodes SET status = ?, finished_at = ? WHERE run_id = ? AND status IN ('pending','queued')`,
      ),
      byStatus: db.prepare<[string], RawRun>(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE status = ? ORDER BY seq`,
      ),
      first: db.prepare<[number], RawRun>(
        `SELECT ${RUN_COLUMNS} FROM runs ORDER BY seq DESC LIMIT ?`,
      ),
      after: db.prepare<[number, number], RawRun>(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
      ),
      interruptRunning: db.prepare(
        `UPDATE run_nodes SET status = 'interrupted', finished_at = ? WHERE run_id = ? AND status = 'running'`,
      ),
    };
  }

  /**
   * Creates a queued run. Node rows are written when a node starts or settles (not 500 pending
   * rows up front); {@link nodes} reports the others from the run's graph.
   */
  create(
    input: {
      id: string;
      graph: { nodes: { id: string; type: string }[] };
      graphId?: string | null;
      rerunOf?: string | null;
    },
    now = Date.now(),
  ): RunRow {
    this.db.transaction(() => {
      const seq = this.s.nextSeq.get()!.n;
      this.s.insert.run({
        id: input.id,
        seq,
        graphId: input.graphId ?? null,
        graph: JSON.stringify(input.graph),
        rerunOf: input.rerunOf ?? null,
        now,
      });
      writePoint('run.create');
    })();
    return this.get(input.id)!;
  }

  get(id: string): RunRow | undefined {
    const r = this.s.get.get(id);
    return r ? toRun(r) : undefined;
  }

  /**
   * Every node of the run in graph order: recorded rows, plus the nodes that never started with
   * the status the run's outcome implies (pending while it is queued or running; skipped,
   * cancelled or interrupted afterwards).
   */
  nodes(runId: string): RunNodeRow[] {
    const recorded = new Map(this.s.nodes.all(runId).map((r) => [r.node_id, toNode(r)]));
    const run = this.get(runId);
    if (!run) return [...recorded.values()];
    const rest: NodeStatus = NOT_STARTED[run.status];
    const graphNodes = (run.graph as { nodes?: { id: string; type: string }[] }).nodes ?? [];
    const out = graphNodes.map(
      (n) =>
        recorded.get(n.id) ?? {
          nodeId: n.id,
          type: n.type,
          status: rest,
          cacheKey: null,
          params: null,
          outputs: null,
          error: null,
          startedAt: null,
          finishedAt: null,
        },
    );
    const inGraph = new Set(graphNodes.map((n) => n.id));
    for (const [id, r] of recorded) if (!inGraph.has(id)) out.push(r);
    return out;
  }

  node(runId: string, nodeId: string): RunNodeRow | undefined {
    const r = this.s.node.get(runId, nodeId);
    return r ? toNode(r) : undefined;
  }

  /** queued → running; false when the run was no longer queued (e.g. cancelled meanwhile). */
  markStarted(id: string, now = Date.now()): boolean {
    return this.s.start.run(now, id).changes > 0;
  }

  /**
   * Ends run `id` with a final status (and its error, stored as JSON), and in the same transaction
   * settles the nodes that never started: skipped after completed/failed, else cancelled/interrupted.
   * @param now ms since epoch
   */
  markFinished(
    id: string,
    status: Exclude<RunStatus, 'queued' | 'running'>,
    error?: { code: string; message: string; details?: unknown } | null,
    now = Date.now(),
  ): void {
    this.db.transaction(() => {
      this.s.finish.run(status, error ? JSON.stringify(error) : null, now, id);
      this.s.nodeSkipRest.run(NOT_STARTED[status], now, id);
      writePoint('run.finish');
    })();
  }

  /**
   * Writes the node's row as running (its cache key and resolved params as JSON); `now` in ms since
   * epoch. This row is also what makes it the run's `currentNode` (no write to the runs row).
   */
  nodeStarted(
    runId: string,
    nodeId: string,
    type: string,
    cacheKey: string | null,
    params: unknown,
    now = Date.now(),
  ): void {
    writePoint('run.node-start');
    this.s.nodeStart.run({
      runId,
      nodeId,
      type,
      cacheKey,
      params: params == null ? null : JSON.stringify(params),
      now,
    });
  }

  /** Upserts the node's final row (status, outputs port → artifact id, error as JSON); a node that never started gets started_at = finished_at = `now`. */
  nodeFinished(
    runId: string,
    nodeId: string,
    r: {
      status: NodeStatus;
      type: string;
      cacheKey?: string | null;
      params?: unknown;
      outputs?: Record<string, string> | null;
      error?: unknown;
    },
    now = Date.now(),
  ): void {
    writePoint('run.node-finish');
    this.s.nodeFinish.run({
      runId,
      nodeId,
      type: r.type,
      status: r.status,
      cacheKey: r.cacheKey ?? null,
      params: r.params == null ? null : JSON.stringify(r.params),
      outputs: r.outputs ? JSON.stringify(r.outputs) : null,
      error: r.error ? JSON.stringify(r.error) : null,
      now,
    });
  }

  /**
   * {@link nodeFinished} for many nodes of one run in ONE statement (the rows travel as one JSON
   * array): an unchanged 500-node rerun records its cache hits without 500 statement round trips.
   * Same upsert semantics as nodeFinished, without errors (settled nodes have none).
   * @param rows params/outputs as objects (stored as their JSON); `now` ms since epoch
   */
  nodesFinished(
    runId: string,
    rows: readonly {
      nodeId: string;
      status: NodeStatus;
      type: string;
      cacheKey?: string | null;
      params?: unknown;
      outputs?: Record<string, string> | null;
    }[],
    now = Date.now(),
  ): void {
    if (!rows.length) return;
    const packed = rows.map((r) => [
      r.nodeId,
      r.type,
      r.status,
      r.cacheKey ?? null,
      r.params ?? null,
      r.outputs ?? null,
    ]);
    this.s.nodeFinishMany.run({ runId, now, rows: JSON.stringify(packed) });
  }

  /** Runs in a status, oldest first (used at start-up: requeue `queued`, interrupt `running`). */
  withStatus(status: RunStatus): RunRow[] {
    return this.s.byStatus.all(status).map(toRun);
  }

  /**
   * Marks a run that was executing when the runtime died as `interrupted`, keeping the node it
   * was on (its running run_nodes row) and marking that node interrupted too. One transaction.
   */
  markInterrupted(id: string, now = Date.now()): void {
    this.db.transaction(() => {
      this.s.interruptRunning.run(now, id);
      const run = this.get(id);
      const error: WireError = {
        code: 'INTERRUPTED',
        message: `the runtime stopped while this run was executing${run?.currentNode ? ` node ${run.currentNode}` : ''}`,
        details: { nodeId: run?.currentNode ?? null },
      };
      this.markFinished(id, 'interrupted', error, now);
    })();
  }

  /** Newest first, keyset on seq. */
  list(limit: number, beforeSeq?: number): RunRow[] {
    return (beforeSeq ? this.s.after.all(beforeSeq, limit) : this.s.first.all(limit)).map(toRun);
  }
}
