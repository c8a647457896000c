/**
 * Executes one run: nodes in topological order (Kahn), independent branches concurrently when
 * they use different workers (one job per worker at a time; runtime-side nodes unlimited), each
 * node through the output cache first (design.md §5). Failure of one node stops the run (as in
 * ComfyUI); cancel aborts every in-flight node through its AbortSignal down to the worker.
 */
import type { NodeSpec } from '../../nodes/core/define-node';
import type { GraphDoc, GraphNode } from '../../nodes/core/graph';
import { loadGraph, validateGraph } from '../../nodes/core/validate';
import { topoSort } from '../../nodes/core/topo';
import { MystiError, OperationalError, UserError, toMystiError, type WireError } from '../errors';
import type { RunRow } from '../store/runs';
import { cacheKey } from './cache-key';
import type { Implementation } from './executor';
import type { PortValue } from './values';
import { loadCachedOutputs, persistOutputs, describeOutputs } from './outputs';
import { makeContext } from './context';
import { fileIdentity } from './params';
import { prepareNode as prepareExecution, type PreparedNode } from '../exec/prepare';
import type { EngineDeps } from './deps';
import { writePoint } from '../fs/write-points';

export type RunOutcome = 'completed' | 'failed' | 'cancelled';

interface NodeState {
  node: GraphNode;
  spec: NodeSpec;
  impl: Implementation;
  /** input port → {source node, output port} */
  incoming: Map<string, { source: string; port: string }>;
  key: string | null;
  outputs: Map<string, { artifactId: string; value: PortValue }>;
  /** Set by the cache pre-pass so params (random seeds) are resolved once. */
  prepared?: Prepared;
  /** Served from the cache in this run. */
  hit?: boolean;
}

/**
 * Runs `run` to the end. Never throws: every failure is recorded on the node and the run, and
 * reported as events. Returns the final status.
 */
export async function executeRun(deps: EngineDeps, run: RunRow, signal: AbortSignal): Promise<RunOutcome> {
  const { store, bus } = deps;
  const log = deps.logger.child({ runId: run.id });
  const loaded = loadGraph(run.graph, deps.catalog);
  const issues = loaded.ok ? validateGraph(loaded.graph, deps.catalog) : loaded.issues;
  if (!loaded.ok || issues.length) {
    const error: WireError = { code: 'GRAPH_INVALID', message: issues.map((i) => i.message).join('; '), details: { issues } };
    store.runs.markFinished(run.id, 'failed', error);
    bus.emit('run.failed', { runId: run.id, error });
    return 'failed';
  }
  const graph = loaded.graph;
  const states = buildStates(deps, graph);
  const order = topoSort(graph.nodes.map((n) => n.id), graph.edges).order;

  store.runs.markStarted(run.id);
  bus.emit('run.started', { runId: run.id, nodes: order });
  log.info({ nodes: order.length }, 'run started');

  const runAc = new AbortController();
  const onCancel = () => runAc.abort(signal.reason);
  signal.addEventListener('abort', onCancel, { once: true });
  const done = new Set<string>();
  const started = new Set<string>();
  const busyWorkers = new Set<string>();
  const inflight = new Map<string, Promise<void>>();
  let failure: MystiError | null = null;
  let failedNode: string | null = null;

  const ready = (id: string) => {
    const st = states.get(id)!;
    for (const { source } of st.incoming.values()) if (!done.has(source)) return false;
    return !(st.spec.worker && busyWorkers.has(st.spec.worker));
  };

  try {
    settleCachedPrefix(deps, run, order, states, done, started);
    while (done.size < order.length && !failure && !runAc.signal.aborted) {
      for (const id of order) {
        if (started.has(id) || !ready(id)) continue;
        const st = states.get(id)!;
        started.add(id);
        if (st.spec.worker) busyWorkers.add(st.spec.worker);
        const p = runNode(deps, run, graph, st, states, runAc.signal)
          .then(() => {
            done.add(id);
          })
          .catch((err: unknown) => {
            const e = toMystiError(err);
            if (!failure) {
              failure = e;
              failedNode = id;
            }
            runAc.abort(e); // stop the other branches: the run has failed
          })
          .finally(() => {
            if (st.spec.worker) busyWorkers.delete(st.spec.worker);
            inflight.delete(id);
          });
        inflight.set(id, p);
      }
      if (inflight.size === 0) break; // nothing runnable: should not happen on a validated DAG
      await Promise.race(inflight.values());
    }
    await Promise.allSettled(inflight.values());
  } finally {
    signal.removeEventListener('abort', onCancel);
    store.artifacts.cacheTouch([...states.values()].filter((s) => s.hit && s.key).map((s) => s.key!));
  }

  if (signal.aborted) {
    const cancelled: WireError = { code: 'CANCELLED', message: 'cancelled by the user' };
    store.runs.markFinished(run.id, 'cancelled', cancelled);
    bus.emit('run.cancelled', { runId: run.id });
    log.info('run cancelled');
    return 'cancelled';
  }
  if (failure) {
    const f = failure as MystiError;
    const error = { code: f.code, message: f.message, details: { ...(f.details ?? {}), nodeId: failedNode } };
    store.runs.markFinished(run.id, 'failed', error);
    bus.emit('run.failed', { runId: run.id, nodeId: failedNode ?? undefined, error });
    log.warn({ code: f.code, nodeId: failedNode }, 'run failed');
    return 'failed';
  }
  store.runs.markFinished(run.id, 'completed');
  bus.emit('run.completed', { runId: run.id, outputs: collectOutputs(states) });
  log.info('run completed');
  return 'completed';
}

