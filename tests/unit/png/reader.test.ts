import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { __tableCrc32, crc32 } from '../../../runtime/png/crc';
import { encodeChunk, readPngText, readPngTextFile, type PngTextRead } from '../../../runtime/png';
import { UserError } from '../../../runtime/errors';
import { FIXTURES_DIR } from '../../helpers/temp-home';

const FIX = path.join(FIXTURES_DIR, 'png');
const fixture = (f: string) => readFileSync(path.join(FIX, f));
const enc = new TextEncoder();
const cat = (...p: Uint8Array[]) =>
  Buffer.concat(p.map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength)));

/** Splits a PNG into [signature+IHDR, middle chunks…, IEND] so tests can splice chunks in. */
function parts(png: Buffer) {
  const ihdrEnd = 8 + 25;
  const iend = png.length - 12;
  return {
    head: png.subarray(0, ihdrEnd),
    body: png.subarray(ihdrEnd, iend),
    iend: png.subarray(iend),
  };
}
const tEXt = (k: string, t: string | Uint8Array) =>
  encodeChunk(
    'tEXt',
    cat(
      Buffer.from(k, 'latin1'),
      Uint8Array.of(0),
      typeof t === 'string' ? Buffer.from(t, 'latin1') : t,
    ),
  );
const zTXt = (k: string, z: Uint8Array) =>
  encodeChunk('zTXt', cat(Buffer.from(k, 'latin1'), Uint8Array.of(0, 0), z));

let base: Buffer;
beforeAll(async () => {
  base = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
    .png()
    .toBuffer();
});

describe('readPngText on the real fixtures', () => {
  const cases: Array<[string, string[], number, number]> = [
    ['a1111_tiny_text.png', ['tEXt parameters'], 1, 1],
    ['a1111_itxt_utf8.png', ['iTXt parameters'], 1024, 1024],
    ['comfyui_lora.png', ['tEXt prompt', 'tEXt workflow'], 2153, 788],
    ['comfyui_z_image_turbo.png', ['tEXt prompt', 'tEXt workflow'], 1024, 1024],
    ['invokeai_text.png', ['tEXt invokeai_metadata', 'tEXt invokeai_graph'], 1024, 1024],
    ['swarmui_params.png', ['tEXt prompt', 'tEXt parameters'], 1024, 1024],
    ['sdcpp_flux_basic.png', ['tEXt parameters'], 512, 512],
    ['no_metadata_pose_input.png', [], 1280, 704],
  ];
  for (const [file, chunks, w, h] of cases) {
    it(`${file}: ${chunks.join(', ') || 'no text'}; ${w}x${h}; reaches IEND`, () => {
      const r = readPngText(fixture(file), { mode: 'full' });
      expect(r.chunks.map((c) => `${c.type} ${c.keyword}`)).toEqual(chunks);
      expect([r.width, r.height]).toEqual([w, h]);
      expect(r.reachedIend).toBe(true);
      expect(r.warnings).toEqual([]);
      // The file reader (seeking over IDAT) sees exactly the same chunks.
      const f = readPngTextFile(path.join(FIX, file), { mode: 'full' });
      expect(f.chunks).toEqual(r.chunks);
    });
  }

  it('decodes the iTXt prompt as UTF-8 (Japanese text intact)', () => {
    const [c] = readPngText(fixture('a1111_itxt_utf8.png')).chunks;
    expect(c!.encoding).toBe('utf8');
    expect(c!.text).toContain('hatsune miku, テスト');
  });

  it('header mode stops at the first IDAT', () => {
    const r = readPngTextFile(path.join(FIX, 'comfyui_lora.png'), { mode: 'header' });
    expect(r.stoppedAtIdat).toBe(true);
    expect(r.reachedIend).toBe(false);
    expect(r.chunks).toHaveLength(2);
  });
});

describe('text after IDAT', () => {
  it('full and auto modes find it, header mode does not', () => {
    const { head, body, iend } = parts(base);
    const png = cat(
      head,
      body,
      tEXt('parameters', 'late text\nSteps: 1, Seed: 2, Size: 8x8'),
      iend,
    );
    expect(readPngText(png, { mode: 'full' }).chunks[0]).toMatchObject({
      keyword: 'parameters',
      afterIdat: true,
    });
    expect(readPngText(png, { mode: 'auto' }).chunks).toHaveLength(1);
    expect(readPngText(png, { mode: 'header' }).chunks).toHaveLength(0);
  });
});

describe('tEXt encodings', () => {
  it('reads UTF-8 bytes in tEXt as UTF-8 and true Latin-1 as Latin-1', () => {
    const { head, body, iend } = parts(base);
    const png = cat(
      head,
      tEXt('a', enc.encode('café テスト')),
      tEXt('b', Uint8Array.of(0x63, 0x61, 0x66, 0xe9)),
      body,
      iend,
    );
    const [a, b] = readPngText(png).chunks;
    expect(a).toMatchObject({ text: 'café テスト', encoding: 'utf8' });
    expect(b).toMatchObject({ text: 'café', encoding: 'latin1' });
  });
});

