/**
 * CRC-32 as PNG uses it (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320; PNG spec §5.5), computed
 * over a chunk's type + data. Uses node:zlib's native `crc32` (Node ≥ 20.15) and falls back to a
 * table implementation on older runtimes.
 */
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;

const native = (zlib as { crc32?: Crc32 }).crc32;

let table: Uint32Array | undefined;
function tableCrc32(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 of `data`, continuing from `value` (the CRC of the bytes before it; 0 to start). Unsigned. */
export const crc32: Crc32 = native ? (d, v) => native(d, v) >>> 0 : tableCrc32;

/** The CRC a PNG chunk stores: CRC-32 over the 4 type bytes followed by the data. */
export function chunkCrc(type: Uint8Array, data: Uint8Array): number {
  return crc32(data, crc32(type));
}

/** Exposed for tests that compare the native and table paths. */
export const __tableCrc32 = tableCrc32;
