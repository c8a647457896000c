/**
 * Semantic search end to end with the real LLM worker and the real tiny model (stories260K,
 * 1 thread): a library of 300 generations is embedded by the background job, semantic and hybrid
 * search rank it with keyset paging, changing `search.embeddingModel` re-embeds into a new space
 * (queries never mix the two), and that re-embedding survives a restart midway. The tiny model's
 * vectors carry no meaning: the assertions are on structure, determinism and model separation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { makeTempHome, TINY_GGUF } from '../helpers/temp-home';
import { Store } from '../../runtime/store';
import { loadConfig } from '../../runtime/config';
import { VectorStore } from '../../runtime/store/vectors';
import type { GalleryJobs } from '../../runtime/jobs';

const N = 300;
const WORDS = [
  'fox',
  'lighthouse',
  'robot',
  'castle',
  'forest',
  'ocean',
  'dragon',
  'city',
  'garden',
  'mountain',
];
const STYLES = ['oil painting', 'photo', 'watercolor', 'pixel art', 'sketch'];
const home = makeTempHome({ prefix: 'mysti-semantic-', gguf: true });
const MODEL_A = path.basename(TINY_GGUF);
// A second embedding model: the same weights under another file name are another registry entry.
const MODEL_B = 'stories-b.gguf';
fs.copyFileSync(TINY_GGUF, path.join(home.models, MODEL_B));
const ENV = { MYSTI_LLM_THREADS: '1' };
const setModel = (m: string, batch: number) =>
  fs.writeFileSync(
    path.join(home.home, 'config.json'),
    JSON.stringify({ search: { embeddingModel: m, batch } }),
  );

{
  const store = Store.open(loadConfig(home.env).dbFile);
  for (let i = 0; i < N; i++) {
    store.generations.insert({
      uuid: randomUUID(),
      artifactId: null,
      filePath: `outputs/fake-${i}.png`,
      sha256: null,
      createdAt: 1_700_000_000_000 + i * 1000,
      prompt: `a ${WORDS[i % WORDS.length]} in the style of ${STYLES[i % STYLES.length]}, number ${i}`,
      width: 64,
      height: 64,
      source: 'import',
    });
  }
  store.close();
}

let t: TestStudio | null = null;
afterAll(async () => {
  await t?.close();
  home.cleanup();
});

async function until<T>(
  fn: () => T | undefined | Promise<T | undefined>,
  ms: number,
  what: string,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const vectorsOf = (s: TestStudio) => (s.studio.services.galleryJobs as GalleryJobs).vectors!;
const spaceOf = (s: TestStudio, modelFile: string) =>
  vectorsOf(s)
    .spaces()
    .find((x) => x.modelId.endsWith(modelFile));

async function allPages(
  s: TestStudio,
  query: string,
): Promise<{ items: any[]; pages: number; body: any }> {
  const items: any[] = [];
  let cursor: string | null = null;
  let pages = 0;
  let body: any;
  do {
    const r: { status: number; text: string; json: any } = await s.http.get(
      `/api/generations?${query}&limit=40${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(r.status, r.text).toBe(200);
    body = r.json;
    items.push(...r.json.items);
    cursor = r.json.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages, body };
}

const cos = (a: number[], b: Float32Array) => a.reduce((acc, x, i) => acc + x * b[i]!, 0);

describe('semantic search with the real tiny model', () => {
  it('the background job embeds the whole library', async () => {
    setModel(MODEL_A, 32);
    t = await startTestStudio({ home, env: ENV });
    const cov = await until(
      () => {
        const sp = spaceOf(t!, MODEL_A);
        const c = sp ? vectorsOf(t!).coverage(sp.id) : undefined;
        return c && c.embedded === N && vectorsOf(t!).get(sp!.id)?.state === 'ready'
          ? c
          : undefined;
      },
      120_000,
      'the back-fill',
    );
    expect(cov).toEqual({ embedded: N, total: N });
  }, 150_000);

  it('semantic search ranks every embedded generation, pages without repeats, deterministically', async () => {
    const a = await allPages(t!, 'q=a%20robot%20by%20the%20sea&mode=semantic&window=1000');
    expect(a.body.mode).toBe('semantic');
    expect(a.body.embedding.model).toContain(MODEL_A);
    expect(a.pages).toBeGreaterThan(1);
    expect(a.items).toHaveLength(N);
    expect(new Set(a.items.map((i) => i.id)).size).toBe(N);
    for (let k = 1; k < a.items.length; k++)
      expect(a.items[k].score).toBeLessThanOrEqual(a.items[k - 1].score);
    // The same ranking as an exact cosine against the stored vectors with the /v1/embeddings vector.
    const e = await t!.http.post('/v1/embeddings', { input: 'a robot by the sea', model: MODEL_A });
    const q = e.json.data[0].embedding as number[];
    const sp = spaceOf(t!, MODEL_A)!;
    const exact = a.items.map((i) => ({ id: i.id, s: cos(q, vectorsOf(t!).vector(sp.id, i.id)!) }));
    for (let k = 0; k < exact.length; k++) expect(a.items[k].score).toBeCloseTo(exact[k]!.s, 4);
    const b = await allPages(t!, 'q=a%20robot%20by%20the%20sea&mode=semantic&window=1000');
    expect(b.items.map((i) => i.id)).toEqual(a.items.map((i) => i.id));
  }, 60_000);

  it('hybrid (the default) fuses FTS and vectors by RRF; filters still apply', async () => {
    const h = await allPages(t!, 'q=lighthouse&window=1000');
    expect(h.body.mode).toBe('hybrid');
    expect(new Set(h.items.map((i) => i.id)).size).toBe(h.items.length);
    for (let k = 1; k < h.items.length; k++)
      expect(h.items[k].score).toBeLessThanOrEqual(h.items[k - 1].score);
    // Every text match is in the fused list; the first text match (1/61 + its vector share) beats
    // any item the text search did not find (at most 1/61).
    const lighthouses = N / WORDS.length;
    expect(h.items.filter((i) => i.prompt.includes('lighthouse'))).toHaveLength(lighthouses);
    expect(h.items[0].prompt).toContain('lighthouse');
    expect(h.items).toHaveLength(N);
    const text = await allPages(t!, 'q=lighthouse&mode=text');
    expect(text.body.mode).toBe('text');
    expect(text.items).toHaveLength(lighthouses);
    const f = await allPages(t!, 'q=lighthouse&window=1000&minWidth=65');
    expect(f.items).toHaveLength(0);
  }, 60_000);

  it('similar images: nearest to a generation, itself excluded; bad input is a 4xx with the error shape', async () => {
    const first = (await t!.http.get('/api/generations?limit=1&mode=text')).json.items[0];
    const r = await t!.http.get(`/api/generations/${first.uuid}/similar?limit=10`);
    expect(r.status).toBe(200);
    expect(r.json.items).toHaveLength(10);
    expect(r.json.items.some((i: any) => i.id === first.id)).toBe(false);
    const bad = await t!.http.get('/api/generations?q=x&mode=semantic&cursor=nope');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('BAD_CURSOR');
  });

  it('/v1/embeddings: OpenAI shape for a string and for an array; bad input → 400', async () => {
    const one = await t!.http.post('/v1/embeddings', { input: 'a castle' });
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({
      object: 'list',
      model: expect.stringContaining(MODEL_A),
      usage: { prompt_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
    expect(one.json.data).toHaveLength(1);
    expect(one.json.data[0]).toMatchObject({ object: 'embedding', index: 0 });
    const dim = one.json.data[0].embedding.length;
    expect(dim).toBeGreaterThan(0);
    const many = await t!.http.post('/v1/embeddings', { input: ['a', 'b c', 'a castle'] });
    expect(many.json.data.map((d: any) => d.index)).toEqual([0, 1, 2]);
    expect(many.json.data[2].embedding).toEqual(one.json.data[0].embedding);
    const b64 = await t!.http.post('/v1/embeddings', {
      input: 'a castle',
      encoding_format: 'base64',
    });
    const buf = Buffer.from(b64.json.data[0].embedding, 'base64');
    expect(buf.length).toBe(dim * 4);
    for (const body of [
      {},
      { input: '' },
      { input: [] },
      { input: [1, 2] },
      { input: 'x', dimensions: 8 },
    ]) {
      const r = await t!.http.post('/v1/embeddings', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.json.error).toMatchObject({ code: 'BAD_REQUEST', message: expect.any(String) });
    }
  }, 60_000);

  it('changing the model re-embeds in the background, survives a restart midway, and never mixes spaces', async () => {
    await t!.close();
    setModel(MODEL_B, 4);
    t = await startTestStudio({ home, env: ENV });
    // Partial: a query answers from model B's space only.
    await until(
      () => {
        const sp = spaceOf(t!, MODEL_B);
        return sp && vectorsOf(t!).coverage(sp.id).embedded >= 8 ? sp : undefined;
      },
      60_000,
      'the first vectors of model B',
    );
    const partial = (
      await t!.http.get('/api/generations?q=a%20dragon&mode=semantic&window=1000&limit=500')
    ).json;
    expect(partial.embedding.model).toContain(MODEL_B);
    const spB = spaceOf(t!, MODEL_B)!;
    expect(partial.items.length).toBeLessThan(N);
    for (const i of partial.items) expect(vectorsOf(t!).vector(spB.id, i.id)).toBeDefined();
    // Stop midway; the job row keeps its resume point.
    await t!.close();
    const store = Store.open(loadConfig(home.env).dbFile);
    const vs = new VectorStore(store.db);
    const mid = vs.coverage(spB.id).embedded;
    expect(mid).toBeGreaterThan(0);
    expect(mid).toBeLessThan(N);
    expect(
      vs
        .spaces()
        .map((s) => s.modelId)
        .sort(),
    ).toEqual([MODEL_A, MODEL_B].sort());
    store.close();
    // Restart: the back-fill resumes, completes, and model A's space is dropped.
    t = await startTestStudio({ home, env: ENV });
    await until(
      () => {
        const sp = spaceOf(t!, MODEL_B);
        return sp && vectorsOf(t!).get(sp.id)?.state === 'ready' ? sp : undefined;
      },
      120_000,
      'model B back-fill after restart',
    );
    expect(vectorsOf(t!).coverage(spB.id).embedded).toBe(N);
    expect(
      vectorsOf(t!)
        .spaces()
        .map((s) => s.modelId),
    ).toEqual([MODEL_B]);
    const full = await allPages(t!, 'q=a%20dragon&mode=semantic&window=1000');
    expect(full.items).toHaveLength(N);
    expect(full.body.embedding.model).toContain(MODEL_B);
  }, 300_000);
});