describe('hostile input', () => {
  const expectUserError = (fn: () => unknown, code: string) => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).code).toBe(code);
      return;
    }
    throw new Error(`expected UserError ${code}`);
  };

  it('non-PNG bytes → PNG_INVALID; a cut signature or IHDR → PNG_TRUNCATED', () => {
    expectUserError(
      () => readPngText(enc.encode('<svg xmlns="http://www.w3.org/2000/svg"/>')),
      'PNG_INVALID',
    );
    expectUserError(() => readPngText(base.subarray(0, 5)), 'PNG_TRUNCATED');
    expectUserError(() => readPngText(base.subarray(0, 20)), 'PNG_TRUNCATED');
  });

  it('a bad CRC skips that text chunk with PNG_BAD_CRC and keeps the others', () => {
    const { head, body, iend } = parts(base);
    const bad = Buffer.from(tEXt('parameters', 'tampered'));
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 0xff;
    const r = readPngText(cat(head, bad, tEXt('ok', 'fine'), body, iend));
    expect(r.chunks.map((c) => c.keyword)).toEqual(['ok']);
    expect(r.warnings.map((w) => w.code)).toEqual(['PNG_BAD_CRC']);
  });

  it('a truncated file returns what was read plus PNG_TRUNCATED', () => {
    const png = fixture('comfyui_lora.png');
    const cut = png.subarray(0, png.length - 5000);
    const r = readPngText(cut, { mode: 'full' });
    expect(r.chunks).toHaveLength(2);
    expect(r.reachedIend).toBe(false);
    expect(r.warnings.map((w) => w.code)).toEqual(['PNG_TRUNCATED']);
  });

  it('no IEND → PNG_NO_IEND warning', () => {
    const { head, body } = parts(base);
    const r = readPngText(cat(head, tEXt('k', 'v'), body), { mode: 'full' });
    expect(r.chunks).toHaveLength(1);
    expect(r.warnings.map((w) => w.code)).toEqual(['PNG_NO_IEND']);
  });

  it('an absurd chunk length (2^31−1 and 0xFFFFFFFF) stops the walk without reading', () => {
    const { head, body, iend } = parts(base);
    for (const len of [0x7fffffff, 0xffffffff]) {
      const hdr = Buffer.alloc(8);
      hdr.writeUInt32BE(len, 0);
      hdr.write('tEXt', 4, 'latin1');
      const r = readPngText(cat(head, tEXt('before', 'x'), hdr, body, iend), { mode: 'full' });
      expect(r.chunks.map((c) => c.keyword)).toEqual(['before']);
      expect(r.warnings[0]!.code).toMatch(/PNG_TRUNCATED|PNG_CHUNK_INVALID/);
    }
  });

  it('a zTXt bomb (1 GiB of zeros) is refused at the 1 MiB cap without inflating it', () => {
    const { head, body, iend } = parts(base);
    // 64 MiB inflated stands in for 1 GiB: same code path (maxOutputLength), fast to build.
    const bomb = deflateSync(Buffer.alloc(64 << 20), { level: 9 });
    const before = process.memoryUsage().rss;
    const r = readPngText(
      cat(head, zTXt('workflow', bomb), tEXt('parameters', 'kept'), body, iend),
    );
    expect(process.memoryUsage().rss - before).toBeLessThan(64 << 20);
    expect(r.chunks.map((c) => c.keyword)).toEqual(['parameters']);
    expect(r.warnings).toMatchObject([{ code: 'PNG_TEXT_TOO_LARGE', chunk: 'zTXt workflow' }]);
  });

  it('a big uncompressed chunk over the cap is skipped without being decoded', () => {
    const { head, body, iend } = parts(base);
    const r = readPngText(cat(head, tEXt('big', Buffer.alloc(2 << 20, 0x61)), body, iend));
    expect(r.chunks).toHaveLength(0);
    expect(r.warnings[0]!.code).toBe('PNG_TEXT_TOO_LARGE');
  });

  it('the per-file cap stops many just-under-the-cap chunks', () => {
    const { head, body, iend } = parts(base);
    const chunk = zTXt('t', deflateSync(Buffer.alloc(900 * 1024, 0x62)));
    const many = Array.from({ length: 10 }, () => chunk);
    const r: PngTextRead = readPngText(cat(head, ...many, body, iend), {
      limits: { maxTotalBytes: 4 << 20 },
    });
    expect(r.chunks).toHaveLength(4);
    expect(r.warnings.filter((w) => w.code === 'PNG_TEXT_TOO_LARGE')).toHaveLength(6);
  });

  it('tEXt without a NUL separator and an iTXt with invalid UTF-8 are reported', () => {
    const { head, body, iend } = parts(base);
    const noNul = encodeChunk('tEXt', Buffer.from('keywordwithoutnul', 'latin1'));
    const badItxt = encodeChunk(
      'iTXt',
      cat(Buffer.from('k\0\0\0\0\0', 'latin1'), Uint8Array.of(0xff, 0xfe, 0x41)),
    );
    const r = readPngText(cat(head, noNul, badItxt, body, iend));
    expect(r.warnings.map((w) => w.code)).toEqual(['PNG_TEXT_INVALID', 'PNG_TEXT_INVALID']);
    expect(r.chunks).toMatchObject([{ keyword: 'k', encoding: 'latin1' }]);
  });

  it('100 000 tiny chunks are walked without trouble', () => {
    const { head, body, iend } = parts(base);
    const tiny = encodeChunk('abCd', new Uint8Array(0));
    const r = readPngText(
      cat(head, ...Array.from({ length: 100_000 }, () => tiny), tEXt('k', 'v'), body, iend),
      { mode: 'full' },
    );
    expect(r.chunks).toHaveLength(1);
    expect(r.reachedIend).toBe(true);
  });
});

describe('crc32', () => {
  it('native and table implementations agree with the PNG IEND CRC', () => {
    const data = enc.encode('IEND');
    expect(crc32(data)).toBe(0xae426082);
    expect(__tableCrc32(data)).toBe(0xae426082);
    const rnd = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff);
    expect(__tableCrc32(rnd)).toBe(crc32(rnd));
  });
});