function buildStates(deps: EngineDeps, graph: GraphDoc): Map<string, NodeState> {
  const states = new Map<string, NodeState>();
  for (const node of graph.nodes) {
    const spec = deps.catalog.get(node.type)!;
    const impl = deps.executors.get(node.type);
    if (!impl) throw new OperationalError('NO_EXECUTOR', `node type ${node.type} has no executor in this build`);
    states.set(node.id, { node, spec, impl, incoming: new Map(), key: null, outputs: new Map() });
  }
  for (const e of graph.edges) states.get(e.target)!.incoming.set(e.targetHandle, { source: e.source, port: e.sourceHandle });
  return states;
}

interface Prepared {
  /** The node as the arbiter and the executor both see it (runtime/exec/prepare.ts). */
  node: PreparedNode;
  /** The node's own params as recorded (= node.recorded). */
  params: Record<string, unknown>;
  inputs: Record<string, PortValue | undefined>;
  parents: { port: string; parentId: string }[];
  key: string | null;
}

/**
 * Synchronous part of a node's dispatch: the node prepared once (random seeds made concrete,
 * preset merged, models resolved), inputs gathered from upstream outputs, cache key computed.
 * @throws MystiError (MODEL_NOT_FOUND, PRESET_NOT_FOUND, INPUT_MISSING, …)
 */
function prepareNode(deps: EngineDeps, st: NodeState, states: Map<string, NodeState>): Prepared {
  const { node, spec, impl } = st;
  const prepared = prepareExecution(spec, node.params, { resolveModel: deps.resolveModel, ...(deps.presets ? { presets: deps.presets } : {}) });
  const { recorded: params, models } = prepared;
  const inputs: Record<string, PortValue | undefined> = {};
  const inputKeys: Record<string, string> = {};
  const parents: { port: string; parentId: string }[] = [];
  for (const [port, src] of st.incoming) {
    const up = states.get(src.source)!;
    const out = up.outputs.get(src.port);
    if (!out) throw new UserError('INPUT_MISSING', `node ${node.id}: input ${port} got nothing from ${src.source}.${src.port}`);
    inputs[port] = out.value;
    inputKeys[port] = `${up.key ?? `uncached:${out.artifactId}`}#${src.port}`;
    parents.push({ port, parentId: out.artifactId });
  }
  const fingerprint = [prepared.presetFingerprint, impl.fingerprint?.({ paths: deps.config.paths, gallery: deps.ports.gallery }, prepared.params as never)].filter(Boolean).join('|');
  const key =
    spec.cache === 'never'
      ? null
      : cacheKey({
          type: spec.type, version: spec.version, params,
          models: Object.fromEntries(Object.entries(models).map(([k, m]) => [k, fileIdentity(m)])),
          inputs: inputKeys, ...(fingerprint ? { fingerprint } : {}),
        });
  st.key = key;
  return { node: prepared, params, inputs, parents, key };
}

/** Serves the node from the output cache when possible (recorded + `node.cached`); true on a hit. */
function fromCache(deps: EngineDeps, run: RunRow, st: NodeState, prep: Prepared): boolean {
  if (!prep.key) return false;
  const cached = loadCachedOutputs(deps.store, prep.key, deps.config.paths.home);
  if (!cached) return false;
  st.outputs = cached;
  const outputs = Object.fromEntries([...cached].map(([p, o]) => [p, o.artifactId]));
  deps.store.runs.nodeFinished(run.id, st.node.id, { status: 'cached', type: st.spec.type, cacheKey: prep.key, params: prep.params, outputs });
  st.hit = true;
  deps.bus.emit('node.cached', { runId: run.id, nodeId: st.node.id, outputs: describeOutputs(cached) });
  return true;
}

/**
 * Serves every node it can from the cache before anything runs, walking the topological order
 * inside ONE transaction — an unchanged rerun of a 500-node graph costs one commit, not 1,500
 * (ComfyUI likewise settles cache hits before executing). Nodes that miss, or whose preparation
 * throws, are left to the normal dispatch loop, which reports their errors.
 */
