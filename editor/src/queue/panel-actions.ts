/**
 * What the queue panel asks of the runtime (issue 15 §5): pages of runs (GET /api/runs with its
 * `queue` snapshot and `nextCursor`), move a waiting run, resume an interrupted or failed run,
 * rerun one with its resolved seeds, clear finished runs, and "queue N times" (the current graph
 * N times, the i-th with every fixed seed + i, as the App view's Run ×N does).
 */
import type { MoveResponse, RerunResponse, ResumeResponse } from '../../../wire/api';
import { json, request } from '../api/client';
import { dropRuns, isTerminal, seedRuns, useRuns, type RunInfo } from '../state/runs';
import { toast } from '../state/toasts';
import { currentDoc } from '../graph/io';
import { withSeedOffset } from '../app/run';
import { runGraph } from './run';

interface RunsPage {
  items: (Omit<RunInfo, 'error'> & { error?: { message?: string } })[];
  nextCursor: string | null;
  queue?: { running: string[]; queued: string[] };
}

/** The cursor of the next older page of finished runs; null when the last page is loaded. */
let nextCursor: string | null | undefined;

/** Loads the newest page (cursor undefined) or the next older one; returns whether more exist. */
export async function loadRuns(more = false): Promise<boolean> {
  if (more && !nextCursor) return false;
  const page = await request<RunsPage>(
    `/api/runs?limit=50${more && nextCursor ? `&cursor=${encodeURIComponent(nextCursor)}` : ''}`,
  );
  seedRuns(page.items.map((r) => ({ ...r, name: r.name ?? null })));
  if (!more && page.queue) useRuns.setState({ queueOrder: page.queue.queued });
  nextCursor = page.nextCursor;
  return !!nextCursor;
}

const fail = (what: string) => (e: unknown) => {
  toast(`${what} failed: ${(e as Error).message}`, 'error');
  return undefined;
};

/** Moves a waiting run; the new order also arrives as a queue.changed event. */
export async function moveRun(id: string, to: 'up' | 'down' | 'top' | 'bottom'): Promise<void> {
  const r = await request<MoveResponse>(
    `/api/runs/${encodeURIComponent(id)}/move`,
    json('POST', { to }),
  ).catch(fail('Move'));
  if (r) useRuns.setState({ queueOrder: r.queued });
}

/** Resumes an interrupted or failed run; resolves to the new run's id. */
export async function resumeRun(id: string): Promise<string | undefined> {
  const r = await request<ResumeResponse>(`/api/runs/${encodeURIComponent(id)}/resume`, {
    method: 'POST',
  }).catch(fail('Resume'));
  if (!r) return undefined;
  useRuns.setState((s) => {
    const old = s.runs[id];
    return old
      ? { runs: { ...s.runs, [id]: { ...old, resumedBy: [...(old.resumedBy ?? []), r.runId] } } }
      : {};
  });
  toast('Resumed: finished nodes come from the cache', 'info', 2500);
  return r.runId;
}

/** Queues a run again with the seeds it resolved (POST /api/runs/:id/rerun). */
export async function rerunRun(id: string): Promise<string | undefined> {
  const r = await request<RerunResponse>(`/api/runs/${encodeURIComponent(id)}/rerun`, {
    method: 'POST',
  }).catch(fail('Rerun'));
  return r?.runId;
}

/** Hides every finished run (server-side, so a reload keeps them hidden). */
export async function clearFinished(): Promise<void> {
  const r = await request<{ cleared: number }>('/api/runs/clear-finished', {
    method: 'POST',
  }).catch(fail('Clear finished'));
  if (!r) return;
  const { runs, activeRunId } = useRuns.getState();
  dropRuns(
    Object.values(runs)
      .filter((x) => isTerminal(x.status) && x.id !== activeRunId)
      .map((x) => x.id),
  );
}

/** Largest N of "Queue ×N". */
export const MAX_QUEUE_COUNT = 32;

/**
 * Queues the current graph `count` times, the i-th with every fixed seed advanced by i
 * ("random" seeds draw their own). Stops at the first refusal. Resolves to the ids queued.
 */
export async function queueTimes(count: number): Promise<string[]> {
  const n = Math.min(MAX_QUEUE_COUNT, Math.max(1, Math.trunc(count) || 1));
  const base = currentDoc();
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await runGraph(withSeedOffset(base, i));
    if (!id) break;
    ids.push(id);
  }
  return ids;
}
