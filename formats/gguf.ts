/**
 * (Shared by the runtime's model registry and the LLM worker, hence outside both: formats/.)
 * A bounded, header-only GGUF reader in pure TypeScript. It guards the native loader: llama.cpp
 * and sd.cpp have had crashes, assertion aborts and multi-GB allocations from crafted headers
 * (anchors-reliability.md §4), so every file is parsed here first and rejected with
 * `MODEL_INVALID` before any native code sees it.
 *
 * Format source: ggml's docs/gguf.md (GGUF v2/v3): little-endian; magic "GGUF"; u32 version;
 * u64 tensor count; u64 metadata KV count; KV pairs (string key, u32 value type, value); tensor
 * infos (string name, u32 n_dims, u64 dims[n_dims], u32 ggml type, u64 offset); tensor data
 * starts at the header end rounded up to `general.alignment` (default 32).
 *
 * Reads happen in small chunks through a file handle: only the header bytes are read, never
 * the tensor data. Every declared length is checked against a hard limit *and* against the
 * bytes left in the file before anything is allocated.
 */
import type fs from 'node:fs/promises';
import { UserError } from '../wire/errors';
import { openModelFile } from './open-file';

/** Hard limits; an absurd header is rejected before allocation. */
export const GGUF_LIMITS = {
  /** Longest metadata string (bytes). Chat templates are ~10-30 KB; 4 MiB leaves room. */
  maxStringBytes: 4 * 1024 * 1024,
  /** Longest metadata key (bytes). */
  maxKeyBytes: 1024,
  /** Longest array (elements). Largest real vocabularies are ~260K tokens. */
  maxArrayLength: 16 * 1024 * 1024,
  maxKvCount: 65_536,
  /** Largest real models (MoE) have tens of thousands of tensors. */
  maxTensorCount: 1_048_576,
  /** GGML_MAX_DIMS. */
  maxDims: 4,
  /** Total elements of one tensor (2^50), so products never lose precision in a double. */
  maxTensorElements: 2 ** 50,
  maxAlignment: 1024 * 1024,
  /** Cap on header bytes read (metadata + tensor infos). */
  maxHeaderBytes: 512 * 1024 * 1024,
} as const;

/** GGUF metadata value types (gguf.md `gguf_metadata_value_type`). */
const T = {
  U8: 0,
  I8: 1,
  U16: 2,
  I16: 3,
  U32: 4,
  I32: 5,
  F32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  U64: 10,
  I64: 11,
  F64: 12,
} as const;
const SCALAR_SIZE: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};

/** An array value: its length, element type and only its first elements (vocabularies are huge). */
export interface GgufArray {
  type: 'array';
  elementType: number;
  length: number;
  head: GgufScalar[];
}
export type GgufScalar = number | bigint | boolean | string;
export type GgufValue = GgufScalar | GgufArray;

export interface GgufTensor {
  name: string;
  dims: number[];
  /** ggml type id (ggml.h `enum ggml_type`). */
  type: number;
  /** Offset relative to the start of the data section (bytes). */
  offset: number;
}

/** Everything the registry and the worker need from a GGUF header. */
export interface GgufHeader {
  version: 2 | 3;
  tensorCount: number;
  kvCount: number;
  metadata: Record<string, GgufValue>;
  /** Bytes of header (metadata + tensor infos), before alignment padding. */
  headerBytes: number;
  fileBytes: number;
  architecture: string | null;
  name: string | null;
  /** Sum of tensor elements (weights), counted from the tensor shapes. */
  parameterCount: number;
  contextLength: number | null;
  blockCount: number | null;
  embeddingLength: number | null;
  headCount: number | null;
  headCountKv: number | null;
  hasChatTemplate: boolean;
  /** ggml type id → tensor count, for the "quantization" shown in the UI. */
  tensorTypes: Record<number, number>;
  /** Tensor infos (names + ggml-order dims), for family detection of diffusion files. */
  tensors: GgufTensor[];
}

