/**
 * Issue 18 #6: deeply nested JSON (10k+ levels) in a graph, its meta/params or a `mysticanvas`
 * PNG chunk, and malformed multipart, are user input: 400 with the error shape, never a 500
 * RangeError, nothing written.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';
import { insertTextChunks } from '../../runtime/png/write';
import { MYSTICANVAS_KEYWORD } from '../../runtime/png/mysticanvas';
import { MAX_JSON_DEPTH } from '../../runtime/json-limits';

const DEPTH = 12_000;
/** `{"a":{"a":…}}` nested `n` deep, as text (building it as an object would itself overflow JSON.stringify). */
const deepText = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

function expectError400(r: { status: number; json: any; text: string }, code?: string) {
  expect(r.status, r.text.slice(0, 300)).toBe(400);
  expect(Object.keys(r.json)).toEqual(['error']);
  expect(r.json.error.code).toMatch(/^[A-Z_]+$/);
  if (code) expect(r.json.error.code).toBe(code);
}

describe('deep JSON and malformed multipart (issue 18 #6)', () => {
  let s: TestStudio;
  beforeAll(async () => {
    s = await startTestStudio();
  });
  afterAll(async () => {
    await s?.close();
  });

  const graphWith = (where: 'params' | 'meta') => {
    const g = JSON.stringify(txt2imgChain().finalize());
    if (where === 'meta') return `{"graph":${g.replace(/^\{/, `{"meta":${deepText(DEPTH)},`)}}`;
    return `{"graph":${g.replace('"text":"a lighthouse at dusk"', `"text":"x","deep":${deepText(DEPTH)}`)}}`;
  };

  it('POST /api/runs with a deep param or deep meta → 400 JSON_TOO_DEEP, no run written', async () => {
    const before = s.studio.store.runs.list(1000).length;
    for (const where of ['params', 'meta'] as const) {
      const r = await s.http.post('/api/runs', graphWith(where));
      expectError400(r, 'JSON_TOO_DEEP');
      expect(r.json.error.message).toContain(String(MAX_JSON_DEPTH));
    }
    expect(s.studio.store.runs.list(1000).length).toBe(before);
  });

  it('POST /api/graphs and PUT /api/graphs/:id with deep meta → 400, nothing saved', async () => {
    expectError400(await s.http.post('/api/graphs', graphWith('meta')), 'JSON_TOO_DEEP');
    expectError400(await s.http.put('/api/graphs/g1', graphWith('meta')), 'JSON_TOO_DEEP');
    expect(s.studio.store.graphs.list(100)).toEqual([]);
  });

  it('a graph nested just inside the limit still works', async () => {
    const g = txt2imgChain().finalize();
    (g as any).meta = JSON.parse(deepText(MAX_JSON_DEPTH - 4));
    const r = await s.http.post('/api/graphs', { graph: g });
    expect(r.status, r.text.slice(0, 300)).toBe(201);
  });

  it('POST /api/workflows/from-image: a deep mysticanvas chunk or deep JSON body → 400', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } })
      .png()
      .toBuffer();
    const bad = insertTextChunks(png, [{ keyword: MYSTICANVAS_KEYWORD, text: deepText(DEPTH) }]);
    expectError400(
      await s.http.post('/api/workflows/from-image', Buffer.from(bad), {
        headers: { 'content-type': 'image/png' },
      }),
    );
    expectError400(
      await s.http.post('/api/workflows/from-image', deepText(DEPTH), {
        headers: { 'content-type': 'application/json' },
      }),
    );
  });

  it('POST /api/workflows/from-image with malformed multipart → 400', async () => {
    const broken = Buffer.from(
      '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nnot closed',
    );
    const r = await s.http.post('/api/workflows/from-image', broken, {
      headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
    });
    expectError400(r);
    const noBoundary = await s.http.post('/api/workflows/from-image', Buffer.from('hello'), {
      headers: { 'content-type': 'multipart/form-data' },
    });
    expectError400(noBoundary);
  });
});
