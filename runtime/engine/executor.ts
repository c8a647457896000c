/**
 * The executor contract (design.md §4): `execute(ctx, inputs, params)` returns the node's outputs
 * keyed by output port. `params` are the prepared node's (defaults applied, random seeds concrete,
 * the preset merged in: runtime/exec/prepare.ts). All engine access goes through `ctx`, so
 * executors stay testable with a fake context and never reach for globals.
 */
import type { z } from 'zod';
import type { NodeSpec } from '../../nodes/core/define-node';
import type { WorkerClient } from '../../workers/protocol/client';
import type { PortValue, ExecutorOutput } from './values';
import type { ExecutionContext, ResolvedModel } from '../exec/context';

/** The context an executor receives (runtime/exec/context.ts); `ExecContext` is its short name. */
export type ExecContext = ExecutionContext;
export type { ExecutionContext, ResolvedModel };

export type Executor<S extends NodeSpec = NodeSpec> = (
  ctx: ExecContext,
  inputs: Record<string, PortValue | undefined>,
  params: z.infer<S['params']>,
) => Promise<Record<string, ExecutorOutput>>;

/**
 * External state a `fingerprint` cache policy depends on (e.g. an input file's size + mtime +
 * sha256); part of the cache key so an edited file is re-read.
 */
export type Fingerprinter<S extends NodeSpec = NodeSpec> = (
  ctx: Pick<ExecContext, 'paths' | 'gallery'>,
  params: z.infer<S['params']>,
) => string;

/**
 * An executor bound to its spec (what nodes/run.ts lists). `execute` and `fingerprint` are
 * methods, so an `Implementation<S>` is an `Implementation` (of any spec): the engine only ever
 * passes it params parsed by its own `spec`, which keeps that widening sound.
 */
export interface Implementation<S extends NodeSpec = NodeSpec> {
  spec: S;
  execute(...args: Parameters<Executor<S>>): ReturnType<Executor<S>>;
  fingerprint?(...args: Parameters<Fingerprinter<S>>): string;
}

/** Binds an executor to its spec so the params type flows from the declaration. */
export function implement<S extends NodeSpec>(
  spec: S,
  execute: Executor<S>,
  fingerprint?: Fingerprinter<S>,
): Implementation<S> {
  return fingerprint ? { spec, execute, fingerprint } : { spec, execute };
}

export type { WorkerClient };