function settleCachedPrefix(deps: EngineDeps, run: RunRow, order: string[], states: Map<string, NodeState>, done: Set<string>, started: Set<string>): void {
  deps.store.db.transaction(() => {
    for (const id of order) {
      const st = states.get(id)!;
      let ready = true;
      for (const { source } of st.incoming.values()) if (!done.has(source)) ready = false;
      if (!ready) continue;
      try {
        st.prepared = prepareNode(deps, st, states);
      } catch {
        continue;
      }
      if (fromCache(deps, run, st, st.prepared)) {
        done.add(id);
        started.add(id);
      }
    }
  })();
}

async function runNode(
  deps: EngineDeps,
  run: RunRow,
  graph: GraphDoc,
  st: NodeState,
  states: Map<string, NodeState>,
  runSignal: AbortSignal,
): Promise<void> {
  const { store, bus } = deps;
  const { node, spec, impl } = st;
  const ids = { runId: run.id, nodeId: node.id };
  let params: Record<string, unknown> | undefined;
  try {
    const prep = st.prepared ?? prepareNode(deps, st, states);
    st.prepared = undefined;
    params = prep.params;
    const { inputs, parents, key } = prep;
    if (fromCache(deps, run, st, prep)) return;

    const started = Date.now();
    store.runs.nodeStarted(run.id, node.id, spec.type, key, params, started);
    store.runs.setCurrentNode(run.id, node.id);
    bus.emit('node.started', { ...ids, type: spec.type });

    const admission = deps.admission
      ? await deps.admission.admit({ runId: run.id, nodeId: node.id, node: prep.node }, runSignal)
      : null;
    let outputs: Awaited<ReturnType<typeof persistOutputs>>;
    const memory = { peakBytes: 0 };
    try {
      const nodeAc = AbortSignal.any([runSignal, AbortSignal.timeout(deps.config.nodeTimeoutMs)]);
      const hooks: ((ids: Record<string, string>) => void)[] = [];
      const inputArtifacts = Object.fromEntries(parents.map((x) => [x.port, x.parentId]));
      const ctx = makeContext(deps, run, graph, node.id, prep.node, nodeAc, admission?.mitigations ?? {}, hooks, inputArtifacts, memory);
      const attempt = () => impl.execute(ctx, inputs, prep.node.params as never);
      const result = admission?.withRetry ? await admission.withRetry(attempt, ctx) : await attempt();
      if (runSignal.aborted) throw new OperationalError('CANCELLED', 'cancelled', undefined, 409);
      outputs = persistOutputs(deps, { runId: run.id, nodeId: node.id, result, parents, hooks });
      admission?.release(memory.peakBytes ? memory : undefined);
    } catch (err) {
      admission?.release(memory.peakBytes ? memory : undefined);
      throw err;
    }
    st.outputs = outputs;
    const outIds = Object.fromEntries([...outputs].map(([p, o]) => [p, o.artifactId]));
    if (key) {
      writePoint('cache.entry');
      store.artifacts.cacheStore(key, spec.type, outIds);
    }
    store.runs.nodeFinished(run.id, node.id, { status: 'completed', type: spec.type, outputs: outIds });
    bus.emit('node.completed', { ...ids, ms: Date.now() - started, outputs: describeOutputs(outputs) });
  } catch (err) {
    let e = toMystiError(err);
    if (runSignal.aborted && !(runSignal.reason instanceof MystiError)) {
      e = new OperationalError('CANCELLED', 'cancelled', undefined, 409);
    } else if (err instanceof Error && err.name === 'TimeoutError') {
      e = new OperationalError('TIMEOUT', `node ${node.id} ran longer than ${deps.config.nodeTimeoutMs} ms`);
    }
    const error = e.toJSON().error;
    const cancelledByFailure = runSignal.aborted && runSignal.reason instanceof MystiError && e.code === 'CANCELLED';
    store.runs.nodeFinished(run.id, node.id, { status: e.code === 'CANCELLED' ? 'cancelled' : 'failed', type: spec.type, params, error });
    if (!cancelledByFailure) bus.emit('node.failed', { ...ids, error });
    deps.logger.child(ids).warn({ code: e.code, kind: e.kind }, e.message);
    throw e;
  }
}

function collectOutputs(states: Map<string, NodeState>): { nodeId: string; port: string; artifactId: string; kind: string }[] {
  const out: { nodeId: string; port: string; artifactId: string; kind: string }[] = [];
  for (const st of states.values()) for (const [port, o] of st.outputs) out.push({ nodeId: st.node.id, port, artifactId: o.artifactId, kind: o.value.kind });
  return out;
}
