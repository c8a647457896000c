/**
 * The runs slice: the queue (every run this editor has seen) and per-run, per-node execution
 * state folded from the WebSocket events of design.md §5. Node components select
 * `nodeState(activeRun, nodeId)` only, so a progress event re-renders one node.
 */
import { create } from 'zustand';

export type NodeStatus =
  | 'queued'
  | 'running'
  | 'cached'
  | 'done'
  | 'failed'
  | 'cancelled'
  /** Bypassed, muted, or needing a muted node (run.started `skipped`, issue 15). */
  | 'skipped';

/** One output port's value as node.completed reports it. */
export interface PortOutput {
  kind: string;
  artifactId?: string;
  url?: string;
  text?: string;
  tags?: { name: string; category?: string; confidence?: number }[];
  /** Images 1 … N−1 of a batch (image 0 is this output), from node.completed (runtime/engine/outputs.ts). */
  batch?: { artifactId: string; url?: string }[];
  /** Image info as the executor reported it (save: `generationUuid`, `file`, `seed`). */
  info?: { generationUuid?: string; [k: string]: unknown };
}

export interface NodeRunState {
  status: NodeStatus;
  phase?: string;
  step?: number;
  steps?: number;
  /** Steps (or tokens) per second as reported by the worker. */
  rate?: number;
  /** Streamed text so far (LLM nodes). */
  text?: string;
  /** URL path of the latest preview image. */
  preview?: string;
  error?: { code: string; message: string };
  outputs?: Record<string, PortOutput>;
}

export interface RunInfo {
  id: string;
  status: string;
  createdAt?: number;
  error?: string;
  name?: string;
  /** Set when this tab submitted the run. */
  mine?: boolean;
}

/** A WebSocket event (design.md §5); fields beyond these are ignored. */
export interface RunEvent {
  type: string;
  seq?: number;
  runId?: string;
  nodeId?: string;
  ts?: number | string;
  [k: string]: unknown;
}

interface RunsState {
  runs: Record<string, RunInfo>;
  /** Run ids, newest first. */
  order: string[];
  /** The run whose node states the canvas shows (the last one this tab queued, else the latest seen). */
  activeRunId?: string;
  nodes: Record<string, Record<string, NodeRunState>>;
  lastSeq: number;
  connected: boolean;
}

export const useRuns = create<RunsState>(() => ({
  runs: {},
  order: [],
  nodes: {},
  lastSeq: 0,
  connected: false,
}));

const KEEP_RUNS = 100;
const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'interrupted']);
export const isTerminal = (status: string) => TERMINAL.has(status);

/** Selects one node's state in the active run (undefined when it has none). */
export const useNodeRunState = (nodeId: string) =>
  useRuns((s) => (s.activeRunId ? s.nodes[s.activeRunId]?.[nodeId] : undefined));

function upsertRun(
  s: RunsState,
  id: string,
  patch: Partial<RunInfo>,
): Pick<RunsState, 'runs' | 'order'> {
  const prev = s.runs[id];
  const runs = { ...s.runs, [id]: { ...(prev ?? { id, status: 'queued' }), ...patch } };
  let order = prev ? s.order : [id, ...s.order];
  if (order.length > KEEP_RUNS) {
    for (const drop of order.slice(KEEP_RUNS)) delete runs[drop];
    order = order.slice(0, KEEP_RUNS);
  }
  return { runs, order };
}

function mergeText(prev: string | undefined, next: string): string {
  // Accept both a cumulative text and a delta: a cumulative one starts with what we have.
  if (!prev || next.startsWith(prev)) return next;
  return prev + next;
}

/** Registers a run this tab queued and makes it the active one; `nodeIds` start as queued. */
export function runQueued(runId: string, nodeIds: string[], name?: string): void {
  useRuns.setState((s) => {
    const existing = s.nodes[runId] ?? {};
    const states: Record<string, NodeRunState> = {};
    for (const id of nodeIds) states[id] = existing[id] ?? { status: 'queued' };
    return {
      ...upsertRun(s, runId, { mine: true, name, createdAt: Date.now() }),
      activeRunId: runId,
      nodes: { ...s.nodes, [runId]: states },
    };
  });
}

/** Seeds the queue from GET /api/runs (after a reload). */
export function seedRuns(
  list: { id: string; status: string; createdAt?: string | number; name?: string | null }[],
): void {
  useRuns.setState((s) => {
    let acc: Pick<RunsState, 'runs' | 'order'> = { runs: s.runs, order: s.order };
    for (const r of [...list].reverse()) {
      const createdAt = typeof r.createdAt === 'string' ? Date.parse(r.createdAt) : r.createdAt;
      acc = upsertRun({ ...s, ...acc }, r.id, {
        status: r.status,
        createdAt,
        name: r.name ?? undefined,
      });
    }
    return acc;
  });
}

