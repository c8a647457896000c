/**
 * Generation metadata embedded in JPEG and WebP files, returned as PNG-style text chunks so the
 * one importer ({@link importFromChunks}) reads every format alike (issue 14 item 1).
 *
 * Where tools put it (keyword each becomes):
 * - A1111 / Forge: EXIF UserComment (0x9286, Exif IFD), 8-byte charset prefix `UNICODE\0`
 *   (UTF-16, piexif writes big-endian) or `ASCII\0\0\0` → `parameters`;
 * - ComfyUI (SaveAnimatedWEBP and the WebP/JPEG save nodes of its ecosystem): IFD0 strings as
 *   `key:json` — Model (0x0110) `prompt:{…}`, Make (0x010F) `workflow:{…}`, ImageDescription
 *   (0x010E) further keys → `prompt`, `workflow`, …;
 * - stable-diffusion.cpp's JPEG output: a COM segment `parameters\0<text>` (observed with the
 *   sd-cli in ../shared/sdcpp, sdcpp.md §1.2) → `parameters`;
 * - others: XMP `exif:UserComment`, `dc:description`, `tiff:ImageDescription` holding A1111 text
 *   or `key:json` → as above.
 *
 * The EXIF and XMP blocks are located by sharp (libvips reads both formats' containers) and
 * decoded by exifr (a maintained EXIF/XMP parser; it does not read WebP containers itself).
 * Nothing is written here; a damaged metadata block yields no chunks, never an error.
 */
import sharp from 'sharp';
import * as exifrModule from 'exifr';
import type { PngTextChunk } from '../png/types';
import { parseA1111Parameters } from '../png/a1111';

// exifr ships UMD as `main` (Node: everything on the default export, no static named exports) and
// ESM as `module` (vite/vitest: named exports; the default export lacks `sidecar`): take either.
const exifrAny = exifrModule as unknown as typeof exifrModule & { default?: typeof exifrModule };
const parseExif: typeof exifrModule.parse = exifrAny.parse ?? exifrAny.default!.parse;
const sidecar: typeof exifrModule.sidecar = exifrAny.sidecar ?? exifrAny.default!.sidecar;

/** Longest text kept from one field, characters (a workflow JSON is rarely above 1 MiB). */
const MAX_TEXT = 16 << 20;

const chunk = (keyword: string, text: string): PngTextChunk => ({
  type: 'tEXt',
  keyword,
  text: text.slice(0, MAX_TEXT),
  compressed: false,
  encoding: 'utf8',
  afterIdat: false,
});

/**
 * Decodes an EXIF UserComment: 8 bytes naming the charset, then the text. `UNICODE` is UTF-16
 * whose byte order the spec leaves to the TIFF header; writers disagree, so the order whose
 * high bytes are mostly zero for ASCII-range text wins (piexif/A1111: big-endian).
 */
export function decodeUserComment(raw: Uint8Array): string {
  if (raw.length <= 8) return '';
  const head = String.fromCharCode(...raw.subarray(0, 8)).replace(/\0+$/, '');
  const body = raw.subarray(8);
  if (head === 'UNICODE') {
    let evenZero = 0;
    let oddZero = 0;
    for (let i = 0; i + 1 < body.length && i < 512; i += 2) {
      if (body[i] === 0) evenZero++;
      if (body[i + 1] === 0) oddZero++;
    }
    const le = oddZero > evenZero;
    return new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(body).replace(/\0+$/, '');
  }
  // ASCII, undefined (all zero) or JIS: UTF-8 is a superset of the first and what writers use for the second.
  return new TextDecoder('utf-8').decode(body).replace(/\0+$/, '');
}

