/**
 * JPEG and WebP test images carrying generation metadata the way other tools write it (no real
 * JPEG/WebP fixtures with metadata are in ../shared/fixtures, and generated images are not
 * committed). How each is made:
 * - A1111/Forge: piexif's `UserComment.dump(text, encoding="unicode")` = `UNICODE\0` + UTF-16BE,
 *   in the Exif IFD (0x9286, type UNDEFINED). sharp's `withExif` writes only strings (and
 *   replaces non-ASCII with `?`), so the TIFF block is built here byte by byte and put into an
 *   APP1 segment right after SOI; for WebP, sharp's `keepExif()` carries that block over.
 * - ComfyUI: IFD0 `Make` = `workflow:<json>`, `Model` = `prompt:<json>` via sharp's `withExif`.
 * - stable-diffusion.cpp: a COM segment `parameters\0<text>` (what sd-cli `-o x.jpg` writes,
 *   checked against the real binary in ../shared/sdcpp).
 */
import sharp from 'sharp';

const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];

/** `UNICODE\0` + UTF-16 (big-endian unless `le`) — A1111's UserComment bytes. */
export function unicodeUserComment(text: string, le = false): Uint8Array {
  const out = [...Buffer.from('UNICODE\0', 'latin1')];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out.push(...(le ? [c & 0xff, c >> 8] : [c >> 8, c & 0xff]));
  }
  return Uint8Array.from(out);
}

/** A little-endian TIFF block: IFD0 → Exif IFD with one UserComment (type 7). */
export function tiffWithUserComment(comment: Uint8Array): Uint8Array {
  // Layout: header(8) | IFD0: count(2) + 1 entry(12) + next(4) = 18 → at 8 | Exif IFD at 26: 2+12+4 = 18 | data at 44.
  const exifIfd = 26;
  const data = 44;
  const bytes = [
    ...[0x49, 0x49, 0x2a, 0x00],
    ...u32(8),
    ...u16(1),
    ...u16(0x8769),
    ...u16(4),
    ...u32(1),
    ...u32(exifIfd),
    ...u32(0),
    ...u16(1),
    ...u16(0x9286),
    ...u16(7),
    ...u32(comment.length),
    ...u32(data),
    ...u32(0),
    ...comment,
  ];
  return Uint8Array.from(bytes);
}

/** `jpeg` with an APP1 Exif segment (`Exif\0\0` + `tiff`) inserted right after SOI. */
export function insertExif(jpeg: Uint8Array, tiff: Uint8Array): Buffer {
  const payload = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const len = payload.length + 2;
  const seg = Buffer.concat([Buffer.from([0xff, 0xe1, len >> 8, len & 0xff]), payload]);
  return Buffer.concat([jpeg.subarray(0, 2), seg, jpeg.subarray(2)]);
}

/** `jpeg` with a COM segment holding `text` (raw bytes, NULs kept) inserted right after SOI. */
export function insertComment(jpeg: Uint8Array, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const len = body.length + 2;
  return Buffer.concat([
    jpeg.subarray(0, 2),
    Buffer.from([0xff, 0xfe, len >> 8, len & 0xff]),
    body,
    jpeg.subarray(2),
  ]);
}

/** A plain gray image of `w`×`h` in `format`. */
export function plainImage(w: number, h: number, format: 'jpeg' | 'webp' | 'png'): Promise<Buffer> {
  return sharp({ create: { width: w, height: h, channels: 3, background: '#777' } })
    .toFormat(format)
    .toBuffer();
}

/** An A1111-style JPEG (UNICODE UserComment) of `w`×`h`. */
export async function a1111Jpeg(parameters: string, w = 32, h = 24): Promise<Buffer> {
  return insertExif(
    await plainImage(w, h, 'jpeg'),
    tiffWithUserComment(unicodeUserComment(parameters)),
  );
}

/** The same, re-encoded as WebP with the EXIF block kept (sharp `keepExif`). */
export async function a1111Webp(parameters: string, w = 32, h = 24): Promise<Buffer> {
  return sharp(await a1111Jpeg(parameters, w, h))
    .keepExif()
    .webp()
    .toBuffer();
}

/** A ComfyUI-style WebP: IFD0 Make = `workflow:<json>`, Model = `prompt:<json>`. */
export async function comfyWebp(workflow: unknown, prompt: unknown): Promise<Buffer> {
  return sharp({ create: { width: 16, height: 16, channels: 3, background: '#468' } })
    .withExif({
      IFD0: {
        Make: `workflow:${JSON.stringify(workflow)}`,
        Model: `prompt:${JSON.stringify(prompt)}`,
      },
    })
    .webp()
    .toBuffer();
}
