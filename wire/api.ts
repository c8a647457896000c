/**
 * Request/response shapes of the HTTP API (design.md §8) that both the runtime's routes
 * (runtime/server/routes/*.ts, `c.json(x satisfies T)`) and the editor's client
 * (editor/src/api/client.ts, editor/src/gallery/api.ts) are written against. Error answers are
 * always wire/errors.ts's `ErrorBody`. Gallery shapes: wire/gallery.ts; events: wire/events.ts.
 * No imports (browser-safe).
 */

/** Lifecycle of a run (runs.status). */
export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled' | 'interrupted';

/** 202 answer of POST /api/runs: the run is queued. */
export interface RunStartResponse {
  runId: string;
  status: RunStatus;
}

/** 202 answer of POST /api/runs/:id/rerun: the same graph and resolved params queued again. */
export interface RerunResponse extends RunStartResponse {
  /** The run it repeats. */
  rerunOf: string;
}

/** 202 answer of POST /api/runs/:id/resume: an interrupted or failed run continued (issue 15). */
export interface ResumeResponse extends RunStartResponse {
  /** The run it continues. */
  resumeOf: string;
}

/** 200 answer of POST /api/runs/:id/move: the waiting runs' ids in start order. */
export interface MoveResponse {
  queued: string[];
}

/** POST /api/runs/:id/cancel: 202 when it was cancelled, 409 when it had already finished. */
export interface CancelResponse {
  runId: string;
  cancelled: boolean;
  status: RunStatus;
}

/** GET /api/health. `uptimeS` in seconds. */
export interface HealthResponse {
  status: 'ok';
  version: string;
  uptimeS: number;
  db: 'ok' | 'closed';
  /** Run queue counts (runtime/engine/run-queue.ts snapshot). */
  queue: Record<string, unknown>;
  /** Per worker kind: its supervisor state. */
  workers: Record<string, unknown>;
  /** False when SD_CPP_BIN is unset (the editor's pre-run checks flag sd.cpp nodes). */
  sdCppConfigured: boolean;
  /** Where model files are looked for (MYSTI_MODELS or <data>/models). */
  modelFolders: string[];
  /** Disk state (`ok` / `full` / `read_only` and the last failure), runtime/fs/disk-errors.ts. */
  disk?: object;
  /** Further per-subsystem facts (e.g. the sd engine's mode). */
  [k: string]: unknown;
}
