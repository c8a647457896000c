/**
 * Real image files for the stand-in: deterministic RGB patterns derived from a sha256 of the
 * generation inputs (same seed + prompt → same bytes), written with sharp, plus sd.cpp's
 * `parameters` tEXt chunk placed right after IHDR (sdcpp.md §1.6).
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

// Resolve sharp from the repository's node_modules regardless of the caller's cwd.
const sharp = createRequire(import.meta.url)('sharp');

/** RGB raw buffer (w*h*3 bytes) of a smooth pattern keyed by `key` (any string). */
export function pattern(key, w, h) {
  const d = createHash('sha256').update(key).digest();
  const f = (i) => 0.01 + (d[i] / 255) * 0.09;
  const ph = (i) => (d[i] / 255) * Math.PI * 2;
  const buf = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      for (let c = 0; c < 3; c++) {
        const v =
          Math.sin(x * f(c) + ph(c + 3)) * Math.cos(y * f(c + 6) + ph(c + 9)) +
          ((d[12 + c] + x * y) % 7) / 40;
        buf[o + c] = Math.max(0, Math.min(255, Math.round(128 + 120 * v)));
      }
    }
  }
  return buf;
}

/** Loads any image as RGB raw resized to w×h (fill). Throws when unreadable. */
export async function loadRgb(path, w, h) {
  return sharp(path).removeAlpha().resize(w, h, { fit: 'fill' }).raw().toBuffer();
}

/** Reads an image's size; throws when the file is not an image. */
export async function imageSize(path) {
  const m = await sharp(path).metadata();
  return { width: m.width, height: m.height };
}

/** `a*(1-t) + b*t` per byte. */
export function blend(a, b, t) {
  const outBuf = Buffer.alloc(a.length);
  for (let i = 0; i < a.length; i++) outBuf[i] = Math.round(a[i] * (1 - t) + b[i] * t);
  return outBuf;
}

/** Encodes raw RGB as PNG or JPEG (quality 90) bytes. */
export async function encode(raw, w, h, format) {
  const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  return format === 'jpeg' ? img.jpeg({ quality: 90 }).toBuffer() : img.png().toBuffer();
}

/** Resizes an image file's pixels by an integer factor, returning raw RGB. */
export async function resizeRgb(path, w, h) {
  return sharp(path).removeAlpha().resize(w, h, { kernel: 'cubic', fit: 'fill' }).raw().toBuffer();
}

/** Inserts a `tEXt` chunk `keyword\0text` right after IHDR (which always ends at byte 33). */
export function withTextChunk(png, keyword, text) {
  const data = Buffer.concat([
    Buffer.from(keyword, 'latin1'),
    Buffer.from([0]),
    Buffer.from(text, 'utf8'),
  ]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const type = Buffer.from('tEXt', 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])) >>> 0);
  return Buffer.concat([png.subarray(0, 33), len, type, data, crc, png.subarray(33)]);
}

export function writeFile(path, bytes) {
  writeFileSync(path, bytes);
}

export function readHead(path, n) {
  const b = readFileSync(path);
  return b.subarray(0, n);
}