/** `key:json` (ComfyUI's EXIF convention) → [key, json]; null for anything else. */
function keyedJson(text: string): [string, string] | null {
  const m = /^\s*([A-Za-z][\w-]{0,40})\s*:\s*([{[][\s\S]*)$/.exec(text);
  return m ? [m[1]!.toLowerCase(), m[2]!] : null;
}

/** One text value found in the metadata → chunks: keyed JSON, A1111 parameters, or a JSON body. */
function classify(text: string, out: PngTextChunk[]): void {
  const t = text.trim();
  if (!t) return;
  const keyed = keyedJson(t);
  if (keyed) out.push(chunk(keyed[0], keyed[1]));
  else if (t.startsWith('{') || parseA1111Parameters(t).hasParamsLine)
    out.push(chunk('parameters', t));
}

/** COM segments of a JPEG (before the first SOS), as text. */
export function jpegComments(b: Uint8Array): string[] {
  const out: string[] = [];
  let i = 2;
  while (i + 4 <= b.length && b[i] === 0xff) {
    const marker = b[i + 1]!;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // entropy-coded data follows: no more headers
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (len < 2 || i + 2 + len > b.length) break;
    if (marker === 0xfe) out.push(new TextDecoder('utf-8').decode(b.subarray(i + 4, i + 2 + len)));
    i += 2 + len;
  }
  return out;
}

type Xmp = Record<string, unknown>;

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML character references and the five named entities (exifr returns XMP text undecoded). */
function xmlUnescape(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|lt|gt|amp|quot|apos);/gi, (m, e: string) => {
    if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
    const n = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
  });
}

/** Text of an XMP value: a string, a language alternative `{lang, value}` or a list of either. */
function xmpText(v: unknown): string | undefined {
  if (typeof v === 'string') return xmlUnescape(v);
  if (Array.isArray(v)) return v.map(xmpText).find((s) => s !== undefined);
  if (v && typeof v === 'object' && 'value' in v) return xmpText((v as { value: unknown }).value);
  return undefined;
}

/**
 * The metadata text chunks of a JPEG or WebP file (see the module comment for where each comes
 * from), in the order the importer should prefer them; empty when there are none.
 */
export async function embeddedTextChunks(
  bytes: Uint8Array,
  format: 'jpeg' | 'webp',
): Promise<PngTextChunk[]> {
  const out: PngTextChunk[] = [];
  if (format === 'jpeg') {
    for (const c of jpegComments(bytes)) {
      // sd.cpp: "parameters\0<text>"; other writers put the text alone.
      const z = c.indexOf('\0');
      if (z > 0 && /^[A-Za-z]\w{0,40}$/.test(c.slice(0, z)))
        out.push(chunk(c.slice(0, z).toLowerCase(), c.slice(z + 1).replace(/\0+$/, '')));
      else classify(c.replace(/\0+$/, ''), out);
    }
  }
  let meta: Awaited<ReturnType<ReturnType<typeof sharp>['metadata']>>;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch {
    return out;
  }
  if (meta.exif && meta.exif.length > 14) {
    // sharp hands the APP1/EXIF payload with its "Exif\0\0" header; exifr wants the TIFF block.
    const tiff =
      meta.exif.subarray(0, 6).toString('latin1') === 'Exif\0\0'
        ? meta.exif.subarray(6)
        : meta.exif;
    try {
      const e = (await parseExif(tiff, {
        ifd0: { pick: ['ImageDescription', 'Make', 'Model', 'Software', 'Artist'] },
        exif: { pick: ['UserComment'] },
        userComment: true,
        mergeOutput: false,
        translateValues: false,
        reviveValues: false,
      })) as
        | {
            ifd0?: Record<string, unknown>;
            userComment?: Uint8Array;
            exif?: { UserComment?: unknown };
          }
        | undefined;
      const uc = e?.userComment ?? e?.exif?.UserComment;
      if (uc instanceof Uint8Array) classify(decodeUserComment(uc), out);
      else if (typeof uc === 'string') classify(uc, out);
      for (const k of ['Model', 'Make', 'ImageDescription', 'Software', 'Artist']) {
        const v = e?.ifd0?.[k];
        if (typeof v === 'string') classify(v, out);
      }
    } catch {
      // An unreadable EXIF block: the image is still fine, it just carries no metadata we can use.
    }
  }
  if (meta.xmp && meta.xmp.length) {
    try {
      const x = (await sidecar(meta.xmp, { mergeOutput: false }, 'xmp')) as Xmp | undefined;
      const ns = (n: string) => (x?.[n] ?? {}) as Xmp;
      for (const v of [ns('exif').UserComment, ns('dc').description, ns('tiff').ImageDescription]) {
        const t = xmpText(v);
        if (t) classify(t, out);
      }
    } catch {
      // Malformed XMP: ignored like an unreadable EXIF block.
    }
  }
  return dedupe(out);
}

/** One chunk per keyword (the first found wins, as the importer reads the first anyway). */
function dedupe(chunks: PngTextChunk[]): PngTextChunk[] {
  const seen = new Set<string>();
  return chunks.filter((c) => (seen.has(c.keyword) ? false : (seen.add(c.keyword), true)));
}
