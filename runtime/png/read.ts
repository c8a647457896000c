/**
 * Reading PNG text metadata from bytes in memory or from a file on disk. The file reader reads
 * chunk headers and text chunks only (seeking over image data), which is what makes a
 * header-only read cost tens of µs instead of a whole-file read (anchors-performance.md §9).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { walkPng, type ByteSource } from './walk';
import type { PngReadOptions, PngTextRead } from './types';

/**
 * Reads the text chunks of a PNG held in memory.
 *
 * @param bytes the whole file
 * @param opts `mode` 'header' | 'full' | 'auto' (default 'auto'), caps, CRC checking
 * @throws UserError PNG_INVALID (not a PNG / bad IHDR) or PNG_TRUNCATED (cut before IHDR ends)
 */
export function readPngText(bytes: Uint8Array, opts?: PngReadOptions): PngTextRead {
  const src: ByteSource = {
    size: bytes.length,
    read: (o, n) => bytes.subarray(o, Math.min(o + n, bytes.length)),
  };
  return walkPng(src, opts);
}

const BLOCK = 32 * 1024;

/** A file source that serves small reads from one cached block, so chunk headers cost no syscall. */
class FileSource implements ByteSource {
  readonly size: number;
  private block = Buffer.allocUnsafe(BLOCK);
  private blockStart = 0;
  private blockLen = 0;
  constructor(private fd: number) {
    this.size = fstatSync(fd).size;
  }
  read(offset: number, length: number): Uint8Array {
    const end = Math.min(offset + length, this.size);
    const n = Math.max(0, end - offset);
    if (offset >= this.blockStart && end <= this.blockStart + this.blockLen) {
      return this.block.subarray(offset - this.blockStart, end - this.blockStart);
    }
    if (n > BLOCK) {
      const out = Buffer.allocUnsafe(n);
      const got = readSync(this.fd, out, 0, n, offset);
      return out.subarray(0, got);
    }
    this.blockStart = offset;
    this.blockLen = readSync(this.fd, this.block, 0, Math.min(BLOCK, this.size - offset), offset);
    return this.block.subarray(0, Math.min(n, this.blockLen));
  }
}

/**
 * Reads the text chunks of a PNG file without loading its image data.
 *
 * @param path file path (the caller resolves it inside the data directory)
 * @throws UserError PNG_INVALID / PNG_TRUNCATED as {@link readPngText}; fs errors (ENOENT…) as thrown by node:fs
 */
export function readPngTextFile(path: string, opts?: PngReadOptions): PngTextRead {
  const fd = openSync(path, 'r');
  try {
    return walkPng(new FileSource(fd), opts);
  } finally {
    closeSync(fd);
  }
}
