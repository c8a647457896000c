/** What the engine needs from the rest of the runtime (assembled in runtime/main.ts). */
import type { NodeSpec } from '../../nodes/core/define-node';
import type { CallOptions, CallResult } from '../../workers/protocol/client';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Store } from '../store';
import type { EventBus } from './events';
import type { ExecContext, Implementation, ResolvedModel } from './executor';
import type { ExecPorts } from '../exec/context';
import type { PreparedNode } from '../exec/prepare';
import type { PresetLookup } from '../exec/presets';

/** A node's request to the VRAM arbiter before dispatch. */
export interface AdmissionRequest {
  runId: string;
  nodeId: string;
  /** The node as prepared for execution: merged params, resolved models, preset. */
  node: PreparedNode;
}

/** The arbiter's grant: mitigations to apply, and how to give the memory back. */
export interface Admission {
  mitigations: Record<string, unknown>;
  /** Called once when the node ends (any outcome), with the worker's measured peak if reported. */
  release(actual?: { peakBytes: number }): void;
  /** Wraps the execution with the one out-of-memory retry (issue 5); absent = no retry. */
  withRetry?<T>(attempt: () => Promise<T>, ctx: ExecContext): Promise<T>;
}

export interface AdmissionControl {
  admit(req: AdmissionRequest, signal: AbortSignal): Promise<Admission>;
}

export interface EngineDeps {
  store: Store;
  bus: EventBus;
  config: Config;
  logger: Logger;
  catalog: ReadonlyMap<string, NodeSpec>;
  executors: ReadonlyMap<string, Implementation>;
  /** Worker call through the supervisor. */
  call(
    worker: string,
    job: string,
    payload: Record<string, unknown>,
    opts: CallOptions,
  ): Promise<CallResult>;
  /** The registry lookup node preparation resolves model references with (runtime/exec/models.ts). */
  resolveModel(ref: string, kind: string): ResolvedModel;
  /** Presets nodes may name (absent: a node naming one fails with PRESETS_UNAVAILABLE). */
  presets?: PresetLookup;
  /** Turns a preview file path (in the temp area) into a URL the editor can load. */
  previewUrl(path: string): string | undefined;
  admission?: AdmissionControl;
  /** The named ports every ExecutionContext carries (runtime/exec/context.ts). */
  ports: ExecPorts;
}
