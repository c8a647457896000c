/**
 * The gallery API over a real studio: runs txt2img → save → img2img → save with the sd.cpp
 * stand-in, then lists, searches, tags, favorites, trashes, restores and empties the trash over
 * HTTP; thumbnails come from the real job runner (sharp → WebP); lineage links the two images.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { request } from '../helpers/http';
import type { GraphDoc } from '../../nodes/core/graph';

let t: TestStudio;

const graph = (prompt: string): GraphDoc =>
  ({
    format: 'mysticanvas.graph',
    version: 1,
    name: 'chain',
    nodes: [
      { id: 'prompt', type: 'prompt', position: { x: 0, y: 0 }, params: { text: prompt } },
      {
        id: 'gen',
        type: 'txt2img',
        position: { x: 300, y: 0 },
        params: { model: 'tiny-sd.safetensors', width: 64, height: 64, steps: 2, seed: 7 },
      },
      {
        id: 'save1',
        type: 'save',
        position: { x: 600, y: 0 },
        params: { filenamePrefix: 'first' },
      },
      {
        id: 'refine',
        type: 'img2img',
        position: { x: 900, y: 0 },
        params: { model: 'tiny-sd.safetensors', steps: 2, seed: 8, strength: 0.5 },
      },
      {
        id: 'save2',
        type: 'save',
        position: { x: 1200, y: 0 },
        params: { filenamePrefix: 'second' },
      },
    ],
    edges: [
      { id: 'e1', source: 'prompt', sourceHandle: 'text', target: 'gen', targetHandle: 'prompt' },
      { id: 'e2', source: 'gen', sourceHandle: 'image', target: 'save1', targetHandle: 'image' },
      { id: 'e3', source: 'save1', sourceHandle: 'image', target: 'refine', targetHandle: 'image' },
      {
        id: 'e4',
        source: 'prompt',
        sourceHandle: 'text',
        target: 'refine',
        targetHandle: 'prompt',
      },
      { id: 'e5', source: 'refine', sourceHandle: 'image', target: 'save2', targetHandle: 'image' },
    ],
  }) as GraphDoc;

async function waitFor<T>(fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  t = await startTestStudio();
  const r = await t.run(graph('a lighthouse on a cliff at dusk'));
  expect(r.status).toBe('completed');
}, 60_000);
afterAll(async () => t?.close());

describe('gallery API', () => {
  let first: any;
  let second: any;

  it('lists both images newest first, with thumbnails made in the background', async () => {
    const list = (await t.http.get('/api/generations')).json;
    expect(list.items).toHaveLength(2);
    [second, first] = list.items;
    expect(second.createdAt).toBeGreaterThanOrEqual(first.createdAt);
    expect(second.prompt).toBe('a lighthouse on a cliff at dusk');
    const d = await waitFor(async () => {
      const r = (await t.http.get(`/api/generations/${first.uuid}`)).json;
      return r.files.some((f: any) => f.role === 'thumb') ? r : undefined;
    });
    const thumb = d.files.find((f: any) => f.role === 'thumb');
    expect(thumb.bytes).toBeGreaterThan(0);
    const th = await t.http.get(`/api/generations/${first.uuid}/thumb`);
    expect(th.status).toBe(200);
    expect(th.headers['content-type']).toBe('image/webp');
    expect(th.headers['cache-control']).toContain('immutable');
    expect(th.bytes.subarray(8, 12).toString()).toBe('WEBP');
    const img = await t.http.get(`/api/generations/${first.uuid}/image`);
    expect(img.headers['content-type']).toBe('image/png');
    expect(img.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(
      fs.existsSync(path.join(t.home.home, 'thumbs', first.uuid.slice(0, 2), `${first.uuid}.webp`)),
    ).toBe(true);
  });

  it('detail carries lineage both ways, params and the workflow', async () => {
    const d2 = (await t.http.get(`/api/generations/${second.uuid}`)).json;
    expect(d2.lineage.ancestors.map((a: any) => a.uuid)).toEqual([first.uuid]);
    expect(d2.lineage.ancestors[0].depth).toBeGreaterThan(1);
    expect(d2).not.toHaveProperty('filePath');
    const d1 = (await t.http.get(`/api/generations/${first.uuid}`)).json;
    expect(d1.lineage.descendants.map((a: any) => a.uuid)).toEqual([second.uuid]);
    expect(d1.seed).toBe('7');
    expect(d1.hasWorkflow).toBe(true);
    const wf = (await t.http.get(`/api/generations/${first.uuid}/workflow`)).json;
    expect(wf.graph.nodes.map((n: any) => n.id)).toContain('save1');
  });

  it('searches, tags (source user), filters by tag and favorite', async () => {
    expect((await t.http.get('/api/generations?q=lightho')).json.items).toHaveLength(2);
    expect((await t.http.get('/api/generations?q=castle')).json.items).toHaveLength(0);
    const p = await request(t.port, 'PATCH', `/api/generations/${first.uuid}`, {
      body: { favorite: true, addTags: ['Golden Hour', 'sea'] },
    });
    expect(p.status).toBe(200);
    expect(p.json.isFavorite).toBe(true);
    expect(p.json.tags.map((x: any) => [x.name, x.source])).toEqual(
      expect.arrayContaining([
        ['golden hour', 'user'],
        ['sea', 'user'],
      ]),
    );
    expect(
      (await t.http.get('/api/generations?tag=golden%20hour')).json.items.map((i: any) => i.uuid),
    ).toEqual([first.uuid]);
    expect(
      (await t.http.get('/api/generations?q=golden')).json.items.map((i: any) => i.uuid),
    ).toEqual([first.uuid]);
    expect(
      (await t.http.get('/api/generations?favorite=1')).json.items.map((i: any) => i.uuid),
    ).toEqual([first.uuid]);
    expect(
      (await t.http.get('/api/generations?tag=sea&tagSource=llm_auto')).json.items,
    ).toHaveLength(0);
    const facets = (await t.http.get('/api/generations/facets')).json;
    expect(facets.counts).toMatchObject({ live: 2, favorites: 1, trash: 0 });
    expect(facets.models).toEqual([{ modelId: 'tiny-sd.safetensors', count: 2 }]);
  });

  it('collections: manual and smart', async () => {
    const c = (await t.http.post('/api/collections', { name: 'Keepers' })).json;
    expect(
      (await t.http.post(`/api/collections/${c.id}/items`, { uuids: [second.uuid] })).json.added,
    ).toBe(1);
    expect(
      (await t.http.get(`/api/generations?collection=${c.id}`)).json.items.map((i: any) => i.uuid),
    ).toEqual([second.uuid]);
    const sm = (
      await t.http.post('/api/collections', {
        name: 'Golden',
        kind: 'smart',
        query: { tag: 'golden hour' },
      })
    ).json;
    expect(
      (await t.http.get(`/api/generations?collection=${sm.id}`)).json.items.map((i: any) => i.uuid),
    ).toEqual([first.uuid]);
    expect((await t.http.post('/api/collections', { name: 'keepers' })).status).toBe(409);
  });

  it('pages with a cursor and refuses a forged one', async () => {
    const p1 = (await t.http.get('/api/generations?limit=1')).json;
    expect(p1.nextCursor).toBeTruthy();
    const p2 = (await t.http.get(`/api/generations?limit=1&cursor=${p1.nextCursor}`)).json;
    expect([...p1.items, ...p2.items].map((i: any) => i.uuid)).toEqual([second.uuid, first.uuid]);
    const bad = await t.http.get('/api/generations?cursor=zzz');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('BAD_CURSOR');
  });

  it('trash, restore, batch and empty trash (files removed)', async () => {
    expect((await t.http.del(`/api/generations/${second.uuid}`)).status).toBe(200);
    expect((await t.http.get('/api/generations')).json.items.map((i: any) => i.uuid)).toEqual([
      first.uuid,
    ]);
    expect(
      (await t.http.get('/api/generations?trash=1')).json.items.map((i: any) => i.uuid),
    ).toEqual([second.uuid]);
    expect((await t.http.post(`/api/generations/${second.uuid}/restore`)).status).toBe(200);
    expect((await t.http.get('/api/generations')).json.items).toHaveLength(2);

    const b = await t.http.post('/api/generations/batch', {
      uuids: [first.uuid, second.uuid],
      action: 'trash',
    });
    expect(b.json).toEqual({ matched: 2, changed: 2 });
    await t.http.post('/api/generations/batch', { uuids: [first.uuid], action: 'restore' });
    const img = path.join(t.home.home, 'outputs');
    const before = fs
      .readdirSync(img, { recursive: true })
      .filter((f) => String(f).endsWith('.png'));
    const e = await t.http.del('/api/generations/trash');
    expect(e.json.removed).toBe(1);
    expect(e.json.filesRemoved).toBeGreaterThanOrEqual(1);
    const after = fs
      .readdirSync(img, { recursive: true })
      .filter((f) => String(f).endsWith('.png'));
    expect(after.length).toBe(before.length - 1);
    expect((await t.http.get(`/api/generations/${second.uuid}`)).status).toBe(404);
    expect((await t.http.get('/api/generations?trash=1')).json.items).toHaveLength(0);
    // the first image's lineage no longer lists the purged child
    expect((await t.http.get(`/api/generations/${first.uuid}`)).json.lineage.descendants).toEqual(
      [],
    );
  });

  it('refuses bad input with stable codes', async () => {
    expect((await t.http.get('/api/generations/not-a-uuid')).status).toBe(404);
    expect((await t.http.get('/api/generations?favorite=maybe')).json.error.code).toBe(
      'BAD_REQUEST',
    );
    expect(
      (
        await request(t.port, 'PATCH', `/api/generations/${first.uuid}`, {
          body: { favourite: true },
        })
      ).status,
    ).toBe(400);
  });
});
