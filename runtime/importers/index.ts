/**
 * Loading a workflow from an uploaded file: a PNG (by signature) is read with our chunk reader
 * and its chunks tried in order (design.md §9): ours (`mysticanvas`) → ComfyUI `workflow` (with
 * `prompt` for named widget values) → SwarmUI JSON in `parameters` → ComfyUI `prompt` →
 * InvokeAI (`invokeai_workflow`, `invokeai_metadata`+`invokeai_graph`, `invokeai_graph`,
 * legacy `sd-metadata`) → `parameters` (sd.cpp when it says so, else A1111/Forge; JSON
 * `parameters` of other tools generically). SwarmUI's `parameters` wins over its own `prompt`
 * chunk because that chunk is Swarm's internal backend graph, not what the user set.
 * A JSON body is detected as our graph, a ComfyUI UI workflow / API prompt or an InvokeAI workflow.
 */
import { UserError } from '../errors';
import { assertJsonDepth } from '../json-limits';
import type { GenerationParams } from '../../wire/gallery';
import { readPngText } from '../png/read';
import { isPng, type PngTextChunk, type PngWarning } from '../png/types';
import { MYSTICANVAS_KEYWORD } from '../png/mysticanvas';
import { parseA1111Parameters } from '../png/a1111';
import { embeddedTextChunks } from '../library/embedded-meta';
import type { ImportResult } from './build';
import { importA1111 } from './a1111';
import { importComfyApi, importComfyUi } from './comfyui';
import { isComfyApiPrompt, isComfyUiWorkflow } from './comfyui-ir';
import {
  importInvokeGraph,
  importInvokeLegacy,
  importInvokeMetadata,
  importInvokeWorkflow,
  isInvokeGraph,
  isInvokeWorkflow,
} from './invokeai';
import { importMysticanvasChunk, importOurGraph, isOurGraph } from './mysticanvas';
import { importSdcpp, isSdcppParameters } from './sdcpp';
import { importSwarm, isSwarmParams } from './swarmui';
import { importGenericJson } from './generic-json';
import { canonicalSeed } from '../../nodes/core/seed';
import { parseJsonLossless } from './json';
import { isGenerator, isOutput } from '../../nodes/index';

export type ImportSource =
  | 'mysticanvas'
  | 'comfyui-ui'
  | 'comfyui-api'
  | 'a1111'
  | 'sdcpp'
  | 'invokeai'
  | 'swarmui'
  | 'json';

/** An imported workflow: the graph, what was approximated or left out, and where it came from. */
export interface WorkflowImport extends ImportResult {
  source: ImportSource;
  /** For our own chunk: runId, nodeId, params, lineage, versions, model hashes. */
  run?: Record<string, unknown>;
}

export interface ImportInput {
  bytes: Uint8Array;
  contentType?: string;
  filename?: string;
}

/** Largest JSON body or chunk we parse, bytes. */
const MAX_JSON_BYTES = 16 << 20;
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON.parse or undefined; @throws UserError JSON_TOO_DEEP past MAX_JSON_DEPTH (runtime/json-limits.ts). */
function parseJson(text: string): unknown {
  if (text.length > MAX_JSON_BYTES) return undefined;
  assertJsonDepth(text, 'the workflow JSON');
  try {
    // Lossless: ComfyUI's 64-bit seeds are JSON numbers above 2^53 (runtime/importers/json.ts).
    return parseJsonLossless(text);
  } catch {
    return undefined;
  }
}

/**
 * Imports a workflow from an uploaded PNG or JSON file.
 *
 * @returns the graph (passes loadGraph; placeholders fail validateGraph until replaced), warnings, source
 * @throws UserError NO_METADATA (a PNG without workflow or parameters), PNG_INVALID, PNG_TRUNCATED,
 *   METADATA_TOO_LARGE, UNSUPPORTED_FORMAT (not PNG/JSON, or JSON of an unknown kind),
 *   WORKFLOW_INVALID (recognised but broken), GRAPH_VERSION_UNSUPPORTED (our graph from a newer build)
 */
export function importWorkflow(input: ImportInput): WorkflowImport {
  const { bytes } = input;
  if (isPng(bytes)) {
    const read = readPngText(bytes, { mode: 'full' });
    return importFromChunks(read.chunks, read.warnings);
  }
  if (bytes.length > MAX_JSON_BYTES)
    throw new UserError(
      'UNSUPPORTED_FORMAT',
      'The file is too large to be a workflow (over 16 MiB)',
      undefined,
      413,
    );
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new UserError(
      'UNSUPPORTED_FORMAT',
      'Only PNG images and JSON workflow files can be imported',
      { filename: input.filename, contentType: input.contentType },
    );
  }
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    const json = parseJson(text);
    if (json === undefined) throw new UserError('WORKFLOW_INVALID', 'The file is not valid JSON');
    return importJson(json);
  }
  if (!trimmed.startsWith('<') && parseA1111Parameters(text).hasParamsLine) {
    // A saved A1111 "PNG info" text (.txt).
    return isSdcppParameters(text)
      ? { ...importSdcpp(text), source: 'sdcpp' }
      : { ...importA1111(text), source: 'a1111' };
  }
  throw new UserError(
    'UNSUPPORTED_FORMAT',
    'Only PNG images and JSON workflow files can be imported',
    { filename: input.filename, contentType: input.contentType },
  );
}

