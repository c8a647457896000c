/**
 * Turning a request's graph into a runnable GraphDoc: parse, migrate, apply overrides, validate —
 * one 400 listing *every* problem (design.md §3), never a partial write.
 */
import { guideProblems, type NodeSpec } from '../../nodes/core/define-node';
import type { GraphDoc } from '../../nodes/core/graph';
import { loadGraph, validateGraph, type GraphIssue } from '../../nodes/core/validate';
import { applyModes } from '../../nodes/core/modes';
import { specToJson } from '../../nodes/core/catalog-json';
import { appInputsToOverrides, appLayout, type AppLayout } from '../../nodes/core/app';
import { UserError, type ErrorCode } from '../errors';
import { stackProblems, type EncoderRole } from '../../nodes/diffusion/families';
import { loraTags } from '../../workers/sd/lora-tags';
import { memoizedLookup, resolveNodeModels } from '../exec/models';

/** `{ "g1.steps": 30 }` or `{ g1: { steps: 30 } }`, the CLI's `--set g1.steps=30`. */
export type Overrides = Record<string, unknown>;

/** Applies param overrides to a copy of the graph. @throws UserError BAD_OVERRIDE naming the key. */
export function applyOverrides(graph: GraphDoc, overrides: Overrides | undefined): GraphDoc {
  if (!overrides || !Object.keys(overrides).length) return graph;
  const g = structuredClone(graph);
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const set = (nodeId: string, param: string, value: unknown, key: string) => {
    const node = byId.get(nodeId);
    if (!node || !param)
      throw new UserError(
        'BAD_OVERRIDE',
        `override "${key}" names no node param (use <nodeId>.<param>)`,
      );
    node.params = { ...node.params, [param]: value };
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (byId.has(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      for (const [param, v] of Object.entries(value)) set(key, param, v, `${key}.${param}`);
    } else {
      const dot = key.indexOf('.');
      set(dot > 0 ? key.slice(0, dot) : key, dot > 0 ? key.slice(dot + 1) : '', value, key);
    }
  }
  return g;
}

/** The App-mode form of a loaded graph (nodes/core/app.ts) with the catalog's specs. */
export function graphApp(graph: GraphDoc, catalog: ReadonlyMap<string, NodeSpec>): AppLayout {
  const json = new Map<string, ReturnType<typeof specToJson>>();
  return appLayout(graph, (type) => {
    const spec = catalog.get(type);
    if (!spec) return undefined;
    if (!json.has(type)) json.set(type, specToJson(spec));
    return json.get(type);
  });
}

/**
 * App field values by name (`POST /api/runs` `inputs`, issue 20) → `<nodeId>.<param>` overrides,
 * so a run by field names is the very graph of the equivalent node-param overrides.
 * @throws UserError UNKNOWN_APP_INPUT naming every unknown name and listing the known ones.
 */
export function appOverrides(
  input: unknown,
  catalog: ReadonlyMap<string, NodeSpec>,
  inputs: Record<string, unknown>,
): Overrides {
  const graph = loadOrThrow(input, catalog);
  const layout = graphApp(graph, catalog);
  const { overrides, unknown } = appInputsToOverrides(layout, inputs);
  if (unknown.length) {
    const known = layout.fields.map((f) => f.name);
    throw new UserError(
      'UNKNOWN_APP_INPUT',
      `unknown app field${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}; this graph's fields: ${known.map((n) => `"${n}"`).join(', ') || 'none'}`,
      { unknown, fields: known },
    );
  }
  return overrides;
}

/** Loads + validates; returns the graph or throws UserError GRAPH_INVALID with `details.issues`. */
export function prepareGraph(
  input: unknown,
  catalog: ReadonlyMap<string, NodeSpec>,
  overrides?: Overrides,
): GraphDoc {
  const loaded = loadGraph(input, catalog);
  if (!loaded.ok) throw invalid(loaded.issues);
  const graph = applyOverrides(loaded.graph, overrides);
  const issues = validateGraph(graph, catalog);
  if (issues.length) throw invalid(issues);
  return graph;
}

/** Loads without the run-time checks (saving a work-in-progress graph is allowed). */
export function loadOrThrow(input: unknown, catalog: ReadonlyMap<string, NodeSpec>): GraphDoc {
  const loaded = loadGraph(input, catalog);
  if (!loaded.ok) throw invalid(loaded.issues);
  return loaded.graph;
}

/**
 * Model kinds a node cannot run without when its `model` param is empty and no `preset` brings one
 * (workers/sd/node-payload.ts genPayload and runtime/llm/exec.ts refuse them at run time; the
 * editor's preflight.ts says the same before Run).
 */
const REQUIRED_MODEL_KINDS = new Set(['sd', 'llm']);

/**
 * Checks that every non-empty model param names a model file that exists, and that a required
 * `model` (kind sd/llm) is not left empty without a preset — MODEL_NOT_CONFIGURED naming the node
 * (issue 18 #11) — and that every `<lora:NAME:W>` tag in a text param resolves to a LoRA
 * (workers/sd/lora-tags.ts; issue 18 #2) (design.md §8: a
 * reference to a missing file is a 4xx before anything is written, not a run that fails later).
 * `resolve` is the model registry's; its UserErrors (MODEL_NOT_FOUND, MODEL_WRONG_KIND) become
 * issues, all reported at once. @throws UserError GRAPH_INVALID with `details.issues`.
 */
export function checkModelRefs(
  graph: GraphDoc,
  catalog: ReadonlyMap<string, NodeSpec>,
  resolve: (ref: string, kind: string) => unknown,
): void {
  // Muted and bypassed nodes do not run: their model references need not exist (issue 15).
  graph = applyModes(graph, catalog).graph;
  const issues: ReportedIssue[] = [];
  // The resolved model itself is returned: the stack check below reads its family and component.
  resolve = memoizedLookup(resolve);
  const wired = new Map<string, Set<string>>();
  for (const e of graph.edges) {
    let ports = wired.get(e.target);
    if (!ports) wired.set(e.target, (ports = new Set()));
    ports.add(e.targetHandle);
  }
  for (const node of graph.nodes) {
    const spec = catalog.get(node.type);
    if (!spec) continue;
    // A guide image without its model, or the model without its image (issue 14), names the node.
    for (const g of guideProblems(spec.requires, wired.get(node.id) ?? new Set(), node.params))
      issues.push({
        code: 'GUIDE_INCOMPLETE',
        nodeId: node.id,
        field: g.param,
        message: `node ${node.id}: ${g.message}`,
      });
    // Prompt text may carry `<lora:NAME:W>` tags, which sd.cpp would open as files: each must name
    // a LoRA the registry resolves inside the model folders (issue 18 #2).
    for (const [name, value] of Object.entries(node.params)) {
      if (typeof value !== 'string' || !value.includes('<lora:')) continue;
      for (const tag of loraTags(value)) {
        try {
          resolve(tag.name.trim(), 'lora');
        } catch (err) {
          if (!(err instanceof UserError)) throw err;
          issues.push({
            code: err.code,
            nodeId: node.id,
            field: name,
            message: `node ${node.id}: the prompt tag ${tag.raw}: ${err.message}`,
          });
        }
      }
    }
    for (const [name, meta] of modelParams(spec)) {
      const ref = node.params[name];
      const kind = typeof meta.modelKind === 'string' ? meta.modelKind : 'sd';
      const empty = ref === undefined || (typeof ref === 'string' && !ref.trim());
      const preset = node.params.preset;
      if (
        empty &&
        name === 'model' &&
        REQUIRED_MODEL_KINDS.has(kind) &&
        !(typeof preset === 'string' && preset.trim())
      ) {
        issues.push({
          code: 'MODEL_NOT_CONFIGURED',
          nodeId: node.id,
          field: name,
          message: `node ${node.id}: choose a model in its "${name}" param (or a preset); it is empty`,
        });
      }
    }
    // The same resolution a run's node preparation does (runtime/exec/models.ts), model pickers only:
    // LoRA lists are checked when the node is prepared.
    const models = resolveNodeModels(spec, node.params, resolve, {
      only: 'pickers',
      onIssue: (r, err) =>
        issues.push({
          code: err.code,
          nodeId: node.id,
          field: r.param,
          message: `node ${node.id}: ${err.message}`,
        }),
    });
    // A model stack missing a required text encoder or VAE is refused before the run (issue 13).
    // With a preset the preset supplies the files; the executor checks that stack.
    const main = models.model as { family?: string | null; component?: string | null } | undefined;
    if (main && !node.params.preset) {
      const have: Partial<Record<EncoderRole | 'vae', boolean>> = { vae: Boolean(models.vae) };
      for (const [role, param] of Object.entries(ROLE_PARAM))
        if (models[param]) have[role as EncoderRole] = true;
      for (const p of stackProblems(
        { family: main.family ?? null, component: main.component ?? null },
        have,
      )) {
        issues.push({
          code: 'STACK_INCOMPLETE',
          nodeId: node.id,
          field: paramOfRole(p.field),
          message: `node ${node.id}: ${p.message}`,
        });
      }
    }
  }
  if (issues.length) throw invalid(issues);
}

const ROLE_PARAM: Record<EncoderRole | 'vae', string> = {
  clip_l: 'clipL',
  clip_g: 'clipG',
  t5xxl: 't5xxl',
  llm: 'llm',
  vae: 'vae',
};
const paramOfRole = (r: EncoderRole | 'vae') => ROLE_PARAM[r];

/** Per spec: its model params and their UI meta (read once, not per node: issue 18 #9). */
const modelParamCache = new WeakMap<NodeSpec, [string, Record<string, unknown>][]>();
function modelParams(spec: NodeSpec): [string, Record<string, unknown>][] {
  let out = modelParamCache.get(spec);
  if (!out) {
    out = [];
    for (const [name, schema] of Object.entries(spec.params.shape)) {
      const meta = (schema as { meta?: () => Record<string, unknown> | undefined }).meta?.();
      if (meta?.widget === 'model') out.push([name, meta]);
    }
    modelParamCache.set(spec, out);
  }
  return out;
}

/** A graph issue as reported in `details.issues`: validation's own codes or a model registry error code. */
type ReportedIssue = Omit<GraphIssue, 'code'> & { code: GraphIssue['code'] | ErrorCode };

function invalid(issues: readonly ReportedIssue[]): UserError {
  const head = issues
    .slice(0, 3)
    .map((i) => i.message)
    .join('; ');
  return new UserError(
    'GRAPH_INVALID',
    `the graph has ${issues.length} problem${issues.length === 1 ? '' : 's'}: ${head}${issues.length > 3 ? '; …' : ''}`,
    { issues },
  );
}
