/**
 * Reading one image file for the library: its content hash, its pixel size and the generation
 * metadata other tools (and we) embed — PNG text chunks, and for JPEG and WebP the EXIF/XMP/COM
 * fields of ./embedded-meta.ts. Pure apart from reading the file: nothing is written here.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import sharp from 'sharp';
import { MystiError, type ErrorCode } from '../errors';
import type { GenerationParams } from '../../wire/gallery';
import { readPngText } from '../png/read';
import { isPng, type PngTextChunk, type PngWarning } from '../png/types';
import { embeddedTextChunks } from './embedded-meta';
import {
  generationInfoOf,
  importFromChunks,
  type ImportSource,
  type WorkflowImport,
} from '../importers';
import type { GraphDoc } from '../../nodes/core/graph';
import { isGenerator } from '../../nodes/index';

/** Where the library says an image came from (generations.source). */
export type LibrarySource =
  'mysticanvas' | 'comfyui' | 'a1111' | 'sdcpp' | 'invokeai' | 'swarmui' | 'unknown';

/** The library's source for an importer dialect: both ComfyUI formats are ComfyUI; generic JSON is unknown. */
export function librarySource(s: ImportSource | null): LibrarySource {
  switch (s) {
    case 'mysticanvas':
    case 'a1111':
    case 'sdcpp':
    case 'invokeai':
    case 'swarmui':
      return s;
    case 'comfyui-ui':
    case 'comfyui-api':
      return 'comfyui';
    default:
      return 'unknown';
  }
}

/** Everything the library records about one readable image. */
export interface ImageRecord extends GenerationParams {
  format: 'png' | 'jpeg' | 'webp';
  /** File size, bytes. */
  bytes: number;
  /** Lower-case hex SHA-256 of the whole file (what the save node records too). */
  sha256: string;
  /** Pixel size of the file itself (IHDR / image header), px. */
  width: number | null;
  height: number | null;
  source: LibrarySource;
  model: string | null;
  /** The imported workflow (what "open workflow" loads), or null when the file carries none. */
  workflow: GraphDoc | null;
  /** Params of the generating node (for our own images: the recorded resolved params). */
  params: Record<string, unknown>;
  /** Tags the metadata itself carries (only our own chunk has a place for them). */
  tags: string[];
  /** What the reader or the importer approximated or skipped (human sentences, at most 20). */
  warnings: string[];
}

/** Why a file could not be imported: a stable code and a sentence. */
export interface ReadFailure {
  code: ErrorCode;
  reason: string;
}

/** Largest file the importer reads, bytes: an image bigger than this is not a generation. */
export const MAX_IMAGE_BYTES = 512 << 20;

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** PNG reader warnings that mean the file itself is damaged (not just one bad text chunk). */
const DAMAGE: Partial<Record<PngWarning['code'], ErrorCode>> = {
  PNG_TRUNCATED: 'PNG_TRUNCATED',
  PNG_NO_IEND: 'PNG_TRUNCATED',
  PNG_CHUNK_INVALID: 'PNG_INVALID',
};

/** The image format by its first bytes (PNG, JPEG, WebP), or null. */
export function sniff(b: Uint8Array): ImageRecord['format'] | null {
  if (isPng(b)) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (
    b.length >= 12 &&
    String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' &&
    String.fromCharCode(...b.subarray(8, 12)) === 'WEBP'
  )
    return 'webp';
  return null;
}

/**
 * Reads and describes one image file.
 *
 * @param abs absolute path
 * @returns the record, or a failure (`PNG_TRUNCATED`, `PNG_INVALID`, `IMAGE_INVALID`,
 *   `UNSUPPORTED_FORMAT`, `FILE_TOO_LARGE`, `READ_FAILED`) — never throws for a bad file
 */
export async function readImageFile(abs: string): Promise<ImageRecord | ReadFailure> {
  let bytes: Buffer;
  try {
    const st = await fs.stat(abs);
    if (st.size > MAX_IMAGE_BYTES)
      return {
        code: 'FILE_TOO_LARGE',
        reason: `${st.size} bytes is over the ${MAX_IMAGE_BYTES >> 20} MiB import limit`,
      };
    bytes = await fs.readFile(abs);
  } catch (err) {
    return { code: 'READ_FAILED', reason: (err as Error).message };
  }
  return describeImage(bytes);
}

