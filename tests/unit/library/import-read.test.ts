/**
 * readImageFile / describeImage on the real fixtures (../shared/fixtures/png, a sibling of the
 * repository in CI's fresh clone) and on damaged and non-PNG files.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  describeImage,
  isFailure,
  librarySource,
  readImageFile,
  type ImageRecord,
} from '../../../runtime/library/import-read';
import { insertTextChunks } from '../../../runtime/png/write';
import { FIXTURES_DIR } from '../../helpers/temp-home';

const FIX = path.join(FIXTURES_DIR, 'png');

async function rec(file: string): Promise<ImageRecord> {
  const r = await readImageFile(path.join(FIX, file));
  if (isFailure(r)) throw new Error(`${file}: ${r.code}: ${r.reason}`);
  return r;
}

describe('readImageFile on every fixture', () => {
  it('a1111_tiny_text.png: A1111 values, file size 1x1, generation size kept in params', async () => {
    const r = await rec('a1111_tiny_text.png');
    expect(r).toMatchObject({
      format: 'png',
      source: 'a1111',
      prompt: 'photo of a duck',
      negativePrompt: 'monochrome',
      seed: '235284042',
      steps: 15,
      cfgScale: 5,
      model: 'realistic_realisticVisionV20_v20',
      width: 1,
      height: 1,
      bytes: 272,
    });
    expect(r.params).toMatchObject({ width: 512, height: 400 });
    expect(r.sha256).toBe(
      createHash('sha256')
        .update(fs.readFileSync(path.join(FIX, 'a1111_tiny_text.png')))
        .digest('hex'),
    );
    expect(r.sha256.startsWith('7c76e634f1290150')).toBe(true);
    expect(r.workflow?.nodes.map((n) => n.type)).toEqual(
      expect.arrayContaining(['prompt', 'txt2img', 'save']),
    );
    expect(r.tags).toEqual([]);
  });

  it('a1111_itxt_utf8.png: UTF-8 iTXt parameters, Karras scheduler', async () => {
    const r = await rec('a1111_itxt_utf8.png');
    expect(r).toMatchObject({
      source: 'a1111',
      seed: '3782896554',
      steps: 20,
      cfgScale: 7,
      scheduler: 'karras',
      model: 'waiIllustriousSDXL_v160',
      width: 1024,
      height: 1024,
    });
    expect(r.prompt).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/); // the Japanese text survived
  });

  it('comfyui_lora.png and comfyui_z_image_turbo.png: ComfyUI, graph kept', async () => {
    const lora = await rec('comfyui_lora.png');
    expect(lora).toMatchObject({
      source: 'comfyui',
      steps: 20,
      cfgScale: 8,
      sampler: 'euler',
      model: 'v1-5-pruned-emaonly.ckpt',
      seed: '851616030078638',
    });
    expect(lora.workflow?.nodes.some((n) => n.type === 'txt2img')).toBe(true);
    expect(lora.warnings.join('\n')).not.toMatch(/seed/i);
    const z = await rec('comfyui_z_image_turbo.png');
    expect(z).toMatchObject({
      source: 'comfyui',
      steps: 9,
      cfgScale: 1,
      sampler: 'euler',
      scheduler: 'simple',
      model: 'z_image_turbo_bf16.safetensors',
      width: 1024,
      height: 1024,
    });
    expect(z.params).toMatchObject({ width: 1024, height: 1024 });
  });

  it('invokeai_text.png, swarmui_params.png, sdcpp_flux_basic.png', async () => {
    expect(await rec('invokeai_text.png')).toMatchObject({
      source: 'invokeai',
      seed: '1860920704',
      steps: 24,
      cfgScale: 6,
    });
    expect(await rec('swarmui_params.png')).toMatchObject({
      source: 'swarmui',
      seed: '2083100758',
      model: 'waiIllustriousSDXL_v160',
    });
    const sd = await rec('sdcpp_flux_basic.png');
    expect(sd).toMatchObject({
      source: 'sdcpp',
      seed: '42',
      steps: 20,
      cfgScale: 1,
      negativePrompt: null,
      width: 512,
      height: 512,
    });
    expect(sd.prompt).toMatch(/^a lovely cat holding a sign/);
  });

  it('no_metadata_pose_input.png: imported as an image without metadata, not an error', async () => {
    const r = await rec('no_metadata_pose_input.png');
    expect(r).toMatchObject({
      source: 'unknown',
      prompt: null,
      seed: null,
      workflow: null,
      width: 1280,
      height: 704,
      warnings: [],
    });
  });
});

describe('damaged and other files', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-read-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('a truncated PNG is a PNG_TRUNCATED failure with its reason, even when its text came before IDAT', async () => {
    const whole = fs.readFileSync(path.join(FIX, 'sdcpp_flux_basic.png'));
    const r = await describeImage(whole.subarray(0, 5000));
    expect(isFailure(r) && r.code).toBe('PNG_TRUNCATED');
    expect(isFailure(r) && r.reason).toMatch(/IDAT/);
    // Cut right after the signature + half an IHDR: the reader throws, we report.
    const r2 = await describeImage(whole.subarray(0, 20));
    expect(isFailure(r2) && r2.code).toBe('PNG_TRUNCATED');
  });

  it('a PNG with a broken header CRC is PNG_INVALID; garbage is UNSUPPORTED_FORMAT', async () => {
    const bad = Buffer.from(fs.readFileSync(path.join(FIX, 'a1111_tiny_text.png')));
    bad[20] = bad[20]! ^ 0xff; // inside IHDR data
    const r = await describeImage(bad);
    expect(isFailure(r) && r.code).toBe('PNG_INVALID');
    const g = await describeImage(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'));
    expect(isFailure(g) && g.code).toBe('UNSUPPORTED_FORMAT');
  });

  it('a bad CRC on one text chunk only loses that chunk: the image is imported', async () => {
    const png = Buffer.from(fs.readFileSync(path.join(FIX, 'a1111_tiny_text.png')));
    const at = png.indexOf('parameters');
    png[at + 20] = png[at + 20]! ^ 0x01; // inside the tEXt data: its CRC no longer matches
    const r = await describeImage(png);
    expect(isFailure(r)).toBe(false);
    expect(r).toMatchObject({ source: 'unknown', width: 1, height: 1, workflow: null });
  });

  it('JPEG and WebP are imported with their size and hash, without metadata', async () => {
    const jpg = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#336' } })
      .jpeg()
      .toBuffer();
    const webp = await sharp({ create: { width: 24, height: 16, channels: 3, background: '#633' } })
      .webp()
      .toBuffer();
    fs.writeFileSync(path.join(dir, 'a.jpg'), jpg);
    expect(await readImageFile(path.join(dir, 'a.jpg'))).toMatchObject({
      format: 'jpeg',
      width: 40,
      height: 30,
      source: 'unknown',
      bytes: jpg.length,
    });
    expect(await describeImage(webp)).toMatchObject({ format: 'webp', width: 24, height: 16 });
    const cut = await describeImage(jpg.subarray(0, 40));
    expect(isFailure(cut) && cut.code).toBe('IMAGE_INVALID');
  });

  it('a missing file is READ_FAILED', async () => {
    const r = await readImageFile(path.join(dir, 'nope.png'));
    expect(isFailure(r) && r.code).toBe('READ_FAILED');
  });

  it('tags come only from our own chunk when it carries them', async () => {
    const base = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    const graph = {
      format: 'mysticanvas.graph',
      version: 1,
      id: 'g',
      name: 'n',
      nodes: [
        { id: 'p1', type: 'prompt', position: { x: 0, y: 0 }, params: { text: 'a cat' } },
        {
          id: 'g1',
          type: 'txt2img',
          position: { x: 0, y: 0 },
          params: { seed: 7, steps: 4, width: 8, height: 8 },
        },
      ],
      edges: [
        { id: 'e1', source: 'p1', sourceHandle: 'text', target: 'g1', targetHandle: 'prompt' },
      ],
    };
    const meta = {
      graph,
      runId: 'r',
      nodeId: 's1',
      params: { seed: 7, steps: 4, width: 8, height: 8 },
      lineage: [],
      appVersion: 'x',
      engineVersion: 'y',
      modelHashes: {},
    };
    const plain = await describeImage(
      insertTextChunks(base, [
        { keyword: 'mysticanvas', text: JSON.stringify(meta), chunk: 'iTXt' },
      ]),
    );
    expect(plain).toMatchObject({
      source: 'mysticanvas',
      prompt: 'a cat',
      seed: '7',
      steps: 4,
      tags: [],
    });
    const tagged = await describeImage(
      insertTextChunks(base, [
        {
          keyword: 'mysticanvas',
          text: JSON.stringify({ ...meta, tags: ['cat', { name: 'night' }, 3] }),
          chunk: 'iTXt',
        },
      ]),
    );
    expect(!isFailure(tagged) && tagged.tags).toEqual(['cat', 'night']);
  });

  it('librarySource folds the importer dialects into the library sources', () => {
    expect(librarySource('comfyui-ui')).toBe('comfyui');
    expect(librarySource('comfyui-api')).toBe('comfyui');
    expect(librarySource('json')).toBe('unknown');
    expect(librarySource(null)).toBe('unknown');
    expect(librarySource('sdcpp')).toBe('sdcpp');
  });
});
