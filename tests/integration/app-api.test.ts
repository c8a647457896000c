/**
 * App mode over HTTP (issue 20): GET /api/graphs/:id/app describes the exposed fields as JSON
 * Schema, POST /api/runs `inputs` sets them by name — the same graph, cache keys and outputs as
 * the equivalent `<nodeId>.<param>` overrides — and an unknown name is a 400 naming it.
 * Real studio: real SQLite, real sd worker process (sd.cpp stand-in).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';
import type { GraphDoc } from '../../nodes/core/graph';
import fs from 'node:fs';
import path from 'node:path';
import { readPngTextFile } from '../../runtime/png';

function exposedGraph(): GraphDoc {
  const g = txt2imgChain({ text: 'app base prompt', seed: 7 }).finalize();
  for (const n of g.nodes) {
    if (n.id === 'prompt') n.app = { inputs: [{ param: 'text', label: 'Prompt', order: 0 }] };
    if (n.id === 'gen')
      n.app = {
        inputs: [
          { param: 'seed', order: 1 },
          { param: 'steps', label: 'Quality steps', order: 2, group: 'Advanced' },
        ],
      };
    if (n.id === 'save') n.app = { output: {} };
  }
  return g;
}

describe('app mode API', () => {
  let s: TestStudio;
  let graphId: string;

  beforeAll(async () => {
    s = await startTestStudio();
    const r = await s.http.post('/api/graphs', { graph: exposedGraph() });
    expect(r.status).toBe(201);
    graphId = r.json.id;
  });
  afterAll(async () => {
    await s?.close();
  });

  it('GET /api/graphs/:id/app describes the fields as JSON Schema', async () => {
    const r = await s.http.get(`/api/graphs/${graphId}/app`);
    expect(r.status).toBe(200);
    const schema = r.json;
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties)).toEqual(['Prompt', 'Seed', 'Quality steps']);
    expect(schema.properties.Prompt).toMatchObject({
      type: 'string',
      default: 'app base prompt',
      'x-mysti': { nodeId: 'prompt', param: 'text' },
    });
    expect(schema.properties['Quality steps']).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 150,
      default: 3,
      'x-mysti': { group: 'Advanced' },
    });
    // The seed: an integer range or "random".
    expect(JSON.stringify(schema.properties.Seed.anyOf)).toContain('random');
    expect(schema.properties.Seed.default).toBe('7'); // seeds are exact decimal text (graph format v3);
    expect(schema['x-mysti'].outputs).toEqual([{ nodeId: 'save', name: 'Save image' }]);
    expect((await s.http.get('/api/graphs/nope/app')).status).toBe(404);
  });

  it('a run by app field names is the run of the equivalent node-param overrides (same cache keys, same outputs)', async () => {
    const byParams = await s.run(
      { graphId },
      { 'prompt.text': 'a red fox in snow', 'gen.seed': 1234 },
    );
    expect(byParams.status).toBe('completed');
    expect(byParams.ran()).toEqual(['gen', 'prompt', 'save', 'up']);

    const sub = await s.http.post('/api/runs', {
      graphId,
      inputs: { Prompt: 'a red fox in snow', Seed: 1234 },
    });
    expect(sub.status).toBe(202);
    const byNames = await s.waitRun(sub.json.runId);
    expect(byNames.status).toBe('completed');
    // Every node was a cache hit: the graphs hash the same.
    expect(byNames.cached()).toEqual(['gen', 'prompt', 'save', 'up']);
    const keys = (id: string) =>
      Object.fromEntries(s.studio.store.runs.nodes(id).map((n) => [n.nodeId, n.cacheKey]));
    expect(keys(byNames.id)).toEqual(keys(byParams.id));
    expect(
      Object.values(keys(byNames.id)).every((k) => typeof k === 'string' && k.length > 0),
    ).toBe(true);
    expect(byNames.view.nodes.save.outputs).toEqual(byParams.view.nodes.save.outputs);
    expect(byNames.view.nodes.gen.params.seed).toBe('1234');
    expect(
      byNames.view.graph.nodes.find((n: { id: string }) => n.id === 'prompt').params.text,
    ).toBe('a red fox in snow');

    // What is exposed is not part of any cache key: the same graph without its app layout is all cache hits.
    const bare = exposedGraph();
    for (const n of bare.nodes) delete n.app;
    const plain = await s.run(bare, { 'prompt.text': 'a red fox in snow', 'gen.seed': 1234 });
    expect(plain.cached()).toEqual(['gen', 'prompt', 'save', 'up']);
    expect(keys(plain.id)).toEqual(keys(byParams.id));
  });

  it('the saved PNG carries the app layout: the image loads back as a graph with the same form', async () => {
    const r = await s.run({ graphId }, { 'prompt.text': 'png carries the app layout' });
    expect(r.status).toBe('completed');
    const saved = r.view.outputs.find((o: { nodeId: string }) => o.nodeId === 'save') as {
      path: string;
      info?: { generationUuid?: string };
    };
    expect(saved.info?.generationUuid).toMatch(/^[0-9a-f-]{36}$/);
    const file = path.join(s.home.home, saved.path);
    const ours = JSON.parse(
      readPngTextFile(file).chunks.find((c) => c.keyword === 'mysticanvas')!.text,
    );
    const app = (id: string) => ours.graph.nodes.find((n: { id: string }) => n.id === id).app;
    expect(app('prompt')).toEqual({ inputs: [{ param: 'text', label: 'Prompt', order: 0 }] });
    expect(app('save')).toEqual({ output: {} });
    const back = await s.http.post('/api/workflows/from-image', fs.readFileSync(file), {
      headers: { 'content-type': 'image/png' },
    });
    expect(back.status).toBe(200);
    const re = await s.http.post('/api/graphs', { graph: back.json.graph });
    const form = await s.http.get(`/api/graphs/${re.json.id}/app`);
    expect(Object.keys(form.json.properties)).toEqual(['Prompt', 'Seed', 'Quality steps']);
  });

  it('inputs also name the fields of a graph sent inline', async () => {
    const sub = await s.http.post('/api/runs', {
      graph: exposedGraph(),
      inputs: { Prompt: 'inline graph', 'Quality steps': 2 },
    });
    expect(sub.status).toBe(202);
    const r = await s.waitRun(sub.json.runId);
    expect(r.status).toBe('completed');
    expect(r.view.nodes.gen.params.steps).toBe(2);
  });

  it('an unknown field name is a 400 naming it, and nothing is queued', async () => {
    const before = (await s.http.get('/api/runs')).json.items.length;
    const r = await s.http.post('/api/runs', { graphId, inputs: { Prompt: 'x', Colour: 'blue' } });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('UNKNOWN_APP_INPUT');
    expect(r.json.error.message).toContain('"Colour"');
    expect(r.json.error.details.unknown).toEqual(['Colour']);
    expect(r.json.error.details.fields).toEqual(['Prompt', 'Seed', 'Quality steps']);
    expect((await s.http.get('/api/runs')).json.items.length).toBe(before);
  });

  it('a value out of the field’s range is refused like the node param it sets', async () => {
    const r = await s.http.post('/api/runs', { graphId, inputs: { 'Quality steps': 999 } });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('GRAPH_INVALID');
    expect(r.json.error.details.issues[0]).toMatchObject({ nodeId: 'gen', field: 'steps' });
  });

  it('a graph with nothing exposed offers the first Text to image node’s usual fields', async () => {
    const g = txt2imgChain({ text: 'plain' }).finalize();
    const saved = await s.http.post('/api/graphs', { graph: g });
    const r = await s.http.get(`/api/graphs/${saved.json.id}/app`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json.properties)).toEqual([
      'Prompt',
      'Model',
      'Width (px)',
      'Height (px)',
      'Steps',
      'CFG scale',
      'Seed',
    ]);
    expect(r.json['x-mysti'].exposed).toBe(false);
  });
});
