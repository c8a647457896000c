import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readGgufHeader, summarizeGguf, GGUF_LIMITS } from '../../../formats/gguf';
import { UserError } from '../../../runtime/errors';
import { TINY_GGUF } from '../../helpers/temp-home';

const REAL = TINY_GGUF;
let dir: string;

/** Builds GGUF bytes: header fields then raw tail parts. */
function gguf(opts: { version?: number; tensors?: bigint; kvs?: bigint; tail?: Buffer[] }): Buffer {
  const h = Buffer.alloc(24);
  h.write('GGUF', 0, 'latin1');
  h.writeUInt32LE(opts.version ?? 3, 4);
  h.writeBigUInt64LE(opts.tensors ?? 0n, 8);
  h.writeBigUInt64LE(opts.kvs ?? 0n, 16);
  return Buffer.concat([h, ...(opts.tail ?? [])]);
}
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};
const str = (s: string) => Buffer.concat([u64(BigInt(Buffer.byteLength(s))), Buffer.from(s)]);

function write(name: string, bytes: Buffer): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

async function rejection(p: string): Promise<UserError> {
  const err = await readGgufHeader(p).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gguf-test-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readGgufHeader on the real stories260K model', () => {
  it('extracts architecture, shapes and counts from the header only', async () => {
    const h = await readGgufHeader(REAL);
    expect(h.version).toBe(3);
    expect(h.architecture).toBe('llama');
    expect(h.tensorCount).toBe(48);
    expect(h.parameterCount).toBe(292_800); // counted from the tensor shapes (models/README.md)
    expect(h.contextLength).toBe(2048);
    expect(h.blockCount).toBe(5);
    expect(h.embeddingLength).toBe(64);
    expect(h.headCount).toBe(8);
    expect(h.headCountKv).toBe(4);
    expect(h.hasChatTemplate).toBe(false);
    expect(h.fileBytes).toBe(1_185_376);
    expect(h.headerBytes).toBeLessThan(h.fileBytes);
    const tokens = h.metadata['tokenizer.ggml.tokens'];
    expect(tokens).toMatchObject({ type: 'array', length: 512 });
    const s = summarizeGguf(h);
    expect(JSON.parse(JSON.stringify(s))).toMatchObject({
      architecture: 'llama',
      parameterCount: 292_800,
      hasChatTemplate: false,
    });
  });

  it('rejects the real model truncated in its tensor data', async () => {
    const bytes = fs.readFileSync(REAL);
    const e = await rejection(write('cut-data.gguf', bytes.subarray(0, bytes.length - 1000)));
    expect(e.code).toBe('MODEL_INVALID');
    expect(e.message).toMatch(/truncated/);
  });

  it('rejects the real model truncated inside its header', async () => {
    const bytes = fs.readFileSync(REAL);
    const e = await rejection(write('cut-header.gguf', bytes.subarray(0, 5000)));
    expect(e.code).toBe('MODEL_INVALID');
    expect(e.message).toMatch(/truncated/);
  });
});