/**
 * {@link importWorkflow} for every input the studio accepts, JPEG and WebP included: their
 * EXIF/XMP/COM metadata (runtime/library/embedded-meta.ts) is read asynchronously, then imported
 * like PNG text chunks. Used by POST /api/workflows/from-image and uploads.
 *
 * @throws UserError as {@link importWorkflow}; NO_METADATA for a JPEG/WebP that carries none
 */
export async function importWorkflowAny(input: ImportInput): Promise<WorkflowImport> {
  const format = jpegOrWebp(input.bytes);
  if (!format) return importWorkflow(input);
  const chunks = await embeddedTextChunks(input.bytes, format);
  if (!chunks.length)
    throw new UserError(
      'NO_METADATA',
      `This ${format === 'jpeg' ? 'JPEG' : 'WebP'} carries no workflow or generation parameters`,
    );
  return importFromChunks(chunks);
}

function jpegOrWebp(b: Uint8Array): 'jpeg' | 'webp' | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (
    b.length >= 12 &&
    String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' &&
    String.fromCharCode(...b.subarray(8, 12)) === 'WEBP'
  )
    return 'webp';
  return null;
}

/** Imports a parsed JSON workflow file. @throws UserError UNSUPPORTED_FORMAT when it is no known kind */
export function importJson(json: unknown): WorkflowImport {
  if (isOurGraph(json)) return { ...importOurGraph(json), source: 'mysticanvas' };
  if (isObj(json) && isObj(json.graph) && isOurGraph(json.graph)) return ours(json);
  if (isComfyUiWorkflow(json)) return { ...importComfyUi(json), source: 'comfyui-ui' };
  if (isComfyApiPrompt(json)) return { ...importComfyApi(json), source: 'comfyui-api' };
  if (isInvokeWorkflow(json)) return { ...importInvokeWorkflow(json), source: 'invokeai' };
  if (isInvokeGraph(json)) return { ...importInvokeGraph(json), source: 'invokeai' };
  if (isSwarmParams(json)) return { ...importSwarm(json), source: 'swarmui' };
  throw new UserError(
    'UNSUPPORTED_FORMAT',
    'This JSON is not a workflow MystiCanvas recognises (MystiCanvas graph, ComfyUI workflow or API prompt, InvokeAI workflow)',
  );
}

function ours(payload: unknown): WorkflowImport {
  const r = importMysticanvasChunk(payload);
  return { graph: r.graph, warnings: r.warnings, source: 'mysticanvas', run: r.meta };
}

/** undefined = the chunk is not in that dialect (warned if nothing else takes it); null = silently not applicable. */
type Attempt = () => WorkflowImport | undefined | null;

/**
 * Imports from already-read PNG text chunks (the gallery scanner reads them itself).
 * @throws UserError as {@link importWorkflow}; NO_METADATA when no chunk carries a workflow or parameters
 */
