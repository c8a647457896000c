/**
 * Pre-run checks: what the runtime would refuse at run time although the graph itself is valid,
 * found in the browser so the node says it before Run instead of failing mid-run. Which node needs
 * what is declared by the node itself (NodeSpec.requires, nodes/core/define-node.ts):
 *
 * - a required model (`requires.model`) left empty while no preset supplies one
 *   → `MODEL_NOT_CONFIGURED`;
 * - a node that starts stable-diffusion.cpp (`requires.sdEngine`) while GET /api/health says
 *   `sdCppConfigured: false` → `ENGINE_NOT_CONFIGURED`;
 * - an image source (`requires.imageSource`) left empty → `BAD_PARAMS`;
 * - a guide image without its model or the model without its image (`requires.guides`, issue 14)
 *   → `GUIDE_INCOMPLETE`, in the words of nodes/core/define-node.ts guideProblems (the submit check's).
 *
 * The sentences are the runtime's own, read from wire/errors.ts (the fixed `message` of the error
 * table's row, or its `sentences`), the same source the throwing code uses;
 * tests/unit/editor/preflight.test.ts checks that the runtime really throws them.
 * Pure: no store, no DOM.
 */
import { catalog, needsSdEngine, type GraphDoc, type NodeSpecJson } from '../../../nodes/index';
import { guideProblems } from '../../../nodes/core/define-node';
import type { ParamSchema } from '../widgets/schema';
import { ERROR_CODES, sentences } from '../../../wire/errors';

export type PreflightCode =
  'MODEL_NOT_CONFIGURED' | 'ENGINE_NOT_CONFIGURED' | 'BAD_PARAMS' | 'GUIDE_INCOMPLETE';

/** One pre-run problem on one node; `field` is the param to highlight, when there is one. */
export interface PreflightIssue {
  code: PreflightCode;
  nodeId: string;
  field?: string;
  message: string;
}

/** What the runtime told us about itself (GET /api/health); unknown = assume configured. */
export interface PreflightEnv {
  sdCppConfigured?: boolean;
}

/** The sd worker's ENGINE_NOT_CONFIGURED message when SD_CPP_BIN is unset. */
export const ENGINE_MESSAGE = ERROR_CODES.ENGINE_NOT_CONFIGURED.message;

/** load-image's message for an empty source. */
export const SOURCE_MESSAGE = sentences.loadImageNoSource;

/**
 * The runtime's MODEL_NOT_CONFIGURED sentence for a node of `type` (kind `sd` or `llm`), naming
 * the node as its declaration's `requires.model.nodeName` does.
 */
export function modelMessage(type: string, kind: string): string {
  return sentences.modelNotConfigured(
    catalog.get(type)?.requires?.model?.nodeName ?? type,
    kind === 'llm' ? 'llm' : 'sd',
  );
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** True when running this node starts sd.cpp, as its declaration says (`requires.sdEngine`). */
export function needsSdCpp(spec: NodeSpecJson, params: Record<string, unknown>): boolean {
  return needsSdEngine(spec.requires, params);
}

/** Every pre-run problem of `doc`, in node order; unknown node types are validateGraph's business. */
export function preflight(
  doc: Pick<GraphDoc, 'nodes'> & Partial<Pick<GraphDoc, 'edges'>>,
  specs: ReadonlyMap<string, NodeSpecJson>,
  env: PreflightEnv,
): PreflightIssue[] {
  const out: PreflightIssue[] = [];
  const wired = new Map<string, Set<string>>();
  for (const e of doc.edges ?? []) {
    const ports = wired.get(e.target) ?? new Set<string>();
    ports.add(e.targetHandle);
    wired.set(e.target, ports);
  }
  for (const n of doc.nodes) {
    const spec = specs.get(n.type);
    if (!spec) continue;
    const params = { ...spec.defaults, ...n.params };
    const props = (spec.params as { properties?: Record<string, ParamSchema> }).properties ?? {};
    const need = spec.requires?.model;
    // A preset brings its own model (runtime/exec/presets.ts applyPreset).
    if (need && !str(params[need.param]) && !str(params.preset)) {
      out.push({
        code: 'MODEL_NOT_CONFIGURED',
        nodeId: n.id,
        field: need.param,
        message: sentences.modelNotConfigured(
          need.nodeName,
          props[need.param]?.modelKind === 'llm' ? 'llm' : 'sd',
        ),
      });
    }
    if (env.sdCppConfigured === false && needsSdCpp(spec, params)) {
      out.push({ code: 'ENGINE_NOT_CONFIGURED', nodeId: n.id, message: ENGINE_MESSAGE });
    }
    if (doc.edges)
      for (const g of guideProblems(spec.requires, wired.get(n.id) ?? new Set(), params))
        out.push({ code: 'GUIDE_INCOMPLETE', nodeId: n.id, field: g.param, message: g.message });
    const source = spec.requires?.imageSource;
    if (source && !str(params[source])) {
      out.push({ code: 'BAD_PARAMS', nodeId: n.id, field: source, message: SOURCE_MESSAGE });
    }
  }
  return out;
}

/** The Run refusal sentence: which nodes, and the first reason in the runtime's words. */
export function refusalText(
  issues: readonly PreflightIssue[],
  titleOf: (nodeId: string) => string,
): string {
  const first = issues[0]!;
  const nodes = new Set(issues.map((i) => i.nodeId));
  const lead =
    nodes.size > 1 ? `Cannot run yet: ${nodes.size} nodes need attention. ` : 'Cannot run yet. ';
  return `${lead}${titleOf(first.nodeId)}: ${first.message}`;
}