/** ggml type → [block size in elements, bytes per block] (ggml.c `type_traits`). Unknown types skip the size check. */
const GGML_BLOCK: Record<number, [number, number]> = {
  0: [1, 4],
  1: [1, 2],
  2: [32, 18],
  3: [32, 20],
  6: [32, 22],
  7: [32, 24],
  8: [32, 34],
  9: [32, 36],
  10: [256, 84],
  11: [256, 110],
  12: [256, 144],
  13: [256, 176],
  14: [256, 210],
  15: [256, 292],
  16: [256, 66],
  17: [256, 74],
  18: [256, 98],
  19: [256, 50],
  20: [32, 18],
  21: [256, 110],
  22: [256, 82],
  23: [256, 136],
  24: [1, 1],
  25: [1, 2],
  26: [1, 4],
  27: [1, 8],
  28: [1, 8],
  29: [256, 56],
  30: [1, 2],
  34: [256, 54],
  35: [256, 66],
  39: [32, 17],
};

function invalid(file: string, why: string, details: Record<string, unknown> = {}): UserError {
  return new UserError('MODEL_INVALID', `${file} is not a usable GGUF model: ${why}`, {
    path: file,
    ...details,
  });
}

/** Buffered little-endian reader over a file handle; refills in chunks, never past the file end. */
class ChunkReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0; // file offset of buf[0]
  private pos = 0; // absolute file offset of the cursor
  constructor(
    private readonly fh: fs.FileHandle,
    readonly size: number,
    private readonly file: string,
  ) {}

  get offset(): number {
    return this.pos;
  }

  /** Makes `n` bytes at the cursor available; throws MODEL_INVALID (truncated) if the file is shorter. */
  private async need(n: number, what: string): Promise<number> {
    if (this.pos + n > this.size)
      throw invalid(
        this.file,
        `truncated while reading ${what} (needs ${n} bytes at offset ${this.pos}, file has ${this.size})`,
      );
    if (this.pos + n > GGUF_LIMITS.maxHeaderBytes)
      throw invalid(this.file, `header larger than ${GGUF_LIMITS.maxHeaderBytes} bytes`);
    const rel = this.pos - this.bufStart;
    if (rel >= 0 && rel + n <= this.buf.length) return rel;
    const want = Math.min(Math.max(n, 64 * 1024), this.size - this.pos);
    const next = Buffer.allocUnsafe(want);
    const { bytesRead } = await this.fh.read(next, 0, want, this.pos);
    if (bytesRead < n) throw invalid(this.file, `truncated while reading ${what}`);
    this.buf = next.subarray(0, bytesRead);
    this.bufStart = this.pos;
    return 0;
  }

  async bytes(n: number, what: string): Promise<Buffer> {
    const at = await this.need(n, what);
    this.pos += n;
    return this.buf.subarray(at, at + n);
  }
  async u32(what: string): Promise<number> {
    const at = await this.need(4, what);
    this.pos += 4;
    return this.buf.readUInt32LE(at);
  }
  /** u64 as a number; values above 2^53 are returned as Infinity so limit checks reject them. */
  async u64(what: string): Promise<number> {
    const at = await this.need(8, what);
    this.pos += 8;
    const v = this.buf.readBigUInt64LE(at);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
  }
  async scalar(type: number, what: string): Promise<GgufScalar> {
    const size = SCALAR_SIZE[type];
    if (size === undefined) throw invalid(this.file, `unknown value type ${type} in ${what}`);
    const at = await this.need(size, what);
    this.pos += size;
    const b = this.buf;
    switch (type) {
      case T.U8:
        return b.readUInt8(at);
      case T.I8:
        return b.readInt8(at);
      case T.U16:
        return b.readUInt16LE(at);
      case T.I16:
        return b.readInt16LE(at);
      case T.U32:
        return b.readUInt32LE(at);
      case T.I32:
        return b.readInt32LE(at);
      case T.F32:
        return b.readFloatLE(at);
      case T.BOOL:
        return b.readUInt8(at) !== 0;
      case T.U64: {
        const v = b.readBigUInt64LE(at);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
      }
      case T.I64: {
        const v = b.readBigInt64LE(at);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER)
          ? Number(v)
          : v;
      }
      default:
        return b.readDoubleLE(at);
    }
  }
  /** A gguf_string: u64 length + UTF-8 bytes, bounded by `max`. */
  async string(what: string, max: number = GGUF_LIMITS.maxStringBytes): Promise<string> {
    const len = await this.u64(`${what} length`);
    if (len > max)
      throw invalid(this.file, `${what} declares ${len} bytes (limit ${max})`, { limit: max });
    return (await this.bytes(len, what)).toString('utf8');
  }
}

