/**
 * The `GET /api/vram` body (issue 5 §7): the arbiter's snapshot plus the field names the editor's
 * VRAM indicator reads (editor/src/panels/VramIndicator.tsx `readVram`): `budgetBytes`,
 * `projectedBytes` (what the ledger books: leases + resident entries), `actualBytes` (what the
 * running workers measure right now, from their last health report; absent when none reported),
 * `resident` as a flat list of `{worker, model, bytes, …}`, and `device`.
 *
 * Shape (all sizes in bytes, times in ms since the epoch):
 * `{budgetBytes, reserveBytes, capacityBytes, usedBytes, projectedBytes, actualBytes?,
 *   budgetSource, device, resident: [{worker, model, label, kind, bytes, idle, inUse, lastUsedAt}],
 *   residentByWorker: {sd: […], llm: […]}, leases: […], queue: […],
 *   models: [{model, projectedBytes, actualBytes, ratio, samples, updatedAt}] (projected vs actual),
 *   decisions: [{at, holder, worker, model, decision}], leaseLog: […],
 *   workers: {<kind>: {state, pid, loaded, memory}}}`
 */
import type { HealthBody } from '../../workers/protocol/messages';
import type { ArbiterSnapshot } from './leases';

export interface WorkerStatusLike {
  state: string;
  pid: number | null;
  health: HealthBody | null;
}

/** Builds the body from a snapshot and the supervisor's worker status. */
export function vramView(
  snap: ArbiterSnapshot,
  o: { budgetSource: string; device: string; workers: Record<string, WorkerStatusLike> },
): Record<string, unknown> {
  const resident = [...snap.resident.sd, ...snap.resident.llm].map((e) => ({ ...e }));
  let actual: number | undefined;
  const workers: Record<string, unknown> = {};
  for (const [kind, w] of Object.entries(o.workers)) {
    const m = w.health?.memory;
    // A GPU worker's device bytes are the VRAM figure; on CPU-only machines the budget is RAM.
    const measured = m ? (m.deviceBytes ?? m.rssBytes) : undefined;
    if (w.state === 'ready' && measured !== undefined) actual = (actual ?? 0) + measured;
    workers[kind] = {
      state: w.state,
      pid: w.pid,
      loaded: w.health?.loaded ?? null,
      ...(m ? { memory: m } : {}),
    };
  }
  return {
    budgetBytes: snap.budgetBytes,
    reserveBytes: snap.reserveBytes,
    capacityBytes: snap.capacityBytes,
    usedBytes: snap.usedBytes,
    projectedBytes: snap.usedBytes,
    ...(actual !== undefined ? { actualBytes: actual } : {}),
    budgetSource: o.budgetSource,
    device: o.device,
    resident,
    residentByWorker: snap.resident,
    leases: snap.leases,
    queue: snap.queue,
    models: snap.models,
    decisions: snap.decisions,
    leaseLog: snap.leaseLog,
    workers,
  };
}
