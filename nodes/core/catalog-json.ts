/**
 * The node catalog as JSON (served by `GET /api/nodes`): each spec with its params as JSON
 * Schema (draft 2020-12, zod's `toJSONSchema`, UI hints from `.meta()` inlined).
 */
import { z } from 'zod';
import type {
  NodeSpec,
  PortSpec,
  WorkerKind,
  CachePolicy,
  NodeRequirements,
  NodeRole,
  NodeUi,
} from './define-node';

export interface NodeSpecJson {
  type: string;
  version: number;
  title: string;
  category: string;
  description: string;
  inputs: Record<string, PortSpec>;
  outputs: Record<string, PortSpec>;
  worker: WorkerKind;
  cache: CachePolicy;
  /** JSON Schema of the params (input side: defaults present, fields optional). */
  params: Record<string, unknown>;
  /** Defaults for a freshly dropped node. */
  defaults: Record<string, unknown>;
  requires?: NodeRequirements;
  role?: NodeRole;
  ui?: NodeUi;
}

/** Serializes a spec for the wire. */
export function specToJson(spec: NodeSpec): NodeSpecJson {
  return {
    type: spec.type,
    version: spec.version,
    title: spec.title,
    category: spec.category,
    description: spec.description,
    inputs: spec.inputs,
    outputs: spec.outputs,
    worker: spec.worker,
    cache: spec.cache,
    params: z.toJSONSchema(spec.params, { io: 'input' }) as Record<string, unknown>,
    defaults: spec.params.parse({}) as Record<string, unknown>,
    ...(spec.requires ? { requires: spec.requires } : {}),
    ...(spec.role ? { role: spec.role } : {}),
    ...(spec.ui ? { ui: spec.ui } : {}),
  };
}
