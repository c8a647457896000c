/**
 * Decoding of tEXt / zTXt / iTXt chunk data (PNG spec §11.3.4) under size caps. Inflation is
 * always bounded (`maxOutputLength`): the convenient path must be the bounded one
 * (anchors-reliability.md §6, image-rs/png #696).
 */
import { inflateSync } from 'node:zlib';
import type { PngTextChunk, PngTextLimits, PngWarning, TextChunkType } from './types';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Tracks the decoded-bytes budget of one file (the per-file cap). */
export class TextBudget {
  remaining: number;
  constructor(readonly limits: PngTextLimits) {
    this.remaining = limits.maxTotalBytes;
  }
}

function latin1String(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** Decodes bytes as UTF-8 when valid, else as Latin-1 (tEXt as written by real tools). */
export function decodeUtf8OrLatin1(b: Uint8Array): { text: string; encoding: 'utf8' | 'latin1' } {
  try {
    return { text: utf8.decode(b), encoding: 'utf8' };
  } catch {
    return { text: latin1.decode(b), encoding: 'latin1' };
  }
}

/**
 * Decodes one text chunk's data. Returns null (and pushes a warning) when the chunk is malformed
 * or exceeds a cap; never throws.
 */
export function decodeTextChunk(
  type: TextChunkType,
  data: Uint8Array,
  afterIdat: boolean,
  budget: TextBudget,
  warnings: PngWarning[],
): PngTextChunk | null {
  const nul = data.indexOf(0);
  if (nul < 1 || nul > 79) {
    warnings.push({
      code: 'PNG_TEXT_INVALID',
      chunk: type,
      message: `${type} chunk without a valid keyword (1–79 bytes then NUL); skipped`,
    });
    return null;
  }
  const keyword = latin1String(data.subarray(0, nul));
  const where = `${type} ${keyword}`;
  const invalid = (why: string) => {
    warnings.push({ code: 'PNG_TEXT_INVALID', chunk: where, message: `${where}: ${why}; skipped` });
    return null;
  };

  let body: Uint8Array;
  let compressed = false;
  let language: string | undefined;
  let translatedKeyword: string | undefined;
  if (type === 'tEXt') {
    body = data.subarray(nul + 1);
  } else if (type === 'zTXt') {
    if (data[nul + 1] !== 0) return invalid('unknown compression method');
    compressed = true;
    body = data.subarray(nul + 2);
  } else {
    const flag = data[nul + 1];
    const method = data[nul + 2];
    if (flag === undefined || method === undefined) return invalid('header cut short');
    if (flag > 1 || (flag === 1 && method !== 0)) return invalid('unknown compression flag/method');
    compressed = flag === 1;
    const langEnd = data.indexOf(0, nul + 3);
    if (langEnd < 0) return invalid('language tag not terminated');
    const tkEnd = data.indexOf(0, langEnd + 1);
    if (tkEnd < 0) return invalid('translated keyword not terminated');
    language = latin1String(data.subarray(nul + 3, langEnd));
    const tk = decodeUtf8OrLatin1(data.subarray(langEnd + 1, tkEnd));
    translatedKeyword = tk.text;
    body = data.subarray(tkEnd + 1);
  }

  const cap = Math.min(budget.limits.maxChunkBytes, budget.remaining);
  const capName =
    cap < budget.limits.maxChunkBytes
      ? `the per-file text cap (${budget.limits.maxTotalBytes} bytes)`
      : `the per-chunk cap (${budget.limits.maxChunkBytes} bytes)`;
  if (cap <= 0 || body.length > (compressed ? Math.max(cap, 1024) : cap)) {
    warnings.push({
      code: 'PNG_TEXT_TOO_LARGE',
      chunk: where,
      message: `${where}: text exceeds ${capName}; skipped`,
    });
    return null;
  }
  if (compressed) {
    try {
      body = inflateSync(body, { maxOutputLength: cap });
    } catch (err) {
      const tooBig =
        (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError;
      if (tooBig) {
        warnings.push({
          code: 'PNG_TEXT_TOO_LARGE',
          chunk: where,
          message: `${where}: inflates beyond ${capName}; skipped`,
        });
        return null;
      }
      return invalid('corrupt compressed data');
    }
  }
  budget.remaining -= body.length;

  let text: string;
  let encoding: 'utf8' | 'latin1';
  if (type === 'iTXt') {
    const d = decodeUtf8OrLatin1(body);
    if (d.encoding === 'latin1') {
      warnings.push({
        code: 'PNG_TEXT_INVALID',
        chunk: where,
        message: `${where}: not valid UTF-8; decoded as Latin-1`,
      });
    }
    ({ text, encoding } = d);
  } else {
    ({ text, encoding } = decodeUtf8OrLatin1(body));
  }
  return {
    type,
    keyword,
    text,
    compressed,
    encoding,
    afterIdat,
    ...(language !== undefined ? { language, translatedKeyword } : {}),
  };
}
