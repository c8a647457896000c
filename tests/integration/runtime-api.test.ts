/**
 * The headless API on a real server (port 0, real SQLite, real sd worker + stand-in): health,
 * node catalog, bad input answered 4xx with design.md's error shape and nothing written, saved
 * graphs CRUD, artifacts served as PNG with our metadata chunks.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPngText } from '../../runtime/png';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { GraphBuilder, txt2imgChain } from '../helpers/graph-builder';

const CORE = [
  'img2img',
  'llm-enhance',
  'load-image',
  'prompt',
  'save',
  'tag',
  'txt2img',
  'upscale',
];

/** design.md §2: `{"error": {"code", "message", "details"?}}`. */
function expectErrorShape(body: any, code?: string): void {
  expect(body).toBeTypeOf('object');
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toMatch(/^[A-Z][A-Z0-9_]+$/);
  expect(body.error.message).toBeTypeOf('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (code) expect(body.error.code).toBe(code);
}

describe('runtime HTTP API', () => {
  let s: TestStudio;
  const runCount = () => s.studio.store.runs.list(10_000).length;

  beforeAll(async () => {
    s = await startTestStudio();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('GET /api/health answers ok', async () => {
    const r = await s.http.get('/api/health');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ status: 'ok', db: 'ok', sdCppConfigured: true });
    // The sd-cli stand-in has no sd-server beside it: one sd-cli per job (resident mode off).
    expect(r.json.sd).toEqual({ mode: 'cli' });
    expect(r.json.workers).toHaveProperty('sd');
  });

  it('GET /api/nodes lists the eight core types with params JSON Schemas', async () => {
    const r = await s.http.get('/api/nodes');
    expect(r.status).toBe(200);
    const nodes = r.json.nodes as any[];
    expect(nodes.map((n) => n.type).sort()).toEqual(CORE);
    for (const n of nodes) {
      expect(n.params.type, n.type).toBe('object');
      expect(n.params.properties, n.type).toBeTypeOf('object');
      expect(n.params.$schema, n.type).toMatch(/json-schema/);
      expect(n.defaults, n.type).toBeTypeOf('object');
      expect(Object.keys(n.outputs).length, n.type).toBeGreaterThan(0);
    }
    const t2i = nodes.find((n) => n.type === 'txt2img');
    expect(t2i.params.properties.steps).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: 150,
      default: 20,
    });
    expect(t2i.inputs).toMatchObject({
      prompt: { type: 'text' },
      negative: { type: 'text', optional: true },
    });
    expect(t2i.worker).toBe('sd');
  });

  it('a graph with a cycle, a port type mismatch and an unknown type → one 400 listing all three, nothing written', async () => {
    const before = runCount();
    const g = new GraphBuilder('three problems');
    const p = g.node('prompt', { text: 'x' }, {}, 'p');
    // img2img a ⇄ upscale b: a cycle.
    g.node('img2img', { model: 'tiny-sd.safetensors' }, { prompt: p.out('text') }, 'a');
    g.node('upscale', { method: 'lanczos' }, { image: { nodeId: 'a', port: 'image' } }, 'b');
    g.connect({ nodeId: 'b', port: 'image' }, 'a', 'image');
    // text into an image input.
    g.node('save', {}, { image: p.out('text') }, 's');
    g.node('mystery-node', { whatever: 1 }, {}, 'm');
    const r = await s.http.post('/api/runs', { graph: g.finalize() });
    expect(r.status).toBe(400);
    expectErrorShape(r.json, 'GRAPH_INVALID');
    const issues = r.json.error.details.issues as any[];
    const codes = issues.map((i) => i.code);
    expect(codes).toEqual(
      expect.arrayContaining(['CYCLE', 'PORT_TYPE_MISMATCH', 'UNKNOWN_NODE_TYPE']),
    );
    expect(issues.find((i) => i.code === 'CYCLE').message).toMatch(/a → b → a|b → a → b/);
    expect(issues.find((i) => i.code === 'PORT_TYPE_MISMATCH')).toMatchObject({
      nodeId: 's',
      field: 'image',
    });
    expect(issues.find((i) => i.code === 'UNKNOWN_NODE_TYPE')).toMatchObject({ nodeId: 'm' });
    expect(runCount()).toBe(before);
  });

  it('malformed JSON, a non-object body and a missing graph → 400 with the error shape', async () => {
    const before = runCount();
    const bad = await s.http.post('/api/runs', '{"graph": {"format": ');
    expect(bad.status).toBe(400);
    expectErrorShape(bad.json, 'INVALID_JSON');
    for (const body of ['[]', '"graph"', '{}', '{"graph": null}', '{"graph": 42}']) {
      const r = await s.http.post('/api/runs', body);
      expect(r.status, body).toBe(400);
      expectErrorShape(r.json);
    }
    expect(runCount()).toBe(before);
  });

  it('wrong param types → 400 naming each bad param', async () => {
    const g = txt2imgChain()
      .set('gen', { steps: 'many', width: -3, sampler: 'nope' })
      .set('save', { filenamePrefix: '../../x' })
      .finalize();
    const r = await s.http.post('/api/runs', { graph: g });
    expect(r.status).toBe(400);
    expectErrorShape(r.json, 'GRAPH_INVALID');
    const fields = (r.json.error.details.issues as any[])
      .map((i) => `${i.code}:${i.nodeId}.${i.field}`)
      .sort();
    expect(fields).toEqual([
      'BAD_PARAM:gen.sampler',
      'BAD_PARAM:gen.steps',
      'BAD_PARAM:gen.width',
      'BAD_PARAM:save.filenamePrefix',
    ]);
  });

  it('a 10 MB graph → 4xx, never 500, nothing written', async () => {
    const before = runCount();
    const base = txt2imgChain().finalize();
    const huge = {
      ...base,
      nodes: [
        ...base.nodes,
        ...Array.from({ length: 40_000 }, (_, i) => ({
          id: `n${i}`,
          type: 'prompt',
          position: { x: 0, y: 0 },
          params: { text: 'y'.repeat(220) },
        })),
      ],
    };
    const body = JSON.stringify({ graph: huge });
    expect(body.length).toBeGreaterThan(10 * 1024 * 1024);
    const r = await s.http.post('/api/runs', body);
    expect([400, 413]).toContain(r.status);
    expectErrorShape(r.json);
    const longName = await s.http.post('/api/runs', {
      graph: { ...base, name: 'x'.repeat(10 * 1024 * 1024) },
    });
    expect([400, 413]).toContain(longName.status);
    expectErrorShape(longName.json);
    expect(runCount()).toBe(before);
  });

  it('a model file that does not exist → 400 naming the node and param, nothing written', async () => {
    const before = runCount();
    const r = await s.http.post('/api/runs', {
      graph: txt2imgChain({ model: 'missing-model.safetensors' }).finalize(),
    });
    expect(r.status).toBe(400);
    expectErrorShape(r.json, 'GRAPH_INVALID');
    expect(r.json.error.details.issues).toEqual([
      expect.objectContaining({ code: 'MODEL_NOT_FOUND', nodeId: 'gen', field: 'model' }),
    ]);
    expect(runCount()).toBe(before);
  });

  it('unknown run / graph / artifact ids → 404 with the error shape', async () => {
    for (const p of [
      '/api/runs/nope',
      '/api/graphs/nope',
      '/api/artifacts/nope',
      '/api/nothing-here',
    ]) {
      const r = await s.http.get(p);
      expect(r.status, p).toBe(404);
      expectErrorShape(r.json, 'NOT_FOUND');
    }
    const c = await s.http.post('/api/runs/nope/cancel');
    expect(c.status).toBe(404);
    const rr = await s.http.post('/api/runs/nope/rerun');
    expect(rr.status).toBe(404);
  });

  it('saved graphs: create, list, read, update, run by id, delete', async () => {
    const g = txt2imgChain({ text: 'saved graph' }).finalize();
    const created = await s.http.post('/api/graphs', { name: 'My workflow', graph: g });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect(created.json).toMatchObject({
      name: 'My workflow',
      graph: { nodes: expect.any(Array) },
    });

    const list = await s.http.get('/api/graphs');
    expect(list.json.items.map((i: any) => i.id)).toContain(id);
    expect(list.json.items.find((i: any) => i.id === id)).toMatchObject({
      name: 'My workflow',
      nodes: 4,
    });

    const renamed = await s.http.put(`/api/graphs/${id}`, {
      name: 'Renamed',
      graph: {
        ...g,
        nodes: g.nodes.map((n) => (n.id === 'prompt' ? { ...n, params: { text: 'edited' } } : n)),
      },
    });
    expect(renamed.status).toBe(200);
    const read = await s.http.get(`/api/graphs/${id}`);
    expect(read.json.name).toBe('Renamed');
    expect(read.json.graph.nodes.find((n: any) => n.id === 'prompt').params.text).toBe('edited');

    const run = await s.run({ graphId: id });
    expect(run.status).toBe('completed');
    expect(run.view.graphId).toBe(id);
    expect(run.view.nodes.prompt.params.text).toBe('edited');

    // Saving a work-in-progress graph with an unknown type keeps the placeholder with its data.
    const wip = new GraphBuilder('wip');
    wip.node('comfy-thing', { a: 1, nested: { b: [1, 2] } }, {}, 'x');
    const saved = await s.http.post('/api/graphs', { graph: wip.finalize() });
    expect(saved.status).toBe(201);
    expect(saved.json.graph.nodes[0]).toMatchObject({
      id: 'x',
      type: 'comfy-thing',
      params: { a: 1, nested: { b: [1, 2] } },
    });

    expect((await s.http.del(`/api/graphs/${id}`)).status).toBe(204);
    expect((await s.http.get(`/api/graphs/${id}`)).status).toBe(404);
    expect((await s.http.del(`/api/graphs/${id}`)).status).toBe(404);
  });

  it('GET /api/artifacts/:id serves the PNG; the saved file carries the mysticanvas and parameters chunks', async () => {
    const run = await s.run(txt2imgChain({ text: 'a red fox', seed: 7 }).finalize());
    expect(run.status).toBe('completed');
    const out = run.view.outputs.find((o: any) => o.nodeId === 'save' && o.port === 'image');
    expect(out).toBeDefined();
    const r = await s.http.get(`/api/artifacts/${out.artifactId}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/png');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');

    const file = path.resolve(s.home.home, out.path);
    expect(fs.readFileSync(file).equals(r.bytes)).toBe(true);
    const { chunks } = readPngText(r.bytes);
    const mc = chunks.find((c) => c.keyword === 'mysticanvas');
    expect(mc?.type).toBe('iTXt');
    const meta = JSON.parse(mc!.text);
    expect(meta).toMatchObject({ runId: run.id, nodeId: 'save' });
    expect(meta.graph.nodes.map((n: any) => n.id).sort()).toEqual(['gen', 'prompt', 'save', 'up']);
    const a1111 = chunks.find((c) => c.keyword === 'parameters');
    expect(a1111).toBeDefined();
    expect(a1111!.text).toMatch(/^a red fox\n/);
    expect(a1111!.text).toMatch(/Steps: 3, .*Seed: 7/);
  });
});
