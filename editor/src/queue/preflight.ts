/**
 * Pre-run checks: what the runtime would refuse at run time although the graph itself is valid,
 * found in the browser so the node says it before Run instead of failing mid-run. Which node needs
 * what is declared by the node itself (NodeSpec.requires, nodes/core/define-node.ts):
 *
 * - a required model (`requires.model`) left empty while no preset supplies one
 *   → `MODEL_NOT_CONFIGURED`;
 * - a node that starts stable-diffusion.cpp (`requires.sdEngine`) while GET /api/health says
 *   `sdCppConfigured: false` → `ENGINE_NOT_CONFIGURED`;
 * - an image source (`requires.imageSource`) left empty → `BAD_PARAMS`.
 *
 * The sentences are the runtime's own (runtime/exec/sd-payload.ts genPayload, runtime/exec/llm.ts
 * resolveLlm, workers/sd/engine.ts HOW_TO_CONFIGURE, nodes/image/load-image.run.ts resolveSource);
 * tests/unit/editor/preflight.test.ts fails when either side changes its wording alone.
 * Pure: no store, no DOM.
 */
import { catalog, needsSdEngine, type GraphDoc, type NodeSpecJson } from '../../../nodes/index';
import type { ParamSchema } from '../widgets/schema';

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


/** workers/sd/engine.ts HOW_TO_CONFIGURE. */
export const SD_CPP_HOW_TO =
  'Set SD_CPP_BIN to the path of stable-diffusion.cpp\'s sd-cli executable (or `sd` for builds before 2025-12), ' +
  'e.g. SD_CPP_BIN=/opt/stable-diffusion.cpp/build/bin/sd-cli, then restart MystiCanvas. ' +
  'Build it from https://github.com/leejet/stable-diffusion.cpp or use a release binary.';

/** The sd worker's ENGINE_NOT_CONFIGURED message when SD_CPP_BIN is unset. */
export const ENGINE_MESSAGE = `stable-diffusion.cpp is not configured. ${SD_CPP_HOW_TO}`;

/** load-image's message for an empty source. */
export const SOURCE_MESSAGE = 'load image: set "source" to a generation id or a path inside the data folder';

/**
 * The runtime's MODEL_NOT_CONFIGURED sentence for a node of `type` (kind `sd` or `llm`), naming
 * the node as its declaration's `requires.model.nodeName` does.
 */
export function modelMessage(type: string, kind: string): string {
  return modelSentence(catalog.get(type)?.requires?.model?.nodeName ?? type, kind);
}

/** The MODEL_NOT_CONFIGURED sentence naming the node `name`. */
function modelSentence(name: string, kind: string): string {
  if (kind === 'llm') {
    return `${name} needs a language model: pick a GGUF file in the node's Model field. Models are listed from the folders in MYSTI_MODELS (default: <data>/models); put a .gguf file there and rescan.`;
  }
  return `Choose a model in the ${name} node's "Model" param, or set MYSTI_MODELS to a folder with Stable Diffusion checkpoints (.safetensors, .gguf) and restart.`;
}

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** True when running this node starts sd.cpp, as its declaration says (`requires.sdEngine`). */
export function needsSdCpp(spec: NodeSpecJson, params: Record<string, unknown>): boolean {
  return needsSdEngine(spec.requires, params);
}

/** Every pre-run problem of `doc`, in node order; unknown node types are validateGraph's business. */
export function preflight(doc: Pick<GraphDoc, 'nodes'>, specs: ReadonlyMap<string, NodeSpecJson>, env: PreflightEnv): PreflightIssue[] {
  const out: PreflightIssue[] = [];
  for (const n of doc.nodes) {
    const spec = specs.get(n.type);
    if (!spec) continue;
    const params = { ...spec.defaults, ...n.params };
    const props = ((spec.params as { properties?: Record<string, ParamSchema> }).properties ?? {});
    const need = spec.requires?.model;
    // A preset brings its own model (runtime/exec/presets.ts applyPreset).
    if (need && !str(params[need.param]) && !str(params.preset)) {
      out.push({ code: 'MODEL_NOT_CONFIGURED', nodeId: n.id, field: need.param, message: modelSentence(need.nodeName, props[need.param]?.modelKind ?? 'sd') });
    }
    if (env.sdCppConfigured === false && needsSdCpp(spec, params)) {
      out.push({ code: 'ENGINE_NOT_CONFIGURED', nodeId: n.id, message: ENGINE_MESSAGE });
    }
    const source = spec.requires?.imageSource;
    if (source && !str(params[source])) {
      out.push({ code: 'BAD_PARAMS', nodeId: n.id, field: source, message: SOURCE_MESSAGE });
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
