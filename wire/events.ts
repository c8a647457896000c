/**
 * Live events (design.md §5) as they travel on the WebSocket (`/ws`, runtime/ws/hub.ts) and are
 * replayed with `?since=<seq>`. Emitted by runtime/engine/events.ts's EventBus; read by the editor
 * (editor/src/state/runs.ts) and `mysti run` against a serving studio. No imports (browser-safe).
 */

export type EventType =
  | 'run.queued'
  | 'run.started'
  | 'run.completed'
  | 'run.failed'
  | 'run.cancelled'
  | 'run.interrupted'
  /** The order of waiting runs changed (a move): payload `queued` = their ids in start order. */
  | 'queue.changed'
  | 'node.started'
  | 'node.progress'
  | 'node.cached'
  | 'node.completed'
  | 'node.failed'
  | 'arbiter.decision'
  | 'worker.status'
  | 'system.alert'
  | 'import.progress'
  | 'job.progress'
  // The creative assistant (issue 16; payloads in wire/assistant.ts).
  | 'assistant.turn'
  | 'assistant.delta'
  | 'assistant.message'
  | 'assistant.action';

/** One event: `seq` is global and strictly increasing; `runSeq` counts within one run. Times ms since epoch. */
export interface MystiEvent {
  type: EventType;
  seq: number;
  ts: number;
  runId?: string;
  nodeId?: string;
  runSeq?: number;
  /** Type-specific payload (progress step/steps, error `{code, message, details?}`, outputs, …). */
  [k: string]: unknown;
}
