/**
 * JPEG/WebP metadata (issue 14 item 1): A1111 UserComment, ComfyUI IFD0 `key:json`, sd.cpp COM,
 * XMP — read into the library record (folder import, uploads) and by the from-image importer.
 * Test images are made as tests/helpers/exif-images.ts describes.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { describeImage, isFailure } from '../../../runtime/library/import-read';
import {
  decodeUserComment,
  embeddedTextChunks,
  jpegComments,
} from '../../../runtime/library/embedded-meta';
import { importWorkflowAny } from '../../../runtime/importers';
import { FIXTURES_DIR } from '../../helpers/temp-home';
import {
  a1111Jpeg,
  a1111Webp,
  comfyWebp,
  insertComment,
  plainImage,
  unicodeUserComment,
} from '../../helpers/exif-images';

const PARAMS =
  'a red fox in the snow, 雪\nNegative prompt: blurry\nSteps: 12, Sampler: Euler a, CFG scale: 6.5, Seed: 9007199254740993, Size: 32x24, Model: dreamshaper_8';

const json = (f: string) =>
  JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, 'json', f), 'utf8')) as unknown;

describe('embedded JPEG/WebP metadata', () => {
  it('decodes UNICODE UserComments in either byte order, and ASCII ones', () => {
    expect(decodeUserComment(unicodeUserComment('héllo 雪'))).toBe('héllo 雪');
    expect(decodeUserComment(unicodeUserComment('héllo 雪', true))).toBe('héllo 雪');
    const ascii = Buffer.concat([Buffer.from('ASCII\0\0\0', 'latin1'), Buffer.from('Steps: 2')]);
    expect(decodeUserComment(ascii)).toBe('Steps: 2');
    expect(decodeUserComment(new Uint8Array(4))).toBe('');
  });

  it('an A1111 JPEG: parameters from the EXIF UserComment, exact seed, non-ASCII prompt', async () => {
    const r = await describeImage(await a1111Jpeg(PARAMS));
    if (isFailure(r)) throw new Error(r.reason);
    expect(r).toMatchObject({
      format: 'jpeg',
      width: 32,
      height: 24,
      source: 'a1111',
      prompt: 'a red fox in the snow, 雪',
      negativePrompt: 'blurry',
      seed: '9007199254740993',
      steps: 12,
      cfgScale: 6.5,
    });
    expect(r.workflow?.nodes.length).toBeGreaterThan(0);
  });

  it('an A1111 WebP (EXIF kept through sharp keepExif) reads the same', async () => {
    const r = await describeImage(await a1111Webp(PARAMS));
    if (isFailure(r)) throw new Error(r.reason);
    expect(r).toMatchObject({
      format: 'webp',
      source: 'a1111',
      steps: 12,
      seed: '9007199254740993',
    });
  });

  it('a ComfyUI WebP: workflow and prompt from IFD0 Make/Model `key:json`', async () => {
    const wf = json('comfyui_ui_default_txt2img.json');
    const api = json('comfyui_api_sdxl_base_refiner.json');
    const bytes = await comfyWebp(wf, api);
    const chunks = await embeddedTextChunks(bytes, 'webp');
    expect(chunks.map((c) => c.keyword).sort()).toEqual(['prompt', 'workflow']);
    const r = await describeImage(bytes);
    if (isFailure(r)) throw new Error(r.reason);
    expect(r.source).toBe('comfyui');
    expect(r.workflow?.nodes.some((n) => n.type === 'txt2img')).toBe(true);
    const imp = await importWorkflowAny({ bytes });
    expect(imp.source).toBe('comfyui-ui');
  });

  it("an sd.cpp JPEG: the COM segment `parameters\\0<text>` (sd-cli's own format)", async () => {
    const text =
      'a red fox\nNegative prompt: blurry\nSteps: 1, CFG scale: 7.000000, Guidance: 3.500000, Eta: inf, Seed: 42, Size: 64x64, Model: tiny-sdxs-q4_0.gguf, RNG: cuda, Sampler: euler_a discrete, Version: stable-diffusion.cpp';
    const bytes = insertComment(await plainImage(64, 64, 'jpeg'), `parameters\0${text}`);
    expect(jpegComments(bytes)).toEqual([`parameters\0${text}`]);
    const r = await describeImage(bytes);
    if (isFailure(r)) throw new Error(r.reason);
    expect(r).toMatchObject({ source: 'sdcpp', prompt: 'a red fox', seed: '42', steps: 1 });
  });

  it('XMP dc:description with A1111 text is read too', async () => {
    const xmp = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt><rdf:li xml:lang="x-default">a cat&#10;Steps: 3, Sampler: Euler, CFG scale: 5, Seed: 7, Size: 16x16</rdf:li></rdf:Alt></dc:description></rdf:Description></rdf:RDF></x:xmpmeta>`;
    const bytes = await sharp({
      create: { width: 16, height: 16, channels: 3, background: '#111' },
    })
      .withXmp(xmp)
      .jpeg()
      .toBuffer();
    const r = await describeImage(bytes);
    if (isFailure(r)) throw new Error(r.reason);
    expect(r).toMatchObject({ source: 'a1111', prompt: 'a cat', steps: 3, seed: '7' });
  });

  it('a JPEG/WebP without metadata: no chunks, imported without a workflow; from-image says NO_METADATA', async () => {
    for (const f of ['jpeg', 'webp'] as const) {
      const bytes = await plainImage(8, 8, f);
      expect(await embeddedTextChunks(bytes, f)).toEqual([]);
      const r = await describeImage(bytes);
      expect(!isFailure(r) && r.workflow).toBe(null);
      await expect(importWorkflowAny({ bytes })).rejects.toMatchObject({ code: 'NO_METADATA' });
    }
  });
});
