/**
 * The chunk walker shared by the in-memory and the file reader (PNG spec §5.3: length(4, big
 * endian) | type(4) | data | crc(4)). It never reads a chunk's data unless it is a text chunk
 * (or IHDR), so skipping multi-megabyte IDATs costs one seek each.
 */
import { UserError } from '../errors';
import { chunkCrc } from './crc';
import { decodeTextChunk, TextBudget } from './text';
import {
  DEFAULT_LIMITS,
  PNG_SIGNATURE,
  type PngReadOptions,
  type PngTextChunk,
  type PngTextRead,
  type PngWarning,
  type TextChunkType,
} from './types';

/** Random access to the file's bytes. `read` may return fewer bytes only at end of file. */
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Uint8Array;
}

const MAX_CHUNK_LENGTH = 0x7fffffff; // PNG spec §5.3: lengths are limited to 2^31 − 1
const TEXT_TYPES = new Set<string>(['tEXt', 'zTXt', 'iTXt']);

function u32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function isChunkType(b: Uint8Array): boolean {
  for (let i = 4; i < 8; i++) {
    const c = b[i]!;
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/**
 * Walks the chunks of a PNG and decodes its text chunks.
 *
 * @throws UserError PNG_INVALID when the signature or the IHDR chunk is wrong,
 *         PNG_TRUNCATED when the file ends before IHDR is complete.
 *         Anything after IHDR that is broken becomes a warning, and what was read is returned.
 */
export function walkPng(src: ByteSource, opts: PngReadOptions = {}): PngTextRead {
  const mode = opts.mode ?? 'auto';
  const checkCrc = opts.checkCrc ?? true;
  const budget = new TextBudget({ ...DEFAULT_LIMITS, ...opts.limits });
  const warnings: PngWarning[] = [];
  const chunks: PngTextChunk[] = [];

  const head = src.read(0, 33); // signature + IHDR (8 + 4 + 4 + 13 + 4)
  for (let i = 0; i < 8; i++) {
    if (i >= head.length)
      throw new UserError('PNG_TRUNCATED', 'The PNG file is cut short before its header', {
        bytes: src.size,
      });
    if (head[i] !== PNG_SIGNATURE[i])
      throw new UserError('PNG_INVALID', 'Not a PNG file (the PNG signature is missing)');
  }
  if (head.length < 33)
    throw new UserError('PNG_TRUNCATED', 'The PNG file is cut short inside its IHDR header', {
      bytes: src.size,
    });
  const ihdr = head.subarray(8);
  if (
    u32(ihdr, 0) !== 13 ||
    ihdr[4] !== 0x49 ||
    ihdr[5] !== 0x48 ||
    ihdr[6] !== 0x44 ||
    ihdr[7] !== 0x52
  ) {
    throw new UserError('PNG_INVALID', 'The PNG does not start with an IHDR chunk');
  }
  if (checkCrc && chunkCrc(ihdr.subarray(4, 8), ihdr.subarray(8, 21)) !== u32(ihdr, 21)) {
    throw new UserError('PNG_INVALID', 'The PNG header (IHDR) fails its CRC check');
  }
  const width = u32(ihdr, 8);
  const height = u32(ihdr, 12);

  let off = 33;
  let afterIdat = false;
  let reachedIend = false;
  let stoppedAtIdat = false;
  for (;;) {
    if (off >= src.size) {
      warnings.push({
        code: 'PNG_NO_IEND',
        message: 'The file ends without an IEND chunk (it may be cut short)',
      });
      break;
    }
    const h = src.read(off, 8);
    if (h.length < 8) {
      warnings.push({
        code: 'PNG_TRUNCATED',
        message: `The file is cut short inside a chunk header at byte ${off}`,
      });
      break;
    }
    const len = u32(h, 0);
    const type = String.fromCharCode(h[4]!, h[5]!, h[6]!, h[7]!);
    // Copied: the file source reuses its buffer, so `h` is only valid until the next read.
    const typeBytes = Uint8Array.of(h[4]!, h[5]!, h[6]!, h[7]!);
    if (!isChunkType(h)) {
      warnings.push({
        code: 'PNG_CHUNK_INVALID',
        message: `Invalid chunk type at byte ${off}; stopped reading`,
      });
      break;
    }
    if (len > MAX_CHUNK_LENGTH) {
      warnings.push({
        code: 'PNG_CHUNK_INVALID',
        chunk: type,
        message: `${type} chunk at byte ${off} claims ${len} bytes (over 2^31−1); stopped reading`,
      });
      break;
    }
    if (off + 12 + len > src.size) {
      warnings.push({
        code: 'PNG_TRUNCATED',
        chunk: type,
        message: `${type} chunk at byte ${off} claims ${len} bytes but the file ends first`,
      });
      break;
    }
    if (type === 'IDAT' && !afterIdat) {
      if (mode === 'header' || (mode === 'auto' && chunks.length > 0)) {
        stoppedAtIdat = true;
        break;
      }
      afterIdat = true;
    } else if (type === 'IEND') {
      reachedIend = true;
      break;
    } else if (TEXT_TYPES.has(type)) {
      // Caps are checked on the stored length before reading, so a 100 MB chunk is never loaded.
      const storedCap = Math.max(budget.limits.maxChunkBytes, 1024) + 2048; // + keyword/iTXt header room
      if (len > storedCap) {
        warnings.push({
          code: 'PNG_TEXT_TOO_LARGE',
          chunk: type,
          message: `${type} chunk of ${len} bytes exceeds the text cap; skipped`,
        });
      } else {
        const body = src.read(off + 8, len + 4);
        const data = body.subarray(0, len);
        if (checkCrc && chunkCrc(typeBytes, data) !== u32(body, len)) {
          warnings.push({
            code: 'PNG_BAD_CRC',
            chunk: type,
            message: `${type} chunk at byte ${off} fails its CRC check; skipped`,
          });
        } else {
          const c = decodeTextChunk(type as TextChunkType, data, afterIdat, budget, warnings);
          if (c) chunks.push(c);
        }
      }
    }
    off += 12 + len;
  }
  return { chunks, warnings, width, height, reachedIend, stoppedAtIdat };
}
