/**
 * Our own `mysticanvas` iTXt chunk (design.md §9): everything needed to reload and rerun the
 * workflow that produced an image, plus the `parameters` chunk in A1111 layout for other tools.
 */
import type { GraphDoc } from '../../nodes/core/graph';
import { formatA1111Parameters, type A1111Info } from './a1111';
import { insertTextChunks, type PngTextEntry } from './write';

export const MYSTICANVAS_KEYWORD = 'mysticanvas';

/** JSON payload of the `mysticanvas` chunk. */
export interface MysticanvasMeta {
  graph: GraphDoc;
  runId: string;
  /** The save node that wrote the image. */
  nodeId: string;
  /** Resolved params of the generating node (seed resolved, never "random"). */
  params: Record<string, unknown>;
  /** Generation ids of the images this one was made from (img2img/upscale inputs). */
  lineage: string[];
  appVersion: string;
  engineVersion: string;
  /** Model reference → SHA-256 hex of the file. */
  modelHashes: Record<string, string>;
}

/**
 * The two text entries a saved image carries: `mysticanvas` (iTXt, UTF-8 JSON) and
 * `parameters` (tEXt when Latin-1-safe, else iTXt — what A1111 itself does).
 */
export function metadataEntries(meta: MysticanvasMeta, a1111?: A1111Info): PngTextEntry[] {
  const entries: PngTextEntry[] = [
    { keyword: MYSTICANVAS_KEYWORD, text: JSON.stringify(meta), chunk: 'iTXt' },
  ];
  if (a1111)
    entries.push({ keyword: 'parameters', text: formatA1111Parameters(a1111), chunk: 'auto' });
  return entries;
}

/**
 * Returns `png` with our metadata chunks inserted before IDAT (replacing older ones).
 * @throws UserError PNG_INVALID when `png` is not a PNG
 */
export function embedMetadata(
  png: Uint8Array,
  meta: MysticanvasMeta,
  a1111?: A1111Info,
): Uint8Array {
  return insertTextChunks(png, metadataEntries(meta, a1111));
}
