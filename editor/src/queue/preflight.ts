/**
 * Pre-run checks: what the runtime would refuse at run time although the graph itself is valid,
 * found in the browser so the node says it before Run instead of failing mid-run:
 *
 * - a required model left empty (txt2img/img2img `model` of kind `sd`, llm-enhance/tag `model` of
 *   kind `llm`) while no preset supplies one → `MODEL_NOT_CONFIGURED`;
 * - a node that needs stable-diffusion.cpp while GET /api/health says `sdCppConfigured: false`
 *   → `ENGINE_NOT_CONFIGURED`;
 * - a Load image node with no source → `BAD_PARAMS`.
 *
 * The sentences are the runtime's own, read from wire/errors.ts (the fixed `message` of the error
 * table's row, or its `sentences`), the same source the throwing code uses;
 * tests/unit/editor/preflight.test.ts checks that the runtime really throws them.
 * Pure: no store, no DOM.
 */
import type { GraphDoc, NodeSpecJson } from '../../../nodes/index';
import type { ParamSchema } from '../widgets/schema';
import { ERROR_CODES, sentences } from '../../../wire/errors';

export type PreflightCode = 'MODEL_NOT_CONFIGURED' | 'ENGINE_NOT_CONFIGURED' | 'BAD_PARAMS';

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

/** Model kinds a node cannot run without (vae, taesd, upscaler, … are optional). */
const REQUIRED_MODEL_KINDS = new Set(['sd', 'llm']);

/** The name each executor passes into its "choose a model" sentence (see the module comment). */
const RUNTIME_NODE_NAME: Record<string, string> = { txt2img: 'txt2img', img2img: 'img2img', 'llm-enhance': 'LLM enhance', tag: 'Tag' };

/** The sd worker's ENGINE_NOT_CONFIGURED message when SD_CPP_BIN is unset. */
export const ENGINE_MESSAGE = ERROR_CODES.ENGINE_NOT_CONFIGURED.message;

/** load-image's message for an empty source. */
export const SOURCE_MESSAGE = sentences.loadImageNoSource;

/** The runtime's MODEL_NOT_CONFIGURED sentence for a node of `type` (kind `sd` or `llm`). */
export function modelMessage(type: string, kind: string): string {
  return sentences.modelNotConfigured(RUNTIME_NODE_NAME[type] ?? type, kind === 'llm' ? 'llm' : 'sd');
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/**
 * True when running this node starts sd.cpp. Upscale runs a Lanczos resize in the runtime
 * instead when its method is `lanczos` or no upscaler model is set (nodes/diffusion/upscale.run.ts).
 */
export function needsSdCpp(spec: NodeSpecJson, params: Record<string, unknown>): boolean {
  if (spec.worker !== 'sd') return false;
  if (spec.type === 'upscale') return params.method !== 'lanczos' && str(params.model) !== '';
  return true;
}

/** Every pre-run problem of `doc`, in node order; unknown node types are validateGraph's business. */
export function preflight(doc: Pick<GraphDoc, 'nodes'>, specs: ReadonlyMap<string, NodeSpecJson>, env: PreflightEnv): PreflightIssue[] {
  const out: PreflightIssue[] = [];
  for (const n of doc.nodes) {
    const spec = specs.get(n.type);
    if (!spec) continue;
    const params = { ...spec.defaults, ...n.params };
    const props = ((spec.params as { properties?: Record<string, ParamSchema> }).properties ?? {});
    const model = props.model;
    // A preset brings its own model (runtime/exec/presets.ts withImagePreset / the LLM preset).
    if (model?.widget === 'model' && model.modelKind && REQUIRED_MODEL_KINDS.has(model.modelKind) && !str(params.model) && !str(params.preset)) {
      out.push({ code: 'MODEL_NOT_CONFIGURED', nodeId: n.id, field: 'model', message: modelMessage(spec.type, model.modelKind) });
    }
    if (env.sdCppConfigured === false && needsSdCpp(spec, params)) {
      out.push({ code: 'ENGINE_NOT_CONFIGURED', nodeId: n.id, message: ENGINE_MESSAGE });
    }
    if (spec.type === 'load-image' && !str(params.source)) {
      out.push({ code: 'BAD_PARAMS', nodeId: n.id, field: 'source', message: SOURCE_MESSAGE });
    }
  }
  return out;
}

/** The Run refusal sentence: which nodes, and the first reason in the runtime's words. */
export function refusalText(issues: readonly PreflightIssue[], titleOf: (nodeId: string) => string): string {
  const first = issues[0]!;
  const nodes = new Set(issues.map((i) => i.nodeId));
  const lead = nodes.size > 1 ? `Cannot run yet: ${nodes.size} nodes need attention. ` : 'Cannot run yet. ';
  return `${lead}${titleOf(first.nodeId)}: ${first.message}`;
}