describe('readGgufHeader on bad files', () => {
  it('rejects a non-GGUF file renamed .gguf', async () => {
    const e = await rejection(
      write(
        'text.gguf',
        Buffer.from('version https://git-lfs.github.com/spec/v1\noid sha256:abc\n'),
      ),
    );
    expect(e.code).toBe('MODEL_INVALID');
    expect(e.message).toMatch(/magic/);
  });

  it('rejects an empty file and a missing one with distinct codes', async () => {
    expect((await rejection(write('empty.gguf', Buffer.alloc(0)))).code).toBe('MODEL_INVALID');
    expect((await rejection(path.join(dir, 'nope.gguf'))).code).toBe('MODEL_NOT_FOUND');
  });

  it('rejects unsupported versions', async () => {
    expect((await rejection(write('v1.gguf', gguf({ version: 1 })))).message).toMatch(/version 1/);
    expect((await rejection(write('v9.gguf', gguf({ version: 9 })))).message).toMatch(/version 9/);
  });

  it('rejects absurd tensor and KV counts before allocating', async () => {
    expect((await rejection(write('tensors.gguf', gguf({ tensors: 2n ** 62n })))).message).toMatch(
      /tensors/,
    );
    expect(
      (await rejection(write('kvs.gguf', gguf({ kvs: BigInt(GGUF_LIMITS.maxKvCount + 1) }))))
        .message,
    ).toMatch(/metadata entries/);
  });

  it('rejects a string length that would need gigabytes', async () => {
    // key length 2^40: a 32-byte file must not make us allocate a terabyte.
    const e = await rejection(write('longkey.gguf', gguf({ kvs: 1n, tail: [u64(2n ** 40n)] })));
    expect(e.message).toMatch(/limit/);
    const v = await rejection(
      write('longval.gguf', gguf({ kvs: 1n, tail: [str('general.name'), u32(8), u64(2n ** 33n)] })),
    );
    expect(v.message).toMatch(/limit/);
  });

  it('rejects a string longer than the file as truncated', async () => {
    const e = await rejection(
      write(
        'shortstr.gguf',
        gguf({ kvs: 1n, tail: [str('general.name'), u32(8), u64(1000n), Buffer.from('abc')] }),
      ),
    );
    expect(e.message).toMatch(/truncated/);
  });

  it('rejects absurd and unterminated arrays', async () => {
    const huge = await rejection(
      write('arr.gguf', gguf({ kvs: 1n, tail: [str('a.b'), u32(9), u32(4), u64(2n ** 63n)] })),
    );
    expect(huge.message).toMatch(/elements/);
    const past = await rejection(
      write('arr2.gguf', gguf({ kvs: 1n, tail: [str('a.b'), u32(9), u32(4), u64(1000n), u32(1)] })),
    );
    expect(past.message).toMatch(/truncated/);
    const nested = await rejection(
      write('arr3.gguf', gguf({ kvs: 1n, tail: [str('a.b'), u32(9), u32(9), u64(1n)] })),
    );
    expect(nested.message).toMatch(/nested/);
  });

  it('rejects an empty key, an unknown value type and a bad alignment', async () => {
    expect(
      (await rejection(write('emptykey.gguf', gguf({ kvs: 1n, tail: [str(''), u32(4), u32(1)] }))))
        .message,
    ).toMatch(/empty/);
    expect(
      (await rejection(write('type.gguf', gguf({ kvs: 1n, tail: [str('a.b'), u32(99), u32(1)] }))))
        .message,
    ).toMatch(/unknown value type/);
    expect(
      (
        await rejection(
          write('align.gguf', gguf({ kvs: 1n, tail: [str('general.alignment'), u32(4), u32(3)] })),
        )
      ).message,
    ).toMatch(/alignment/);
  });

  it('rejects absurd tensor shapes', async () => {
    const dims = await rejection(
      write('dims.gguf', gguf({ tensors: 1n, tail: [str('t'), u32(9)] })),
    );
    expect(dims.message).toMatch(/dimensions/);
    const big = await rejection(
      write(
        'big.gguf',
        gguf({
          tensors: 1n,
          tail: [str('t'), u32(2), u64(2n ** 42n + 1n), u64(2n ** 42n), u32(0), u64(0n)],
        }),
      ),
    );
    expect(big.message).toMatch(/absurdly large/);
  });

  it('accepts a minimal well-formed file and counts parameters', async () => {
    // One F32 tensor of 2x3 = 24 bytes at offset 0 after 32-byte alignment.
    const head = gguf({
      tensors: 1n,
      kvs: 1n,
      tail: [
        str('general.architecture'),
        u32(8),
        str('qwen2'),
        str('w'),
        u32(2),
        u64(2n),
        u64(3n),
        u32(0),
        u64(0n),
      ],
    });
    const pad = Buffer.alloc(Math.ceil(head.length / 32) * 32 - head.length);
    const h = await readGgufHeader(write('ok.gguf', Buffer.concat([head, pad, Buffer.alloc(24)])));
    expect(h.architecture).toBe('qwen2');
    expect(h.parameterCount).toBe(6);
    // One byte short of the tensor data → truncated.
    expect(
      (await rejection(write('ok-cut.gguf', Buffer.concat([head, pad, Buffer.alloc(23)])))).message,
    ).toMatch(/truncated/);
  });
});
