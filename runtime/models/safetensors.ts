/**
 * A bounded, header-only safetensors reader. Only the header is read (tensor data never is), and
 * it is validated before the file may reach sd.cpp: a crafted header must not make us (or the
 * engine) allocate gigabytes.
 *
 * Format source: huggingface/safetensors README "Format": 8 bytes little-endian u64 `N` = header
 * size; `N` bytes of UTF-8 JSON starting with `{` (may be padded with spaces) mapping tensor name →
 * `{dtype, shape, data_offsets: [begin, end]}` (offsets relative to the byte buffer after the
 * header), plus an optional `__metadata__` string→string map; then the byte buffer. The reference
 * implementation (safetensors/src/tensor.rs) refuses headers over 100,000,000 bytes
 * (`MAX_HEADER_SIZE`); so do we.
 */
import { UserError } from '../errors';
import { openModelFile } from '../../formats/open-file';

/** Largest header accepted (bytes): safetensors' own `MAX_HEADER_SIZE`. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;

/** Bytes per element of each dtype (safetensors `Dtype::size`); sub-byte types are in bits below. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
  C64: 8,
};
const DTYPE_BITS: Record<string, number> = { F4: 4, F6_E2M3: 6, F6_E3M2: 6 };

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  /** PyTorch order (slowest dimension first). */
  shape: number[];
  /** Byte range inside the data buffer. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  /** The JSON header's length (bytes), without the 8-byte prefix. */
  headerBytes: number;
  fileBytes: number;
  tensors: SafetensorsTensor[];
  /** `__metadata__` (string values only, as the format requires). */
  metadata: Record<string, string>;
  /** Sum of tensor elements. */
  parameterCount: number;
  /** dtype → tensor count. */
  dtypes: Record<string, number>;
  /** Layout oddities a reader tolerates (holes, overlaps, trailing bytes). */
  warnings: string[];
}

function invalid(file: string, why: string, details: Record<string, unknown> = {}): UserError {
  return new UserError('MODEL_INVALID', `${file} is not a usable safetensors model: ${why}`, {
    path: file,
    ...details,
  });
}

/**
 * Reads and validates a safetensors header.
 *
 * @param file absolute path
 * @throws UserError `MODEL_NOT_FOUND` when missing; `MODEL_INVALID` for a header length of 0, over
 *   {@link SAFETENSORS_MAX_HEADER} or past the file end, JSON that is not an object, an entry with
 *   an unknown dtype / bad shape / offsets that do not match the shape, or a tensor that ends past
 *   the end of the file (a truncated download).
 */
export async function readSafetensorsHeader(file: string): Promise<SafetensorsHeader> {
  const fh = await openModelFile(file, (why) => invalid(file, why));
  try {
    const { size } = await fh.stat();
    if (size < 8) throw invalid(file, `file too short (${size} bytes)`);
    const prefix = Buffer.alloc(8);
    await fh.read(prefix, 0, 8, 0);
    const n = prefix.readBigUInt64LE(0);
    if (n < 2n) throw invalid(file, `header length ${n} is too small`);
    if (n > BigInt(SAFETENSORS_MAX_HEADER))
      throw invalid(
        file,
        `header length ${n} bytes exceeds the ${SAFETENSORS_MAX_HEADER}-byte limit`,
        { headerBytes: n.toString() },
      );
    const headerBytes = Number(n);
    if (8 + headerBytes > size)
      throw invalid(
        file,
        `header length ${headerBytes} bytes runs past the end of the ${size}-byte file (truncated?)`,
        { headerBytes },
      );
    const buf = Buffer.alloc(headerBytes);
    const { bytesRead } = await fh.read(buf, 0, headerBytes, 8);
    if (bytesRead !== headerBytes) throw invalid(file, 'header could not be read completely');
    if (buf[0] !== 0x7b) throw invalid(file, 'header does not start with "{"');
    let json: unknown;
    try {
      json = JSON.parse(buf.toString('utf8'));
    } catch (err) {
      throw invalid(file, `header is not valid JSON (${(err as Error).message})`);
    }
    if (!json || typeof json !== 'object' || Array.isArray(json))
      throw invalid(file, 'header is not a JSON object');
    return parseEntries(file, json as Record<string, unknown>, headerBytes, size);
  } finally {
    await fh.close();
  }
}

function parseEntries(
  file: string,
  json: Record<string, unknown>,
  headerBytes: number,
  size: number,
): SafetensorsHeader {
  const metadata: Record<string, string> = {};
  const tensors: SafetensorsTensor[] = [];
  const dtypes: Record<string, number> = {};
  let parameterCount = 0;
  for (const [name, v] of Object.entries(json)) {
    if (name === '__metadata__') {
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        for (const [k, s] of Object.entries(v as Record<string, unknown>))
          if (typeof s === 'string') metadata[k] = s;
      }
      continue;
    }
    const e = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (!e || typeof e !== 'object') throw invalid(file, `entry ${name} is not an object`);
    const dtype = String(e.dtype);
    const bytes = DTYPE_BYTES[dtype];
    const bits = DTYPE_BITS[dtype];
    if (bytes === undefined && bits === undefined)
      throw invalid(file, `tensor ${name} has unknown dtype ${dtype}`);
    if (
      !Array.isArray(e.shape) ||
      e.shape.length > 8 ||
      !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)
    ) {
      throw invalid(file, `tensor ${name} has a bad shape ${JSON.stringify(e.shape)}`);
    }
    const shape = e.shape as number[];
    const off = e.data_offsets;
    if (
      !Array.isArray(off) ||
      off.length !== 2 ||
      !off.every((d) => Number.isSafeInteger(d) && d >= 0) ||
      off[1] < off[0]
    ) {
      throw invalid(file, `tensor ${name} has bad data_offsets ${JSON.stringify(off)}`);
    }
    const elements = shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(elements)) throw invalid(file, `tensor ${name} is absurdly large`);
    const want = bytes !== undefined ? elements * bytes : Math.ceil((elements * bits!) / 8);
    if (off[1] - off[0] !== want)
      throw invalid(
        file,
        `tensor ${name}: ${off[1] - off[0]} bytes for ${dtype}${JSON.stringify(shape)}, expected ${want}`,
      );
    tensors.push({ name, dtype, shape, begin: off[0], end: off[1] });
    parameterCount += elements;
    dtypes[dtype] = (dtypes[dtype] ?? 0) + 1;
  }
  // A tensor past the end of the buffer is a truncated file: refused. Holes, overlaps and trailing
  // bytes break the reference writer's layout (it tiles the buffer exactly) but not a reader, so
  // they are reported as warnings rather than refused.
  const dataBytes = size - 8 - headerBytes;
  const warnings: string[] = [];
  let at = 0;
  for (const t of [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (t.end > dataBytes)
      throw invalid(
        file,
        `truncated: tensor ${t.name} ends at data byte ${t.end}, the file has ${dataBytes}`,
        { needed: t.end, have: dataBytes },
      );
    if (t.begin !== at && warnings.length < 5)
      warnings.push(
        `tensor ${t.name} starts at data byte ${t.begin}, expected ${at} (hole or overlap)`,
      );
    at = Math.max(at, t.end);
  }
  if (at !== dataBytes) warnings.push(`${dataBytes - at} bytes after the last tensor`);
  return { headerBytes, fileBytes: size, tensors, metadata, parameterCount, dtypes, warnings };
}
