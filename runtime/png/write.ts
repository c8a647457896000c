/**
 * Writing text chunks into PNG bytes (e.g. the output of sharp): the chunks are inserted right
 * before the first IDAT so header-only readers see them, and chunks with the same keyword are
 * replaced, so re-saving never duplicates metadata. Produces bytes only; the runtime writes them
 * atomically (temp file → fsync → rename).
 */
import { deflateSync } from 'node:zlib';
import { UserError } from '../errors';
import { chunkCrc } from './crc';
import { isPng } from './types';

/** One text entry to write. */
export interface PngTextEntry {
  /** 1–79 printable Latin-1 characters, no leading/trailing/double spaces (PNG spec §11.3.4.2). */
  keyword: string;
  text: string;
  /**
   * 'auto' (default): tEXt when the text is Latin-1-safe, else iTXt (what A1111/PIL do).
   * 'iTXt': always iTXt (UTF-8). 'tEXt': Latin-1 only, throws otherwise.
   */
  chunk?: 'auto' | 'iTXt' | 'tEXt';
  /** Deflate the text (zTXt / compressed iTXt). Default: only iTXt texts over 8 KiB. */
  compress?: boolean;
}

const enc = new TextEncoder();
const COMPRESS_OVER = 8 * 1024;

/** True when every character of `s` is representable in Latin-1 (and so in a tEXt chunk). */
export function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

function latin1Bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function checkKeyword(k: string): void {
  if (
    !/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(k) ||
    k.startsWith(' ') ||
    k.endsWith(' ') ||
    k.includes('  ')
  ) {
    throw new UserError('BAD_PARAMS', `Invalid PNG text keyword "${k}"`);
  }
}

/** Builds one complete chunk: length | type | data | crc. */
export function encodeChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  const t = latin1Bytes(type);
  out.set(t, 4);
  out.set(data, 8);
  dv.setUint32(8 + data.length, chunkCrc(t, data));
  return out;
}

/** Encodes one text entry as a tEXt, zTXt or iTXt chunk. @throws UserError BAD_PARAMS on a bad keyword. */
export function encodeTextChunk(e: PngTextEntry): Uint8Array {
  checkKeyword(e.keyword);
  const kw = latin1Bytes(e.keyword);
  const want = e.chunk ?? 'auto';
  const latin = isLatin1(e.text);
  if (want === 'tEXt' && !latin)
    throw new UserError('BAD_PARAMS', `Text for "${e.keyword}" is not Latin-1; it needs iTXt`);
  if (want !== 'iTXt' && latin) {
    const body = latin1Bytes(e.text);
    if (e.compress) {
      return encodeChunk('zTXt', concat([kw, Uint8Array.of(0, 0), deflateSync(body)]));
    }
    return encodeChunk('tEXt', concat([kw, Uint8Array.of(0), body]));
  }
  const utf = enc.encode(e.text);
  const compress = e.compress ?? utf.length > COMPRESS_OVER;
  // keyword\0 flag method language\0 translated\0 text
  const head = Uint8Array.of(0, compress ? 1 : 0, 0, 0, 0);
  return encodeChunk('iTXt', concat([kw, head, compress ? deflateSync(utf) : utf]));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Returns new PNG bytes with the entries written as text chunks before the first IDAT (or before
 * IEND when there is no IDAT). Existing tEXt/zTXt/iTXt chunks with the same keywords are removed.
 *
 * @param png a complete, valid PNG (as produced by sharp)
 * @throws UserError PNG_INVALID when `png` is not a well-formed PNG, BAD_PARAMS on a bad keyword
 */
export function insertTextChunks(png: Uint8Array, entries: readonly PngTextEntry[]): Uint8Array {
  if (!isPng(png))
    throw new UserError('PNG_INVALID', 'Not a PNG file (the PNG signature is missing)');
  const replace = new Set(entries.map((e) => e.keyword));
  const newChunks = entries.map(encodeTextChunk);
  const parts: Uint8Array[] = [png.subarray(0, 8)];
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let off = 8;
  let inserted = false;
  while (off < png.length) {
    if (off + 12 > png.length) throw new UserError('PNG_INVALID', 'The PNG is cut short');
    const len = dv.getUint32(off);
    const end = off + 12 + len;
    if (end > png.length) throw new UserError('PNG_INVALID', 'The PNG is cut short');
    const type = String.fromCharCode(png[off + 4]!, png[off + 5]!, png[off + 6]!, png[off + 7]!);
    if (!inserted && (type === 'IDAT' || type === 'IEND')) {
      parts.push(...newChunks);
      inserted = true;
    }
    let drop = false;
    if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
      const data = png.subarray(off + 8, off + 8 + len);
      const nul = data.indexOf(0);
      const kw = String.fromCharCode(...data.subarray(0, nul < 0 ? 0 : Math.min(nul, 79)));
      drop = replace.has(kw);
    }
    if (!drop) parts.push(png.subarray(off, end));
    off = end;
    if (type === 'IEND') break;
  }
  if (!inserted) throw new UserError('PNG_INVALID', 'The PNG has neither IDAT nor IEND');
  return concat(parts);
}