/** {@link readImageFile} for bytes already in memory. */
export async function describeImage(bytes: Uint8Array): Promise<ImageRecord | ReadFailure> {
  const format = sniff(bytes);
  if (!format)
    return {
      code: 'UNSUPPORTED_FORMAT',
      reason: 'not a PNG, JPEG or WebP file (by its first bytes)',
    };
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const base: ImageRecord = {
    format,
    bytes: bytes.length,
    sha256,
    width: null,
    height: null,
    source: 'unknown',
    prompt: null,
    negativePrompt: null,
    seed: null,
    steps: null,
    cfgScale: null,
    sampler: null,
    scheduler: null,
    model: null,
    workflow: null,
    params: {},
    tags: [],
    warnings: [],
  };
  if (format !== 'png') {
    let rec: ImageRecord;
    try {
      const m = await sharp(bytes, { limitInputPixels: false }).metadata();
      rec = { ...base, width: m.width ?? null, height: m.height ?? null };
    } catch (err) {
      return {
        code: 'IMAGE_INVALID',
        reason: `the ${format.toUpperCase()} header cannot be read: ${(err as Error).message}`,
      };
    }
    return withMetadata(rec, await embeddedTextChunks(bytes, format), []);
  }
  return describePng(bytes, base);
}

function describePng(bytes: Uint8Array, base: ImageRecord): ImageRecord | ReadFailure {
  let read;
  try {
    // Whole file: the bytes are in memory for the hash anyway, and only a walk to IEND notices truncation.
    read = readPngText(bytes, { mode: 'full' });
  } catch (err) {
    return failureOf(err);
  }
  const damage = read.warnings.find((w) => DAMAGE[w.code]);
  if (damage) return { code: DAMAGE[damage.code]!, reason: damage.message };
  return withMetadata(
    { ...base, width: read.width, height: read.height },
    read.chunks,
    read.warnings,
  );
}

/** The record completed from its metadata chunks (none: the record as is). */
function withMetadata(
  rec: ImageRecord,
  chunks: readonly PngTextChunk[],
  warnings: readonly PngWarning[],
): ImageRecord {
  if (!chunks.length) return rec;
  let wf: WorkflowImport;
  try {
    wf = importFromChunks(chunks, warnings);
  } catch (err) {
    // The image is fine; its metadata is absent or unreadable. Imported without a workflow.
    if (!(err instanceof MystiError) || err.code !== 'NO_METADATA')
      rec.warnings.push(`metadata not imported: ${(err as Error).message}`);
    return rec;
  }
  const info = generationInfoOf(wf);
  const run = wf.run ?? {};
  const gen = wf.graph.nodes.find((n) => isGenerator(n.type));
  return {
    ...rec,
    source: librarySource(wf.source),
    prompt: info.prompt,
    negativePrompt: info.negativePrompt,
    seed: info.seed,
    steps: info.steps,
    cfgScale: info.cfgScale,
    sampler: info.sampler,
    scheduler: info.scheduler,
    model: info.model,
    workflow: wf.graph,
    params: isObj(run.params) ? run.params : gen ? { ...gen.params } : {},
    tags: chunkTags(run.tags),
    warnings: wf.warnings.slice(0, 20),
  };
}

/** Tag names from a `tags` field: strings or `{name}` objects; anything else ignored. */
function chunkTags(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  return v
    .map((t) => (typeof t === 'string' ? t : isObj(t) && typeof t.name === 'string' ? t.name : ''))
    .filter(Boolean)
    .slice(0, 200);
}

function failureOf(err: unknown): ReadFailure {
  if (err instanceof MystiError) return { code: err.code, reason: err.message };
  return { code: 'IMAGE_INVALID', reason: err instanceof Error ? err.message : String(err) };
}

/** Type guard: did {@link readImageFile} fail? */
export function isFailure(r: ImageRecord | ReadFailure): r is ReadFailure {
  return 'code' in r;
}
