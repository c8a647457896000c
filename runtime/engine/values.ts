/**
 * Values that travel along edges at run time, one per port type (nodes/core/define-node.ts).
 * Images are files, never bytes in memory or on the wire (design.md §2): a value names the
 * artifact file inside the data directory and its sha256.
 */

export interface TextValue {
  kind: 'text';
  text: string;
}

export interface ImageValue {
  kind: 'image';
  /** Absolute path of the PNG inside the data directory (artifact store or outputs/). */
  path: string;
  sha256: string;
  width?: number;
  height?: number;
  /** Generation parameters that made it (seed actually used, size, …), for metadata and lineage. */
  info?: Record<string, unknown>;
}

/** One tag as produced by the tag node (issue 3): normalized name, taxonomy category, 0..1. */
export interface TagItem {
  name: string;
  category: string;
  confidence: number;
}

export interface TagsValue {
  kind: 'tags';
  tags: TagItem[];
}

export type PortValue = TextValue | ImageValue | TagsValue;

/**
 * What an executor returns for an image port before the runtime stores it: a file it wrote in
 * the temp area (`ctx.tempPath()`); the runtime hashes it, moves it into the artifact store and
 * records the artifact row with its lineage. `batch` holds extra images of a batch.
 */
export interface NewImage {
  kind: 'image';
  tempPath: string;
  /**
   * sha256 (hex) of the file at `tempPath`, from whoever wrote it (the sd worker reports it with
   * each image): the runtime stores it as is and never hashes the file again.
   */
  sha256: string;
  width?: number;
  height?: number;
  info?: Record<string, unknown>;
}

export type ExecutorOutput = TextValue | TagsValue | NewImage | ImageValue;