const ARRAY_HEAD = 16;

async function readValue(
  r: ChunkReader,
  type: number,
  key: string,
  file: string,
): Promise<GgufValue> {
  if (type === T.STRING) return r.string(`value of ${key}`);
  if (type !== T.ARRAY) return r.scalar(type, `value of ${key}`);
  const elementType = await r.u32(`array type of ${key}`);
  const length = await r.u64(`array length of ${key}`);
  if (length > GGUF_LIMITS.maxArrayLength)
    throw invalid(
      file,
      `array ${key} declares ${length} elements (limit ${GGUF_LIMITS.maxArrayLength})`,
    );
  if (elementType === T.ARRAY) throw invalid(file, `nested arrays are not supported (${key})`);
  if (elementType !== T.STRING && SCALAR_SIZE[elementType] === undefined)
    throw invalid(file, `unknown array element type ${elementType} in ${key}`);
  // Each element needs at least its fixed size (strings: their u64 length), so a declared
  // length that cannot fit in the rest of the file is caught before the loop.
  const minBytes = length * (elementType === T.STRING ? 8 : SCALAR_SIZE[elementType]!);
  if (r.offset + minBytes > r.size)
    throw invalid(
      file,
      `truncated: array ${key} declares ${length} elements past the end of the file`,
    );
  const head: GgufScalar[] = [];
  for (let i = 0; i < length; i++) {
    const v =
      elementType === T.STRING
        ? await r.string(`element of ${key}`)
        : await r.scalar(elementType, `element of ${key}`);
    if (i < ARRAY_HEAD) head.push(v);
  }
  return { type: 'array', elementType, length, head };
}

function num(v: GgufValue | undefined): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  // Per-layer head counts are arrays in some architectures; take the first.
  if (v && typeof v === 'object' && typeof v.head[0] === 'number') return v.head[0];
  return null;
}

/**
 * Reads and validates the header of a GGUF file.
 *
 * @param file absolute path
 * @returns the parsed header with extracted facts (see {@link GgufHeader})
 * @throws UserError `MODEL_INVALID` for a non-GGUF file, an unsupported version, a truncated
 *   file, or any declared length/count over {@link GGUF_LIMITS}; `MODEL_NOT_FOUND` when missing.
 */
