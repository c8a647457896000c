/** ComfyUI importers: the UI workflow (`workflow` chunk / .json) and the API prompt (`prompt` chunk / .json). */
import type { ImportResult } from './build';
import { irFromApi, irFromUi } from './comfyui-ir';
import { mapComfyGraph } from './comfyui-map';

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Imports a UI workflow (v0.4 or v1). `apiPrompt` (the `prompt` chunk of the same PNG) supplies
 * widget values by name; UI positions are kept.
 * @throws UserError WORKFLOW_INVALID when `workflow` is not a UI workflow
 */
export function importComfyUi(workflow: unknown, apiPrompt?: unknown): ImportResult {
  const ir = irFromUi(workflow, apiPrompt);
  const w = workflow as Record<string, unknown>;
  const extra = isObj(w.extra) ? w.extra : {};
  return mapComfyGraph(ir, 'ComfyUI workflow', {
    comfyui: {
      ...(typeof w.id === 'string' ? { id: w.id } : {}),
      version: w.version,
      ...(extra.frontendVersion ? { frontendVersion: extra.frontendVersion } : {}),
      ...(Array.isArray(w.groups) && w.groups.length ? { groups: w.groups } : {}),
    },
  });
}

/** Imports an API prompt (no positions: laid out left to right). @throws UserError WORKFLOW_INVALID */
export function importComfyApi(prompt: unknown): ImportResult {
  return mapComfyGraph(irFromApi(prompt), 'ComfyUI prompt');
}
