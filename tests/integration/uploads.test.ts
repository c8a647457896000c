/**
 * POST /api/uploads over real HTTP on a real studio (issue 14 item 1): PNG/JPEG/WebP from disk
 * stored once as a PNG artifact + gallery generation + thumbnail, EXIF orientation applied,
 * embedded workflows offered; bad input (a 20000×20000 PNG, a truncated JPEG, a text file, an
 * oversized body, a mask of another size) is a 4xx with nothing written; Load image of an upload
 * puts it into the result's lineage.
 */
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { FIXTURES_DIR, makeTempHome, type TempHome } from '../helpers/temp-home';
import { GraphBuilder } from '../helpers/graph-builder';
import { a1111Jpeg, comfyWebp, plainImage } from '../helpers/exif-images';

const LIMIT = 4 * 1024 * 1024;
const PARAMS =
  'a lighthouse, ✓\nNegative prompt: fog\nSteps: 4, Sampler: Euler a, CFG scale: 7, Seed: 18446744073709551, Size: 64x64, Model: tiny';

let home: TempHome;
let s: TestStudio;
let base: string;

beforeAll(async () => {
  home = makeTempHome({ prefix: 'mysti-uploads-' });
  fs.writeFileSync(path.join(home.home, 'config.json'), JSON.stringify({ maxBodyBytes: LIMIT }));
  s = await startTestStudio({ home });
  base = `http://127.0.0.1:${s.port}`;
});
afterAll(async () => {
  await s?.close();
  home?.cleanup();
});

async function upload(
  bytes: Uint8Array,
  name: string,
  fields: Record<string, string> = {},
): Promise<{ status: number; body: any }> {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from(bytes)]), name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const r = await fetch(`${base}/api/uploads`, { method: 'POST', body: form });
  return { status: r.status, body: await r.json() };
}

/** Every file under artifacts/ and thumbs/, plus the row counts: what "nothing written" compares. */
function written(): { files: string[]; generations: number; artifacts: number } {
  const list = (d: string) =>
    fs.existsSync(d)
      ? (fs.readdirSync(d, { recursive: true }) as string[]).filter((f) =>
          fs.statSync(path.join(d, f)).isFile(),
        )
      : [];
  const db = s.studio.store.db;
  return {
    files: [
      ...list(path.join(home.home, 'artifacts')),
      ...list(path.join(home.home, 'thumbs')),
    ].sort(),
    generations: (db.prepare('SELECT count(*) AS n FROM generations').get() as { n: number }).n,
    artifacts: (db.prepare('SELECT count(*) AS n FROM artifacts').get() as { n: number }).n,
  };
}

