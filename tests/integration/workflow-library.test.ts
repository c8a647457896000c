/**
 * The workflow library over HTTP on a real studio (issue 15 §6): save as / duplicate / rename /
 * delete, search by name, sort by last opened, the thumbnail of the latest run's image, and
 * templates (the shipped graphs/ plus user-marked ones).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';
import { request } from '../helpers/http';

describe('workflow library', () => {
  let s: TestStudio;
  beforeAll(async () => {
    s = await startTestStudio();
  });
  afterAll(async () => {
    await s?.close();
  });

  const patch = (p: string, body: unknown) => request(s.port, 'PATCH', p, { body });
  const create = async (name: string) =>
    (await s.http.post('/api/graphs', { name, graph: txt2imgChain({ text: name }).finalize() }))
      .json as { id: string; name: string };
  const names = async (query: string) =>
    ((await s.http.get(`/api/graphs?${query}`)).json.items as { name: string }[]).map(
      (i) => i.name,
    );

  it('searches by name, sorts by last opened, renames, duplicates, deletes', async () => {
    const a = await create('Portrait studio');
    const b = await create('Landscape at dusk');
    const c = await create('portrait sketch');
    expect(await names('q=PORTRAIT&sort=name')).toEqual(['portrait sketch', 'Portrait studio']);
    await s.http.post(`/api/graphs/${b.id}/opened`);
    await new Promise((r) => setTimeout(r, 5));
    await s.http.post(`/api/graphs/${a.id}/opened`);
    // Opened ones first (most recent first), then never-opened by last saved.
    expect(await names('sort=opened')).toEqual([
      'Portrait studio',
      'Landscape at dusk',
      'portrait sketch',
    ]);

    const renamed = await patch(`/api/graphs/${c.id}`, { name: 'Charcoal sketch' });
    expect(renamed.status).toBe(200);
    expect((await s.http.get(`/api/graphs/${c.id}`)).json.graph.name).toBe('Charcoal sketch');

    const dup = await s.http.post(`/api/graphs/${a.id}/duplicate`);
    expect(dup.status).toBe(201);
    expect(dup.json.id).not.toBe(a.id);
    expect(dup.json.name).toBe('Portrait studio (copy)');
    expect(dup.json.graph.nodes).toHaveLength(4);
    expect(await names('q=portrait&sort=name')).toEqual([
      'Portrait studio',
      'Portrait studio (copy)',
    ]);

    expect((await s.http.del(`/api/graphs/${dup.json.id}`)).status).toBe(204);
    expect(await names('q=copy')).toEqual([]);
  });

  it("a saved graph's thumbnail is its latest run's image", async () => {
    const g = await create('With a thumbnail');
    const item = async () => ((await s.http.get('/api/graphs?q=thumbnail')).json.items as any[])[0];
    expect((await item()).thumbnail).toBeNull();
    const r = await s.run({ graphId: g.id });
    expect(r.status).toBe('completed');
    const saved = r.view.nodes.save.outputs.image;
    expect((await item()).thumbnail).toBe(`/api/artifacts/${saved}`);
    expect((await s.http.get(`/api/artifacts/${saved}`)).status).toBe(200);
  });

  it('templates: the shipped graphs and the ones marked by the user, opened without their id', async () => {
    const list = (await s.http.get('/api/templates')).json.items as any[];
    expect(list.filter((t) => t.source === 'builtin').map((t) => t.id)).toEqual([
      'builtin:enhance-upscale-tag',
      'builtin:img2img',
      'builtin:txt2img',
    ]);
    const t = (await s.http.get('/api/templates/builtin:txt2img')).json;
    expect(t.name).toBe('Text to image');
    expect(t.graph.format).toBe('mysticanvas.graph');
    expect(t.graph.version).toBe(4);

    const mine = await create('My house style');
    expect((await s.http.get(`/api/templates/${mine.id}`)).status).toBe(404);
    const marked = await patch(`/api/graphs/${mine.id}`, { template: true });
    expect(marked.json.template).toBe(true);
    const after = (await s.http.get('/api/templates')).json.items as any[];
    expect(after.filter((x) => x.source === 'user').map((x) => x.name)).toEqual(['My house style']);
    const open = (await s.http.get(`/api/templates/${mine.id}`)).json;
    expect(open.graph.id).toBeUndefined();
    expect(open.graph.nodes).toHaveLength(4);
    expect(await names('templates=1')).toEqual(['My house style']);
  });
});
