/** Shapes shared by the PNG reader and writer. */

export type TextChunkType = 'tEXt' | 'zTXt' | 'iTXt';

/** One decoded PNG text chunk (PNG spec §11.3.4). */
export interface PngTextChunk {
  type: TextChunkType;
  /** 1–79 Latin-1 characters. */
  keyword: string;
  /** The decoded text (inflated when the chunk was compressed). */
  text: string;
  /** iTXt only: the RFC 3066 language tag ('' when absent). */
  language?: string;
  /** iTXt only: the keyword translated into `language`. */
  translatedKeyword?: string;
  compressed: boolean;
  /**
   * How the bytes were decoded. tEXt is Latin-1 by the spec, but several writers (sd.cpp,
   * Stability Matrix) put raw UTF-8 there, so UTF-8 is tried first (anchors-mission.md §2.3).
   */
  encoding: 'utf8' | 'latin1';
  /** True when the chunk came after the first IDAT (legal; some writers do it). */
  afterIdat: boolean;
}

/** Stable codes for what the reader skipped or could not finish. The file is still usable. */
export type PngWarningCode =
  | 'PNG_BAD_CRC'
  | 'PNG_TEXT_TOO_LARGE'
  | 'PNG_TEXT_INVALID'
  | 'PNG_TRUNCATED'
  | 'PNG_NO_IEND'
  | 'PNG_CHUNK_INVALID';

export interface PngWarning {
  code: PngWarningCode;
  message: string;
  /** Chunk type (and keyword when known) the warning is about. */
  chunk?: string;
}

/** Decompression and size caps; defaults in {@link DEFAULT_LIMITS}. */
export interface PngTextLimits {
  /** Largest decoded text of one chunk, bytes. Bigger chunks are skipped with PNG_TEXT_TOO_LARGE. */
  maxChunkBytes: number;
  /** Largest sum of decoded text per file, bytes. */
  maxTotalBytes: number;
}

/**
 * 1 MiB per chunk and 64 MiB per file: Pillow's MAX_TEXT_CHUNK / MAX_TEXT_MEMORY, the caps
 * issue 7 asks for (anchors-reliability.md §6: CVE-2014-9601 is why the per-file cap exists).
 */
export const DEFAULT_LIMITS: PngTextLimits = { maxChunkBytes: 1 << 20, maxTotalBytes: 64 << 20 };

/** What a read returns: the text chunks in file order plus what was skipped and why. */
export interface PngTextRead {
  chunks: PngTextChunk[];
  warnings: PngWarning[];
  /** From IHDR, px. */
  width: number;
  height: number;
  /** True when the walk reached IEND (a header-only read that stopped at IDAT reports false). */
  reachedIend: boolean;
  /** True when the walk stopped at the first IDAT on purpose (header-only mode). */
  stoppedAtIdat: boolean;
}

/** How far to walk. */
export type PngReadMode =
  /** Stop at the first IDAT; only text placed before the image data is seen. Fastest. */
  | 'header'
  /** Walk every chunk to IEND. */
  | 'full'
  /** Stop at IDAT if text was found before it, else continue to IEND (anchors-performance.md §9). */
  | 'auto';

export interface PngReadOptions {
  mode?: PngReadMode;
  limits?: Partial<PngTextLimits>;
  /** Check each text chunk's CRC (default true); a mismatch skips the chunk with PNG_BAD_CRC. */
  checkCrc?: boolean;
}

/** 8-byte PNG signature (PNG spec §5.2). */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** True when the bytes start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  for (let i = 0; i < 8; i++) if (bytes[i] !== PNG_SIGNATURE[i]) return false;
  return true;
}
