/**
 * Executes one run: nodes in topological order (Kahn), independent branches concurrently when
 * they use different workers (one job per worker at a time; runtime-side nodes unlimited), each
 * node through the output cache first (design.md §5). Failure of one node stops the run (as in
 * ComfyUI); cancel aborts every in-flight node through its AbortSignal down to the worker.
 */
import { setMaxListeners } from 'node:events';
import type { NodeSpec } from '../../nodes/core/define-node';
import type { GraphDoc, GraphNode } from '../../nodes/core/graph';
import { loadGraph, validateGraph } from '../../nodes/core/validate';
import { MinHeap, topoSort } from '../../nodes/core/topo';
import { applyModes } from '../../nodes/core/modes';
import { MystiError, OperationalError, UserError, toMystiError, type WireError } from '../errors';
import type { RunRow } from '../store/runs';
import { cacheKey } from './cache-key';
import type { Implementation } from './executor';
import type { ExecutorOutput, PortValue } from './values';
import { loadCachedOutputs, cachedOutputsOf, persistOutputs, describeOutputs } from './outputs';
import { makeContext } from './context';
import { fileIdentity } from './params';
import { prepareNode as prepareExecution, type PreparedNode } from '../exec/prepare';
import { memoizedLookup } from '../exec/models';
import { batchSize, executionAt, joinExecutions } from './batch';
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
  /** "Run from here" (issue 15): executed even when the cache holds its outputs. */
  force?: boolean;
}

/**
 * Runs `run` to the end. Never throws: every failure is recorded on the node and the run, and
 * reported as events. Returns the final status. `validated`: the run's graph as loaded and
 * validated at submit (skips doing it again); absent = load and validate `run.graph`.
 */
