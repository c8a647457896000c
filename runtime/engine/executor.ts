/**
 * The executor contract (design.md §4): `execute(ctx, inputs, params)` returns the node's outputs
 * keyed by output port. All engine access goes through `ctx`, so executors stay testable with a
 * fake context and never reach for globals.
 */
import type { z } from 'zod';
import type { NodeSpec } from '../../nodes/core/define-node';
import type { WorkerClient, CallOptions, CallResult } from '../../workers/protocol/client';
import type { PortValue, ExecutorOutput } from './values';
import type { ProgressMsg } from '../../workers/protocol/messages';

/** A model file resolved from a node's `model` param through the registry. */
export interface ResolvedModel {
  /** Registry id (stable) or the relative file name. */
  id: string;
  /** Absolute path. */
  path: string;
  bytes: number;
  /** Identity for cache keys: `sha256` when known, else `size:mtimeMs`. */
  identity: string;
  /** Registry family (family.ts: `sd1`, `flux`, `clip-l`, `t5`, `qwen3`, …) when known. */
  family?: string | null;
  /** What the file holds (family.ts component: `checkpoint`, `diffusion_model`, `text_encoder`, …). */
  component?: string | null;
}

/** Per-node services handed to an executor. */
export interface ExecContext {
  runId: string;
  nodeId: string;
  /** Artifact id of the value on each connected input port (for lineage lookups). */
  inputArtifacts: Record<string, string>;
  /** Fires on cancel; pass it to every worker call and long await. */
  signal: AbortSignal;
  /** Emits a `node.progress` event (rate-limited by the hub for previews). */
  progress(p: Omit<ProgressMsg, 'type'>): void;
  /** Calls a job on a worker (started on demand by the supervisor), with progress forwarded. */
  call(worker: 'sd' | 'llm', job: string, payload: Record<string, unknown>, opts?: Omit<CallOptions, 'signal'>): Promise<CallResult>;
  /** Resolves a model reference (registry id or file name relative to a model folder). */
  resolveModel(ref: string, kind: string): ResolvedModel;
  /** A fresh path in the data directory's temp area (not yet created). */
  tempPath(ext: string): string;
  /** The runtime's data directory layout. */
  paths: { home: string; tmp: string; outputs: string; artifacts: string };
  /** The resolved config.json + env (read-only). */
  config: Readonly<Record<string, unknown>>;
  /** The graph being run, for metadata written into saved images. */
  graph: unknown;
  /** Structured log with run/node ids. */
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>): void;
  /** Runtime services executors may need (store access for save/load-image/tag). */
  services: Record<string, unknown>;
  /**
   * Memory mitigations the VRAM arbiter asked for (sd.cpp: VAE tiling, VAE/CLIP on CPU, offload);
   * empty when none. Executors pass them on to their worker.
   */
  mitigations: Record<string, unknown>;
  /**
   * Registers a hook that runs inside the same SQLite transaction that records this node's
   * artifacts, with the artifact id chosen for each output port — so rows that reference the
   * artifact (a generation, its tags) are written all together or not at all.
   */
  onCommit(hook: (artifactIds: Record<string, string>) => void): void;
}

export type Executor<S extends NodeSpec = NodeSpec> = (
  ctx: ExecContext,
  inputs: Record<string, PortValue | undefined>,
  params: z.infer<S['params']>,
) => Promise<Record<string, ExecutorOutput>>;

/**
 * External state a `fingerprint` cache policy depends on (e.g. an input file's size + mtime +
 * sha256); part of the cache key so an edited file is re-read.
 */
export type Fingerprinter<S extends NodeSpec = NodeSpec> = (ctx: Pick<ExecContext, 'paths' | 'services'>, params: z.infer<S['params']>) => string;

/** An executor bound to its spec (what nodes/run.ts lists). */
export interface Implementation<S extends NodeSpec = NodeSpec> {
  spec: S;
  execute: Executor<S>;
  fingerprint?: Fingerprinter<S>;
}

/** Binds an executor to its spec so the params type flows from the declaration. */
export function implement<S extends NodeSpec>(spec: S, execute: Executor<S>, fingerprint?: Fingerprinter<S>): Implementation<S> {
  return fingerprint ? { spec, execute, fingerprint } : { spec, execute };
}

export type { WorkerClient };
