/**
 * THE model resolution of a node: every model reference in a node's params — each model picker
 * (`widget: 'model'`, registry kind from its `modelKind` hint) and each entry of a LoRA list
 * (`widget: 'loras'`) — resolved through the registry, keyed by role. Used when a run's node is
 * prepared (runtime/exec/prepare.ts, read by both the arbiter and the executor) and when a
 * submitted graph is checked (runtime/server/graph-input.ts checkModelRefs).
 */
import type { NodeSpec } from '../../nodes/core/define-node';
import { UnexpectedError, UserError } from '../errors';
import { paramsWithWidget } from '../engine/params';
import type { ExecutionContext, ResolvedModel } from './context';

/** The registry lookup: (reference, registry kind) → file. Throws the registry's UserErrors. */
export type ModelLookup = (ref: string, kind: string) => ResolvedModel;

/**
 * `lookup` with each (reference, kind) resolved once, for one pass over a graph: 2,500 nodes
 * naming one model would otherwise each pay a registry read and a stat. The registry's
 * UserErrors are remembered and thrown again; anything else is thrown and not remembered.
 */
export function memoizedLookup<M>(lookup: (ref: string, kind: string) => M) {
  const seen = new Map<string, { ok: M } | { err: UserError }>();
  return (ref: string, kind: string): M => {
    const k = `${kind}\0${ref}`;
    let r = seen.get(k);
    if (!r) {
      try {
        r = { ok: lookup(ref, kind) };
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        r = { err };
      }
      seen.set(k, r);
    }
    if ('err' in r) throw r.err;
    return r.ok;
  };
}

/** One model reference of a node's params. */
export interface ModelRef {
  /** Key in the resolved map: the param name, or `lora:<ref>` for a LoRA. */
  role: string;
  /** The param it came from (for error reports). */
  param: string;
  ref: string;
  kind: string;
}

/** Every non-empty model reference in `params`, in declaration order. */
export function modelRefs(spec: NodeSpec, params: Record<string, unknown>): ModelRef[] {
  const out: ModelRef[] = [];
  for (const { name, modelKind } of paramsWithWidget(spec, 'model')) {
    const ref = params[name];
    if (typeof ref === 'string' && ref.trim())
      out.push({ role: name, param: name, ref, kind: modelKind ?? 'sd' });
  }
  for (const { name } of paramsWithWidget(spec, 'loras')) {
    const list = params[name];
    for (const l of Array.isArray(list) ? (list as { name?: unknown }[]) : []) {
      if (typeof l?.name === 'string' && l.name)
        out.push({ role: `lora:${l.name}`, param: name, ref: l.name, kind: 'lora' });
    }
  }
  return out;
}

/**
 * Resolves every model reference of a node (see {@link modelRefs}) → role → file.
 * Without `onIssue` the first registry error is thrown (MODEL_NOT_FOUND, MODEL_WRONG_KIND,
 * MODEL_UNSAFE, …); with it, each registry UserError is reported and resolution goes on, so a
 * caller can list every problem at once (other errors are always thrown).
 * @param only restricts resolution to references of the given kind of param (`'pickers'`: model
 *   pickers only, not LoRA lists).
 */
export function resolveNodeModels<M = ResolvedModel>(
  spec: NodeSpec,
  params: Record<string, unknown>,
  lookup: (ref: string, kind: string) => M,
  opts: { onIssue?: (ref: ModelRef, err: UserError) => void; only?: 'pickers' } = {},
): Record<string, M> {
  const models: Record<string, M> = {};
  for (const r of modelRefs(spec, params)) {
    if (opts.only === 'pickers' && r.role !== r.param) continue;
    if (!opts.onIssue) {
      models[r.role] = lookup(r.ref, r.kind);
      continue;
    }
    try {
      models[r.role] = lookup(r.ref, r.kind);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      opts.onIssue(r, err);
    }
  }
  return models;
}

/**
 * A model the node's params name, as preparation resolved it (`ctx.models[role]`).
 * @throws UnexpectedError when preparation did not resolve it (an executor/declaration mismatch)
 */
export function preparedModel(ctx: Pick<ExecutionContext, 'models'>, role: string): ResolvedModel {
  const m = ctx.models[role];
  if (!m)
    throw new UnexpectedError(`the ${role} model was not resolved before execution`, { role });
  return m;
}
