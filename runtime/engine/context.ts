/**
 * Builds the {@link ExecContext} an executor receives: the prepared node's models and preset,
 * worker calls with progress forwarding and peak-memory capture, the node's AbortSignal, temp
 * paths, commit hooks, a log bound to the run and node ids, and the runtime's named ports.
 */
import { randomUUID } from 'node:crypto';
import type { GraphDoc } from '../../nodes/core/graph';
import type { RunRow } from '../store/runs';
import type { ExecContext } from './executor';
import type { PreparedNode } from '../exec/prepare';
import type { EngineDeps } from './deps';

/** Context for one node execution; `memory.peakBytes` is raised by every worker call's report. */
export function makeContext(
  deps: EngineDeps,
  run: RunRow,
  graph: GraphDoc,
  nodeId: string,
  prepared: PreparedNode,
  signal: AbortSignal,
  mitigations: Record<string, unknown>,
  hooks: ((ids: Record<string, string>) => void)[],
  inputArtifacts: Record<string, string>,
  memory: { peakBytes: number },
): ExecContext {
  const log = deps.logger.child({ runId: run.id, nodeId });
  const progress: ExecContext['progress'] = (p) => {
    const preview = p.preview ? deps.previewUrl(p.preview) : undefined;
    deps.bus.emit('node.progress', {
      runId: run.id,
      nodeId,
      ...p,
      ...(preview ? { preview } : {}),
    });
  };
  return {
    runId: run.id,
    nodeId,
    inputArtifacts,
    signal,
    progress,
    call: async (worker, job, payload, opts = {}) => {
      const r = await deps.call(worker, job, payload, {
        ...opts,
        signal,
        onProgress: opts.onProgress ?? ((p) => progress(p)),
      });
      const peak = Math.max(r.memory?.deviceBytes ?? 0, r.memory?.peakRssBytes ?? 0);
      if (peak > memory.peakBytes) memory.peakBytes = peak;
      return r;
    },
    models: prepared.models,
    preset: prepared.preset,
    tempPath: (ext) =>
      `${deps.config.paths.tmp}/${randomUUID()}${ext.startsWith('.') ? ext : `.${ext}`}`,
    paths: deps.config.paths,
    config: deps.config.raw,
    graph,
    log: (level, msg, extra) => log[level](extra ?? {}, msg),
    ...deps.ports,
    mitigations,
    onCommit: (hook) => hooks.push(hook),
  };
}