/** Folds one event into the state. Events with a seq at or below the last seen one are dropped (replays). */
export function applyEvent(ev: RunEvent): void {
  useRuns.setState((s) => {
    if (typeof ev.seq === 'number' && ev.seq <= s.lastSeq) return s;
    const lastSeq = typeof ev.seq === 'number' ? ev.seq : s.lastSeq;
    const runId = ev.runId;
    if (!runId) return { lastSeq };
    let next: Partial<RunsState> = { lastSeq };
    const node = (patch: (prev: NodeRunState | undefined) => NodeRunState) => {
      if (!ev.nodeId) return;
      const run = { ...(next.nodes ?? s.nodes)[runId] };
      run[ev.nodeId] = patch(run[ev.nodeId]);
      next.nodes = { ...(next.nodes ?? s.nodes), [runId]: run };
    };
    const run = (status: string, extra: Partial<RunInfo> = {}) => {
      next = { ...next, ...upsertRun(s, runId, { status, ...extra }) };
    };
    switch (ev.type) {
      case 'run.queued':
        run('queued');
        if (!s.activeRunId) next.activeRunId = runId;
        break;
      case 'run.started': {
        run('running');
        // Bypassed / muted nodes (and what needs a muted one) will not run: stop showing them queued.
        const skipped = Array.isArray(ev.skipped) ? (ev.skipped as { nodeId?: unknown }[]) : [];
        if (skipped.length) {
          const states = { ...s.nodes[runId] };
          for (const x of skipped)
            if (typeof x.nodeId === 'string') states[x.nodeId] = { status: 'skipped' };
          next.nodes = { ...s.nodes, [runId]: states };
        }
        break;
      }
      case 'run.completed':
        run('completed');
        break;
      case 'run.failed': {
        run('failed', { error: errorText(ev.error) });
        // Nodes that never got to run stop looking queued.
        const states = { ...s.nodes[runId] };
        for (const [id, st] of Object.entries(states)) {
          if (st.status === 'queued' || st.status === 'running')
            states[id] = { ...st, status: 'cancelled' };
        }
        next.nodes = { ...s.nodes, [runId]: states };
        break;
      }
      case 'run.interrupted':
      case 'run.cancelled': {
        run(ev.type === 'run.cancelled' ? 'cancelled' : 'interrupted');
        const states = { ...s.nodes[runId] };
        for (const [id, st] of Object.entries(states)) {
          if (st.status === 'queued' || st.status === 'running')
            states[id] = { ...st, status: 'cancelled' };
        }
        next.nodes = { ...s.nodes, [runId]: states };
        break;
      }
      case 'node.started':
        node((p) => ({ ...p, status: 'running', error: undefined }));
        break;
      case 'node.progress':
        node((p) => ({
          ...p,
          status: 'running',
          phase: str(ev.phase) ?? p?.phase,
          step: num(ev.step) ?? p?.step,
          steps: num(ev.steps) ?? p?.steps,
          rate: num(ev.rate) ?? p?.rate,
          text: typeof ev.text === 'string' ? mergeText(p?.text, ev.text) : p?.text,
          preview: str(ev.preview) ?? p?.preview,
        }));
        break;
      case 'node.cached':
        node((p) => ({
          ...p,
          status: 'cached',
          outputs: (ev.outputs as NodeRunState['outputs']) ?? p?.outputs,
        }));
        break;
      case 'node.completed':
        node((p) => ({
          ...p,
          status: 'done',
          outputs: (ev.outputs as NodeRunState['outputs']) ?? p?.outputs,
        }));
        break;
      case 'node.failed':
        node((p) => ({ ...p, status: 'failed', error: errorObj(ev.error) }));
        break;
      default:
        break;
    }
    return next;
  });
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function errorObj(e: unknown): { code: string; message: string } {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown };
    return { code: String(o.code ?? 'ERROR'), message: String(o.message ?? 'failed') };
  }
  return { code: 'ERROR', message: typeof e === 'string' ? e : 'failed' };
}

function errorText(e: unknown): string | undefined {
  return e === undefined ? undefined : errorObj(e).message;
}

export function setConnected(connected: boolean): void {
  if (useRuns.getState().connected !== connected) useRuns.setState({ connected });
}

/**
 * Loads a run's recorded state (GET /api/runs/:id: `nodes` by id with status/error, and the flat
 * `outputs` list) so a reload shows the last results on the nodes.
 */
export function seedRunNodes(
  runId: string,
  nodes: Record<string, { status?: string; error?: unknown; cached?: boolean }>,
  outputs: {
    nodeId: string;
    port: string;
    artifactId: string;
    kind: string;
    url?: string;
    text?: string;
    info?: PortOutput['info'];
  }[] = [],
): void {
  const map: Record<string, NodeRunState> = {};
  for (const [id, n] of Object.entries(nodes)) {
    const status: NodeStatus =
      n.cached || n.status === 'cached'
        ? 'cached'
        : n.status === 'completed'
          ? 'done'
          : ((n.status as NodeStatus) ?? 'queued');
    map[id] = { status, ...(n.error ? { error: errorObj(n.error) } : {}) };
  }
  for (const o of outputs) {
    const st = (map[o.nodeId] ??= { status: 'done' });
    st.outputs = {
      ...st.outputs,
      [o.port]: {
        kind: o.kind,
        artifactId: o.artifactId,
        url: o.url,
        text: o.text,
        ...(o.info ? { info: o.info } : {}),
      },
    };
  }
  useRuns.setState((s) => ({ nodes: { ...s.nodes, [runId]: { ...map, ...s.nodes[runId] } } }));
}