export async function readGgufHeader(file: string): Promise<GgufHeader> {
  const fh = await openModelFile(file, (why) => invalid(file, why));
  try {
    const { size } = await fh.stat();
    const r = new ChunkReader(fh, size, file);
    if (size < 4) throw invalid(file, 'file too short to be GGUF');
    const magic = await r.bytes(4, 'magic');
    if (magic.toString('latin1') !== 'GGUF')
      throw invalid(file, 'wrong magic bytes (not a GGUF file)', { magic: magic.toString('hex') });
    const version = await r.u32('version');
    if (version !== 2 && version !== 3)
      throw invalid(file, `unsupported GGUF version ${version} (2 or 3 expected)`);
    const tensorCount = await r.u64('tensor count');
    if (tensorCount > GGUF_LIMITS.maxTensorCount)
      throw invalid(file, `declares ${tensorCount} tensors (limit ${GGUF_LIMITS.maxTensorCount})`);
    const kvCount = await r.u64('metadata count');
    if (kvCount > GGUF_LIMITS.maxKvCount)
      throw invalid(file, `declares ${kvCount} metadata entries (limit ${GGUF_LIMITS.maxKvCount})`);

    const metadata: Record<string, GgufValue> = Object.create(null);
    for (let i = 0; i < kvCount; i++) {
      const key = await r.string(`metadata key #${i}`, GGUF_LIMITS.maxKeyBytes);
      if (key.length === 0) throw invalid(file, `metadata key #${i} is empty`);
      if (key in metadata) throw invalid(file, `duplicate metadata key ${key}`);
      const type = await r.u32(`type of ${key}`);
      metadata[key] = await readValue(r, type, key, file);
    }

    const alignment =
      metadata['general.alignment'] === undefined ? 32 : num(metadata['general.alignment']);
    if (
      alignment === null ||
      alignment <= 0 ||
      alignment > GGUF_LIMITS.maxAlignment ||
      (alignment & (alignment - 1)) !== 0
    ) {
      throw invalid(
        file,
        `general.alignment ${String(metadata['general.alignment'])} is not a power of two ≤ ${GGUF_LIMITS.maxAlignment}`,
      );
    }

    const tensors: GgufTensor[] = [];
    let parameterCount = 0;
    const tensorTypes: Record<number, number> = {};
    for (let i = 0; i < tensorCount; i++) {
      const name = await r.string(`tensor name #${i}`, GGUF_LIMITS.maxKeyBytes);
      const nDims = await r.u32(`dims of ${name}`);
      if (nDims < 1 || nDims > GGUF_LIMITS.maxDims)
        throw invalid(file, `tensor ${name} has ${nDims} dimensions (1..${GGUF_LIMITS.maxDims})`);
      const dims: number[] = [];
      let elements = 1;
      for (let d = 0; d < nDims; d++) {
        const dim = await r.u64(`dimension of ${name}`);
        elements *= dim;
        if (!(elements <= GGUF_LIMITS.maxTensorElements))
          throw invalid(file, `tensor ${name} is absurdly large`);
        dims.push(dim);
      }
      const type = await r.u32(`type of ${name}`);
      const offset = await r.u64(`offset of ${name}`);
      if (!Number.isFinite(offset)) throw invalid(file, `tensor ${name} has an absurd offset`);
      tensors.push({ name, dims, type, offset });
      parameterCount += elements;
      tensorTypes[type] = (tensorTypes[type] ?? 0) + 1;
    }
    const headerBytes = r.offset;
    const dataStart = Math.ceil(headerBytes / alignment) * alignment;
    for (const t of tensors) {
      const block = GGML_BLOCK[t.type];
      if (!block) continue;
      const elements = t.dims.reduce((a, b) => a * b, 1);
      const end = dataStart + t.offset + Math.ceil(elements / block[0]) * block[1];
      if (end > size)
        throw invalid(
          file,
          `truncated: tensor ${t.name} ends at byte ${end} but the file has ${size}`,
          { fileBytes: size },
        );
    }

    const arch =
      typeof metadata['general.architecture'] === 'string'
        ? (metadata['general.architecture'] as string)
        : null;
    const a = (k: string) => (arch ? num(metadata[`${arch}.${k}`]) : null);
    return {
      version: version as 2 | 3,
      tensorCount,
      kvCount,
      metadata,
      headerBytes,
      fileBytes: size,
      architecture: arch,
      name:
        typeof metadata['general.name'] === 'string' ? (metadata['general.name'] as string) : null,
      parameterCount,
      contextLength: a('context_length'),
      blockCount: a('block_count'),
      embeddingLength: a('embedding_length'),
      headCount: a('attention.head_count'),
      headCountKv: a('attention.head_count_kv'),
      hasChatTemplate:
        typeof metadata['tokenizer.chat_template'] === 'string' &&
        (metadata['tokenizer.chat_template'] as string).length > 0,
      tensorTypes,
      tensors,
    };
  } finally {
    await fh.close();
  }
}

/** JSON-safe summary of a header for `models.metadata_json` (no big arrays, bigints as strings). */
export function summarizeGguf(h: GgufHeader): Record<string, unknown> {
  return {
    format: 'gguf',
    ggufVersion: h.version,
    architecture: h.architecture,
    name: h.name,
    parameterCount: h.parameterCount,
    contextLength: h.contextLength,
    blockCount: h.blockCount,
    embeddingLength: h.embeddingLength,
    headCount: h.headCount,
    headCountKv: h.headCountKv,
    hasChatTemplate: h.hasChatTemplate,
    tensorCount: h.tensorCount,
    tensorTypes: h.tensorTypes,
    fileType: num(h.metadata['general.file_type']),
  };
}