export async function executeRun(
  deps: EngineDeps,
  run: RunRow,
  signal: AbortSignal,
  validated?: GraphDoc,
): Promise<RunOutcome> {
  const { store, bus } = deps;
  const log = deps.logger.child({ runId: run.id });
  let graph: GraphDoc;
  if (validated) {
    // Validated at submit in this process: loading and validating 10k nodes again costs ~0.2 s of
    // blocked event loop for nothing (issue 18 #9). Runs requeued after a restart take the long way.
    graph = validated;
  } else {
    const loaded = loadGraph(run.graph, deps.catalog);
    const issues = loaded.ok ? validateGraph(loaded.graph, deps.catalog) : loaded.issues;
    if (!loaded.ok || issues.length) {
      const error: WireError = {
        code: 'GRAPH_INVALID',
        message: issues.map((i) => i.message).join('; '),
        details: { issues },
      };
      store.runs.markFinished(run.id, 'failed', error);
      bus.emit('run.failed', { runId: run.id, error });
      return 'failed';
    }
    graph = loaded.graph;
  }
  // Bypass and mute (issue 15): the run executes the graph as it runs — bypassed and muted nodes
  // (and what needs a muted one) are recorded as skipped, wires re-routed past bypassed nodes, so
  // cache keys and lineage are the ones of that graph. The executors still see the document.
  const document = graph;
  const modes = applyModes(graph, deps.catalog);
  graph = modes.graph;
  const states = buildStates(deps, graph);
  markForced(states, graph, deps.store.queue.forceOf(run.id));
  const order = topoSort(
    graph.nodes.map((n) => n.id),
    graph.edges,
  ).order;

  store.runs.markStarted(run.id);
  if (modes.skipped.length)
    store.runs.nodesFinished(
      run.id,
      modes.skipped.map((s) => ({ nodeId: s.nodeId, type: s.type, status: 'skipped' })),
    );
  bus.emit('run.started', {
    runId: run.id,
    nodes: order,
    ...(modes.skipped.length
      ? { skipped: modes.skipped.map((s) => ({ nodeId: s.nodeId, reason: s.reason })) }
      : {}),
  });
  log.info({ nodes: order.length, skipped: modes.skipped.length }, 'run started');

  const runAc = new AbortController();
  // Every in-flight node listens on the run's signal: up to MAX_RUNTIME_INFLIGHT plus one per
  // worker is expected, not the leak Node's default warning at 10 listeners is meant to catch.
  setMaxListeners(MAX_RUNTIME_INFLIGHT + 16, runAc.signal);
  const onCancel = () => runAc.abort(signal.reason);
  signal.addEventListener('abort', onCancel, { once: true });
  const done = new Set<string>();
  const started = new Set<string>();
  const busyWorkers = new Set<string>();
  const inflight = new Map<string, Promise<void>>();
  let failure: MystiError | null = null;
  let failedNode: string | null = null;

  // Ready queues instead of rescanning every node after each completion (that was O(N²) for a
  // big graph, issue 18 #9): `waiting` counts each node's unfinished inputs; a node whose count
  // reaches 0 joins the heap of its worker (or the runtime's), keyed by topological position so
  // the start order stays the one a full scan would give.
  const pos = new Map(order.map((id, i) => [id, i]));
  const dependents = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  const queues = new Map<string, MinHeap>(); // worker kind ('' = runtime-side) → ready node positions
  const enqueue = (id: string) => {
    const w = states.get(id)!.spec.worker ?? '';
    let q = queues.get(w);
    if (!q) queues.set(w, (q = new MinHeap()));
    q.push(pos.get(id)!);
  };
  const settle = (id: string) => {
    for (const next of dependents.get(id) ?? []) {
      const n = waiting.get(next)! - 1;
      waiting.set(next, n);
      if (n === 0 && !started.has(next)) enqueue(next);
    }
  };
  // One wake-up for "some node settled", instead of Promise.race over every in-flight node: with
  // 2,500 runtime-side nodes in flight, race attached 2,500 handlers per settled node (O(N²)).
  let wake: (() => void) | null = null;
  let settledSinceWait = false;
  const nodeSettled = () => {
    settledSinceWait = true;
    const w = wake;
    wake = null;
    w?.();
  };
  // Runtime-side nodes (prompt, save, …) settle in microtasks: without a macrotask turn now and
  // then, a graph of thousands of them would hold the event loop (HTTP, health) until it ends.
  let lastYield = performance.now();
  // Runtime-side nodes in flight: each runs synchronously up to its first await when started, so
  // starting 2,500 at once was one long block; a bounded number keeps their file writes
  // overlapping (they wait on I/O) without that.
  let runtimeInflight = 0;

  try {
    await settleCachedPrefix(deps, run, order, states, done, started);
    for (const id of order) {
      const sources = new Set([...states.get(id)!.incoming.values()].map((x) => x.source));
      let open = 0;
      for (const src of sources) {
        if (!dependents.has(src)) dependents.set(src, []);
        dependents.get(src)!.push(id);
        if (!done.has(src)) open++;
      }
      waiting.set(id, open);
      if (open === 0 && !started.has(id)) enqueue(id);
    }
    while (done.size < order.length && !failure && !runAc.signal.aborted) {
      // Start ready nodes in topological order across all queues (the earliest head first), as a
      // scan of the order would: which node asks the arbiter first decides what it evicts.
      for (;;) {
        let best: MinHeap | null = null;
        for (const [w, q] of queues) {
          if (!q.size || (w && busyWorkers.has(w))) continue;
          if (!w && runtimeInflight >= MAX_RUNTIME_INFLIGHT) continue;
          if (!best || q.peek()! < best.peek()!) best = q;
        }
        if (!best) break;
        const id = order[best.pop()]!;
        if (started.has(id)) continue;
        const st = states.get(id)!;
        started.add(id);
        if (st.spec.worker)
          busyWorkers.add(st.spec.worker); // one job per worker at a time
        else runtimeInflight++;
        startNode(id, st);
      }
      if (inflight.size === 0) break; // nothing runnable: should not happen on a validated DAG
      if (!settledSinceWait) await new Promise<void>((r) => (wake = r));
      settledSinceWait = false;
      if (performance.now() - lastYield > YIELD_EVERY_MS) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
    await Promise.allSettled(inflight.values());
  } finally {
    signal.removeEventListener('abort', onCancel);
    store.artifacts.cacheTouch(
      [...states.values()].filter((s) => s.hit && s.key).map((s) => s.key!),
    );
  }

  function startNode(id: string, st: NodeState): void {
    const p = runNode(deps, run, document, st, states, runAc.signal)
      .then(() => {
        done.add(id);
        settle(id);
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
        else runtimeInflight--;
        inflight.delete(id);
        nodeSettled();
      });
    inflight.set(id, p);
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
    const error = {
      code: f.code,
      message: f.message,
      details: { ...(f.details ?? {}), nodeId: failedNode },
    };
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

/** Flags `ids` and every node downstream of them (in the graph as it runs) as forced. */
function markForced(states: Map<string, NodeState>, graph: GraphDoc, ids: readonly string[]): void {
  if (!ids.length) return;
  const out = new Map<string, string[]>();
  for (const e of graph.edges) {
    let l = out.get(e.source);
    if (!l) out.set(e.source, (l = []));
    l.push(e.target);
  }
  const stack = ids.filter((id) => states.has(id));
  while (stack.length) {
    const id = stack.pop()!;
    const st = states.get(id)!;
    if (st.force) continue;
    st.force = true;
    stack.push(...(out.get(id) ?? []));
  }
}

function buildStates(deps: EngineDeps, graph: GraphDoc): Map<string, NodeState> {
  const states = new Map<string, NodeState>();
  for (const node of graph.nodes) {
    const spec = deps.catalog.get(node.type)!;
    const impl = deps.executors.get(node.type);
    if (!impl)
      throw new OperationalError(
        'NO_EXECUTOR',
        `node type ${node.type} has no executor in this build`,
      );
    states.set(node.id, { node, spec, impl, incoming: new Map(), key: null, outputs: new Map() });
  }
  for (const e of graph.edges)
    states.get(e.target)!.incoming.set(e.targetHandle, { source: e.source, port: e.sourceHandle });
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
  const { node, spec } = st;
  const prepared = prepareExecution(spec, node.params, {
    resolveModel: deps.resolveModel,
    ...(deps.presets ? { presets: deps.presets } : {}),
  });
  const inputs: Record<string, PortValue | undefined> = {};
  const inputKeys: Record<string, string> = {};
  const parents: { port: string; parentId: string }[] = [];
  for (const [port, src] of st.incoming) {
    const up = states.get(src.source)!;
    const out = up.outputs.get(src.port);
    if (!out)
      throw new UserError(
        'INPUT_MISSING',
        `node ${node.id}: input ${port} got nothing from ${src.source}.${src.port}`,
      );
    inputs[port] = out.value;
    inputKeys[port] = `${up.key ?? `uncached:${out.artifactId}`}#${src.port}`;
    parents.push({ port, parentId: out.artifactId });
  }
  const key = keyOf(deps, st, prepared, inputKeys);
  st.key = key;
  return { node: prepared, params: prepared.recorded, inputs, parents, key };
}

/** The node's cache key (null for `cache: 'never'`) from its prepared form and its inputs' keys (port → `upstreamKey#port`). */
function keyOf(
  deps: EngineDeps,
  st: NodeState,
  prepared: PreparedNode,
  inputKeys: Record<string, string>,
): string | null {
  const { spec, impl } = st;
  if (spec.cache === 'never') return null;
  const fingerprint = [
    prepared.presetFingerprint,
    impl.fingerprint?.(
      { paths: deps.config.paths, gallery: deps.ports.gallery },
      prepared.params as never,
    ),
  ]
    .filter(Boolean)
    .join('|');
  return cacheKey({
    type: spec.type,
    version: spec.version,
    params: prepared.recorded,
    models: Object.fromEntries(
      Object.entries(prepared.models).map(([k, m]) => [k, fileIdentity(m)]),
    ),
    inputs: inputKeys,
    ...(fingerprint ? { fingerprint } : {}),
  });
}

/** Serves the node from the output cache when possible (recorded + `node.cached`); true on a hit. */
function fromCache(deps: EngineDeps, run: RunRow, st: NodeState, prep: Prepared): boolean {
  if (!prep.key) return false;
  const cached = loadCachedOutputs(deps.store, prep.key, deps.config.paths.home);
  if (!cached) return false;
  st.outputs = cached;
  const outputs = Object.fromEntries([...cached].map(([p, o]) => [p, o.artifactId]));
  deps.store.runs.nodeFinished(run.id, st.node.id, {
    status: 'cached',
    type: st.spec.type,
    cacheKey: prep.key,
    params: prep.params,
    outputs,
  });
  st.hit = true;
  deps.bus.emit('node.cached', {
    runId: run.id,
    nodeId: st.node.id,
    outputs: describeOutputs(cached),
  });
  return true;
}

/**
 * Serves every node it can from the cache before anything runs, inside ONE transaction and with
 * a fixed number of statements, whatever the graph's size — an unchanged rerun of a 500-node
 * graph is one cache query, one run_nodes insert, one event_log insert and one commit (ComfyUI
 * likewise settles cache hits before executing). Nodes that miss, or whose preparation throws,
 * are left to the normal dispatch loop, which reports their errors.
 *
 * Pass 1 keys every node whose upstream nodes are all possible hits (a key needs only the
 * upstream keys, not their outputs); pass 2 loads all those entries at once; pass 3 walks the
 * order again and settles the nodes whose inputs were all served.
 */
async function settleCachedPrefix(
  deps: EngineDeps,
  run: RunRow,
  order: string[],
  states: Map<string, NodeState>,
  done: Set<string>,
  started: Set<string>,
): Promise<void> {
  const keyed: Keyed = new Map();
  // 2,500 nodes naming one model resolve it once (each lookup is a registry row read and a stat).
  const resolveModel = memoizedLookup(deps.resolveModel);
  const sliceDeps: EngineDeps = { ...deps, resolveModel };
  // Slices of SLICE nodes, one transaction each, yielding to the event loop between them: a
  // 10,000-node graph must not block the server (health, other requests) for seconds (issue 18 #9).
  for (let from = 0; from < order.length; from += SLICE) {
    if (from) await new Promise((r) => setImmediate(r));
    settleSlice(sliceDeps, run, order.slice(from, from + SLICE), states, done, started, keyed);
  }
}

/** Longest stretch (ms) the dispatch loop runs nodes before it lets the event loop take a turn. */
const YIELD_EVERY_MS = 10;

/** Runtime-side nodes (no worker: prompt, save, load image, …) of one run in flight at once. */
const MAX_RUNTIME_INFLIGHT = 64;

/** Nodes prepared (and cache-served) per transaction between two event-loop turns. */
const SLICE = 250;

/** Cache keys of the nodes settled so far in this run (upstream keys of later slices). */
type Keyed = Map<string, { node: PreparedNode; key: string | null }>;

function settleSlice(
  deps: EngineDeps,
  run: RunRow,
  order: string[],
  states: Map<string, NodeState>,
  done: Set<string>,
  started: Set<string>,
  keyed: Keyed,
): void {
  for (const id of order) {
    const st = states.get(id)!;
    if (st.force) continue; // executed by the dispatch loop whatever the cache holds
    const inputKeys: Record<string, string> = {};
    let ready = true;
    for (const [port, { source, port: srcPort }] of st.incoming) {
      const upKey = keyed.get(source)?.key;
      if (!upKey) ready = false;
      else inputKeys[port] = `${upKey}#${srcPort}`;
    }
    if (!ready) continue;
    try {
      const node = prepareExecution(st.spec, st.node.params, {
        resolveModel: deps.resolveModel,
        ...(deps.presets ? { presets: deps.presets } : {}),
      });
      keyed.set(id, { node, key: keyOf(deps, st, node, inputKeys) });
    } catch {
      continue;
    }
  }
  const home = deps.config.paths.home;
  deps.store.db.transaction(() => {
    // Only this slice's keys: `keyed` also holds every earlier slice's (their upstream keys), and
    // looking those up again made a 10,000-node graph's pre-pass quadratic.
    const entries = deps.store.artifacts.cacheEntries(
      order.flatMap((id) => {
        const key = keyed.get(id)?.key;
        return key ? [key] : [];
      }),
    );
    const rows: Parameters<typeof deps.store.runs.nodesFinished>[1][number][] = [];
    const events: Parameters<typeof deps.bus.emitMany>[0][number][] = [];
    for (const id of order) {
      const k = keyed.get(id);
      if (!k) continue;
      const st = states.get(id)!;
      let ready = true;
      for (const { source } of st.incoming.values()) if (!done.has(source)) ready = false;
      if (!ready) continue;
      const inputs: Record<string, PortValue | undefined> = {};
      const parents: { port: string; parentId: string }[] = [];
      let missing = false;
      for (const [port, src] of st.incoming) {
        const out = states.get(src.source)!.outputs.get(src.port);
        if (!out) missing = true;
        else {
          inputs[port] = out.value;
          parents.push({ port, parentId: out.artifactId });
        }
      }
      if (missing) continue; // the dispatch loop prepares it again and reports INPUT_MISSING
      st.key = k.key;
      st.prepared = { node: k.node, params: k.node.recorded, inputs, parents, key: k.key };
      const entry = k.key ? entries.get(k.key) : undefined;
      const cached = entry && cachedOutputsOf(deps.store, k.key!, entry, home);
      if (!cached) continue;
      st.outputs = cached;
      st.hit = true;
      rows.push({
        nodeId: id,
        status: 'cached',
        type: st.spec.type,
        cacheKey: k.key,
        params: k.node.recorded,
        outputs: Object.fromEntries([...cached].map(([p, o]) => [p, o.artifactId])),
      });
      events.push({
        type: 'node.cached',
        payload: { runId: run.id, nodeId: id, outputs: describeOutputs(cached) },
      });
      done.add(id);
      started.add(id);
    }
    deps.store.runs.nodesFinished(run.id, rows);
    deps.bus.emitMany(events);
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
  let timedOut = false;
  try {
    const prep = st.prepared ?? prepareNode(deps, st, states);
    st.prepared = undefined;
    params = prep.params;
    const { inputs, parents, key } = prep;
    if (!st.force && fromCache(deps, run, st, prep)) return;

    const started = Date.now();
    store.runs.nodeStarted(run.id, node.id, spec.type, key, params, started);
    bus.emit('node.started', { ...ids, type: spec.type });

    const admission = deps.admission
      ? await deps.admission.admit({ runId: run.id, nodeId: node.id, node: prep.node }, runSignal)
      : null;
    let outputs: Awaited<ReturnType<typeof persistOutputs>>;
    const memory = { peakBytes: 0 };
    // A timer we own, cleared when the node settles: AbortSignal.timeout inside AbortSignal.any can
    // be garbage-collected on Node 20 and then never fires (nodejs/node#57867; issue 18 #1).
    const nodeAbort = new AbortController();
    const forward = () => nodeAbort.abort(runSignal.reason);
    if (runSignal.aborted) forward();
    else runSignal.addEventListener('abort', forward, { once: true });
    const timeoutMs = deps.config.nodeTimeoutMs;
    const timer = setTimeout(() => {
      timedOut = true;
      nodeAbort.abort(
        new OperationalError(
          'TIMEOUT',
          `node ${node.id} ran longer than ${timeoutMs} ms (config nodeTimeoutMs)`,
          { nodeId: node.id, timeoutMs },
        ),
      );
    }, timeoutMs);
    try {
      const nodeAc = nodeAbort.signal;
      // A batch on an input (N images) runs the node once per image (runtime/engine/batch.ts).
      const n = batchSize(inputs, node.id);
      const results: Record<string, ExecutorOutput>[] = [];
      const hooksOf: ((ids: Record<string, string>) => void)[][] = [];
      const parentsOf: { port: string; parentId: string }[][] = [];
      for (let k = 0; k < n; k++) {
        const at =
          n === 1
            ? {
                inputs,
                parents,
                inputArtifacts: Object.fromEntries(parents.map((x) => [x.port, x.parentId])),
              }
            : executionAt(inputs, parents, k);
        const hooks: ((ids: Record<string, string>) => void)[] = [];
        const ctx = makeContext(
          deps,
          run,
          graph,
          node.id,
          prep.node,
          nodeAc,
          admission?.mitigations ?? {},
          hooks,
          at.inputArtifacts,
          memory,
        );
        const attempt = () => impl.execute(ctx, at.inputs, prep.node.params as never);
        results.push(
          admission?.withRetry ? await admission.withRetry(attempt, ctx) : await attempt(),
        );
        hooksOf.push(hooks);
        parentsOf.push(at.parents);
        if (runSignal.aborted) throw new OperationalError('CANCELLED', 'cancelled', undefined, 409);
      }
      if (n === 1)
        outputs = persistOutputs(deps, {
          runId: run.id,
          nodeId: node.id,
          result: results[0]!,
          parents,
          hooks: hooksOf[0]!,
        });
      else {
        const joined = joinExecutions(results, parentsOf, hooksOf);
        outputs = persistOutputs(deps, {
          runId: run.id,
          nodeId: node.id,
          result: joined.result,
          parents,
          hooks: hooksOf[0]!,
          batch: joined,
        });
      }
      admission?.release(memory.peakBytes ? memory : undefined);
    } catch (err) {
      admission?.release(memory.peakBytes ? memory : undefined);
      throw err;
    } finally {
      clearTimeout(timer);
      runSignal.removeEventListener('abort', forward);
    }
    st.outputs = outputs;
    const outIds = Object.fromEntries([...outputs].map(([p, o]) => [p, o.artifactId]));
    if (key) {
      writePoint('cache.entry');
      store.artifacts.cacheStore(key, spec.type, outIds);
    }
    store.runs.nodeFinished(run.id, node.id, {
      status: 'completed',
      type: spec.type,
      outputs: outIds,
    });
    bus.emit('node.completed', {
      ...ids,
      ms: Date.now() - started,
      outputs: describeOutputs(outputs),
    });
  } catch (err) {
    let e = toMystiError(err);
    if (runSignal.aborted && !(runSignal.reason instanceof MystiError)) {
      e = new OperationalError('CANCELLED', 'cancelled', undefined, 409);
    } else if (timedOut) {
      // Whatever the executor threw on the abort (the worker client says CANCELLED), it was the timeout.
      e = new OperationalError(
        'TIMEOUT',
        `node ${node.id} ran longer than ${deps.config.nodeTimeoutMs} ms (config nodeTimeoutMs)`,
        { nodeId: node.id, timeoutMs: deps.config.nodeTimeoutMs },
      );
    }
    const error = e.toJSON().error;
    const cancelledByFailure =
      runSignal.aborted && runSignal.reason instanceof MystiError && e.code === 'CANCELLED';
    store.runs.nodeFinished(run.id, node.id, {
      status: e.code === 'CANCELLED' ? 'cancelled' : 'failed',
      type: spec.type,
      params,
      error,
    });
    if (!cancelledByFailure) bus.emit('node.failed', { ...ids, error });
    deps.logger.child(ids).warn({ code: e.code, kind: e.kind }, e.message);
    throw e;
  }
}

function collectOutputs(
  states: Map<string, NodeState>,
): { nodeId: string; port: string; artifactId: string; kind: string }[] {
  const out: { nodeId: string; port: string; artifactId: string; kind: string }[] = [];
  for (const st of states.values())
    for (const [port, o] of st.outputs)
      out.push({ nodeId: st.node.id, port, artifactId: o.artifactId, kind: o.value.kind });
  return out;
}