export function importFromChunks(
  chunks: readonly PngTextChunk[],
  pngWarnings: readonly PngWarning[] = [],
): WorkflowImport {
  const text = (k: string) => chunks.find((c) => c.keyword === k)?.text;
  const json = (k: string) => {
    const t = text(k);
    return t === undefined ? undefined : parseJson(t);
  };
  const params = text('parameters');
  const paramsJson = params?.trimStart().startsWith('{') ? parseJson(params) : undefined;
  const attempts: Array<[string, Attempt]> = [
    [
      MYSTICANVAS_KEYWORD,
      () => (json(MYSTICANVAS_KEYWORD) !== undefined ? ours(json(MYSTICANVAS_KEYWORD)) : undefined),
    ],
    [
      'workflow',
      () => {
        const w = json('workflow');
        return isComfyUiWorkflow(w)
          ? { ...importComfyUi(w, json('prompt')), source: 'comfyui-ui' }
          : undefined;
      },
    ],
    [
      'parameters',
      () => (isSwarmParams(paramsJson) ? { ...importSwarm(paramsJson), source: 'swarmui' } : null),
    ],
    [
      'prompt',
      () => {
        const p = json('prompt');
        return isComfyApiPrompt(p) ? { ...importComfyApi(p), source: 'comfyui-api' } : undefined;
      },
    ],
    [
      'invokeai_workflow',
      () => {
        const w = json('invokeai_workflow');
        return isInvokeWorkflow(w) ? { ...importInvokeWorkflow(w), source: 'invokeai' } : undefined;
      },
    ],
    [
      'invokeai_metadata',
      () => {
        const m = json('invokeai_metadata');
        return isObj(m)
          ? { ...importInvokeMetadata(m, json('invokeai_graph')), source: 'invokeai' }
          : undefined;
      },
    ],
    [
      'invokeai_graph',
      () => {
        const g = json('invokeai_graph');
        return isInvokeGraph(g) ? { ...importInvokeGraph(g), source: 'invokeai' } : undefined;
      },
    ],
    [
      'sd-metadata',
      () => {
        const m = json('sd-metadata');
        return isObj(m) ? { ...importInvokeLegacy(m), source: 'invokeai' } : undefined;
      },
    ],
    [
      'parameters',
      () => {
        if (params === undefined || isSwarmParams(paramsJson)) return null;
        if (paramsJson !== undefined) return { ...importGenericJson(paramsJson), source: 'json' };
        if (isSdcppParameters(params)) return { ...importSdcpp(params), source: 'sdcpp' };
        return { ...importA1111(params), source: 'a1111' };
      },
    ],
  ];
  const skipped: string[] = [];
  let firstError: unknown;
  for (const [keyword, attempt] of attempts) {
    if (text(keyword) === undefined) continue;
    try {
      const r = attempt();
      if (r === null) continue;
      if (r) {
        r.warnings.unshift(...skipped, ...pngWarnings.map((w) => w.message));
        return r;
      }
      skipped.push(`The ${keyword} chunk is not in a format MystiCanvas recognises; ignored`);
    } catch (err) {
      firstError ??= err;
      skipped.push(
        `The ${keyword} chunk could not be imported: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  if (firstError) throw firstError;
  const hard =
    pngWarnings.find((w) => w.code === 'PNG_TRUNCATED' || w.code === 'PNG_CHUNK_INVALID') ??
    pngWarnings.find((w) => w.code === 'PNG_TEXT_TOO_LARGE') ??
    pngWarnings.find((w) => w.code === 'PNG_BAD_CRC' || w.code === 'PNG_TEXT_INVALID');
  if (hard) {
    const code =
      hard.code === 'PNG_TRUNCATED'
        ? 'PNG_TRUNCATED'
        : hard.code === 'PNG_TEXT_TOO_LARGE'
          ? 'METADATA_TOO_LARGE'
          : 'PNG_INVALID';
    throw new UserError(code, `No usable metadata could be read: ${hard.message}`, {
      warnings: pngWarnings.slice(0, 20),
    });
  }
  if (skipped.length)
    throw new UserError(
      'UNSUPPORTED_FORMAT',
      `This PNG's metadata is in a format MystiCanvas does not recognise (${skipped.join('; ')})`,
    );
  throw new UserError('NO_METADATA', 'This PNG carries no workflow or generation parameters', {
    keywords: chunks.map((c) => c.keyword),
  });
}

/** What the gallery shows and indexes for an image (null fields = unknown). */
export interface GenerationInfo extends GenerationParams {
  model: string | null;
  source: ImportSource;
}

/**
 * The generation settings of an image, for the gallery importer: the sampler node that feeds a
 * save node (else the first txt2img/img2img) of the imported graph, with its prompts.
 * Never throws: returns null when the chunks hold no readable metadata.
 */
export function extractGenerationInfo(chunks: readonly PngTextChunk[]): GenerationInfo | null {
  let r: WorkflowImport;
  try {
    r = importFromChunks(chunks);
  } catch {
    return null;
  }
  return generationInfoOf(r);
}

/** {@link extractGenerationInfo} for an import already made (the library importer needs both). */
export function generationInfoOf(r: WorkflowImport): GenerationInfo {
  const { nodes, edges } = r.graph;
  const gens = nodes.filter((n) => isGenerator(n.type));
  const saved = new Set(
    edges
      .filter((e) => isOutput(nodes.find((n) => n.id === e.target)?.type ?? ''))
      .map((e) => e.source),
  );
  const gen = gens.find((n) => saved.has(n.id)) ?? gens[0];
  const runParams = isObj(r.run?.params) ? r.run.params : {};
  const p = { ...(gen?.params ?? {}), ...(r.source === 'mysticanvas' ? runParams : {}) };
  const textInto = (handle: string): string | null => {
    if (!gen) return null;
    const e = edges.find((x) => x.target === gen.id && x.targetHandle === handle);
    const src = e && nodes.find((n) => n.id === e.source);
    return src?.type === 'prompt' && typeof src.params.text === 'string' ? src.params.text : null;
  };
  const numOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const strOrNull = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    prompt: textInto('prompt'),
    negativePrompt: textInto('negative'),
    seed: canonicalSeed(p.seed) ?? null,
    width: numOrNull(p.width),
    height: numOrNull(p.height),
    steps: numOrNull(p.steps),
    cfgScale: numOrNull(p.cfgScale),
    sampler: strOrNull(p.sampler),
    scheduler: strOrNull(p.scheduler),
    model: strOrNull(p.model),
    source: r.source,
  };
}