describe('POST /api/uploads', () => {
  let photo: any;

  it('a JPEG with EXIF orientation 6 is stored upright as a PNG artifact, with a thumbnail and its A1111 workflow', async () => {
    // 40×20 landscape pixels tagged "rotate 90° CW": shown (and stored) as 20×40.
    const jpeg = await sharp(await a1111Jpeg(PARAMS, 40, 20))
      .keepExif()
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const r = await upload(jpeg, 'IMG_0001.JPG');
    expect(r.status).toBe(201);
    photo = r.body.upload;
    expect(photo).toMatchObject({ kind: 'image', format: 'jpeg', width: 20, height: 40 });
    expect(photo.existing).toBe(false);
    expect(photo.workflow?.source).toBe('a1111');
    expect(photo.workflow.graph.nodes.length).toBeGreaterThan(0);

    const g = s.studio.store.generations.byUuid(photo.uuid)!;
    expect(g).toMatchObject({
      source: 'upload',
      width: 20,
      height: 40,
      prompt: 'a lighthouse, ✓',
      seed: '18446744073709551',
      sha256: photo.sha256,
    });
    expect(g.filePath).toBe(
      path.join('artifacts', photo.sha256.slice(0, 2), `${photo.sha256}.png`),
    );
    const stored = fs.readFileSync(path.join(home.home, g.filePath));
    const m = await sharp(stored).metadata();
    expect([m.format, m.width, m.height, m.orientation ?? 1]).toEqual(['png', 20, 40, 1]);
    expect(s.studio.store.artifacts.get(photo.artifactId)).toMatchObject({
      kind: 'image',
      runId: null,
      port: 'upload',
      path: g.filePath,
      sha256: photo.sha256,
    });
    const files = s.studio.store.generations
      .files(g.id)
      .map((f) => f.role)
      .sort();
    expect(files).toEqual(['final', 'thumb']);

    const img = await fetch(`${base}${photo.imageUrl}`);
    expect([img.status, img.headers.get('content-type')]).toEqual([200, 'image/png']);
    const th = await fetch(`${base}${photo.thumbUrl}`);
    expect([th.status, th.headers.get('content-type')]).toEqual([200, 'image/webp']);
    const gal = await fetch(`${base}/api/generations/${photo.uuid}/workflow`);
    expect(gal.status).toBe(200);
  });

  it('the same pixels again return the stored upload: nothing new written', async () => {
    const before = written();
    const jpeg = await sharp(await a1111Jpeg(PARAMS, 40, 20))
      .keepExif()
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const r = await upload(jpeg, 'copy.jpg');
    expect(r.status).toBe(200);
    expect(r.body.upload).toMatchObject({ uuid: photo.uuid, existing: true });
    expect(written()).toEqual(before);
  });

  it('a raw-body PNG and a multipart ComfyUI WebP: workflows from PNG chunks and EXIF', async () => {
    const png = fs.readFileSync(path.join(FIXTURES_DIR, 'png', 'a1111_tiny_text.png'));
    const raw = await fetch(`${base}/api/uploads?filename=duck.png`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
    const rb = (await raw.json()) as any;
    expect(raw.status).toBe(201);
    expect(rb.upload).toMatchObject({ format: 'png', width: 1, height: 1 });
    expect(rb.upload.workflow.source).toBe('a1111');

    const wf = JSON.parse(
      fs.readFileSync(path.join(FIXTURES_DIR, 'json', 'comfyui_ui_default_txt2img.json'), 'utf8'),
    );
    const webp = await upload(await comfyWebp(wf, {}), 'comfy.webp');
    expect(webp.status).toBe(201);
    expect(webp.body.upload).toMatchObject({ format: 'webp', width: 16, height: 16 });
    expect(webp.body.upload.workflow.source).toBe('comfyui');

    const plain = await upload(await plainImage(12, 10, 'webp'), 'plain.webp');
    expect(plain.status).toBe(201);
    expect(plain.body.upload.workflow).toBe(null);
  });

  describe('bad input: a clear 4xx, no row, no file', () => {
    it('a 20000×20000 PNG → 413 IMAGE_TOO_LARGE (refused from its header, before decoding)', async () => {
      const cache = path.join(os.tmpdir(), 'mysti-test-20000x20000.png');
      if (!fs.existsSync(cache)) {
        // ≈ 1 MiB of zeros once deflated; libvips streams it (≈ 10 s on one core).
        const big = await sharp({
          create: { width: 20000, height: 20000, channels: 3, background: '#000' },
          limitInputPixels: false,
        })
          .png({ compressionLevel: 9 })
          .toBuffer();
        fs.writeFileSync(`${cache}.part`, big);
        fs.renameSync(`${cache}.part`, cache);
      }
      const before = written();
      const t0 = Date.now();
      const r = await upload(fs.readFileSync(cache), 'huge.png');
      expect(r.status).toBe(413);
      expect(r.body.error.code).toBe('IMAGE_TOO_LARGE');
      expect(r.body.error.message).toMatch(/20000×20000/);
      expect(r.body.error.details).toMatchObject({ width: 20000, height: 20000 });
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(written()).toEqual(before);
    }, 120_000);

    it('a truncated JPEG → 400 IMAGE_INVALID', async () => {
      const jpeg = await sharp({
        create: { width: 256, height: 256, channels: 3, background: '#a33' },
      })
        .jpeg()
        .toBuffer();
      const before = written();
      const r = await upload(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), 'cut.jpg');
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('IMAGE_INVALID');
      expect(r.body.error.message).toMatch(/truncated|premature/i);
      expect(written()).toEqual(before);
    });

    it('a file that is not an image → 400 UNSUPPORTED_FORMAT; an empty body → 400', async () => {
      const before = written();
      const r = await upload(Buffer.from('hello, I am a text file\n'), 'notes.png');
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe('UNSUPPORTED_FORMAT');
      const e = await fetch(`${base}/api/uploads`, { method: 'POST', body: new Uint8Array(0) });
      expect(e.status).toBe(400);
      expect(written()).toEqual(before);
    });

    it('a body over the configured limit → 413 PAYLOAD_TOO_LARGE', async () => {
      const before = written();
      const r = await fetch(`${base}/api/uploads`, {
        method: 'POST',
        headers: { 'content-type': 'image/png' },
        body: new Uint8Array(LIMIT + 1),
      });
      expect(r.status).toBe(413);
      expect(((await r.json()) as any).error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(written()).toEqual(before);
    });
  });

  describe('masks', () => {
    it('a mask of the image size is stored (one channel) with lineage to its image', async () => {
      const mask = await sharp({
        create: { width: 20, height: 40, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
      })
        .composite([
          {
            input: await sharp({
              create: { width: 10, height: 10, channels: 4, background: '#ffffff' },
            })
              .png()
              .toBuffer(),
            left: 5,
            top: 5,
          },
        ])
        .png()
        .toBuffer();
      const r = await upload(mask, 'mask.png', { kind: 'mask', parent: photo.uuid });
      expect(r.status).toBe(201);
      expect(r.body.upload).toMatchObject({ kind: 'mask', width: 20, height: 40 });
      const g = s.studio.store.generations.byUuid(r.body.upload.uuid)!;
      expect(g.source).toBe('mask');
      const file = path.join(home.home, g.filePath);
      expect((await sharp(file).metadata()).channels).toBe(1);
      const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
      expect(data[0]).toBe(0); // transparent → keep
      expect(data[(10 * 20 + 10) * info.channels]).toBe(255); // painted → repaint
      const detail = (await (await fetch(`${base}/api/generations/${g.uuid}`)).json()) as any;
      expect(detail.lineage.ancestors.map((a: any) => a.uuid)).toEqual([photo.uuid]);
    });

    it('a mask of another size, or without its image → 4xx, nothing written', async () => {
      const before = written();
      const wrong = await upload(await plainImage(21, 40, 'png'), 'm.png', {
        kind: 'mask',
        parent: photo.uuid,
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.message).toMatch(/21×40.*20×40/);
      const orphan = await upload(await plainImage(20, 40, 'png'), 'm.png', { kind: 'mask' });
      expect(orphan.status).toBe(400);
      const gone = await upload(await plainImage(20, 40, 'png'), 'm.png', {
        kind: 'mask',
        parent: '00000000-0000-4000-8000-000000000000',
      });
      expect(gone.status).toBe(404);
      expect(written()).toEqual(before);
    });
  });

  it('Load image of an upload → img2img → save: the upload is in the result’s gallery lineage', async () => {
    const g = new GraphBuilder('upload lineage');
    const load = g.node('load-image', { source: photo.uuid }, {}, 'load');
    const prompt = g.node('prompt', { text: 'a lighthouse' }, {}, 'prompt');
    const i2i = g.node(
      'img2img',
      { model: 'tiny-sd.safetensors', width: 64, height: 64, steps: 2, seed: 1, strength: 0.5 },
      { image: load.out('image'), prompt: prompt.out('text') },
      'i2i',
    );
    g.node('save', { filenamePrefix: 'lin' }, { image: i2i.out('image') }, 'save');
    const r = await s.run(g.finalize(), undefined, 60_000);
    expect(r.status, JSON.stringify(r.view.error)).toBe('completed');
    const saved = s.studio.store.generations.byRun(r.id)[0]!;
    const detail = (await (await fetch(`${base}/api/generations/${saved.uuid}`)).json()) as any;
    expect(detail.lineage.ancestors.map((a: any) => a.uuid)).toContain(photo.uuid);
  });
});
