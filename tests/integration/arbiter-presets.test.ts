/**
 * Model presets (issue 5 §6) over HTTP and in runs: CRUD on /api/presets/image and /api/presets/llm
 * (validation, unknown files, duplicate names), txt2img and llm-enhance nodes that name a preset
 * instead of a model (the preset's files and default params are used), and the preset's measured
 * footprint: written after the run from the worker's report, then used as the arbiter's projection
 * for the next run of that preset.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { GraphBuilder } from '../helpers/graph-builder';
import { SD_MODEL } from '../helpers/temp-home';
import { type ArbiterHome, arbiterHome, decisions } from './arbiter-calibrate';

const LLM = 'stories260K.gguf';
let home: ArbiterHome;
let ts: TestStudio;

beforeAll(async () => {
  home = await arbiterHome();
  ts = await startTestStudio({ home, env: { MYSTI_LLM_THREADS: '1' } });
}, 60_000);
afterAll(async () => {
  await ts?.close();
  home?.cleanup();
});

function presetGraph(seed: number) {
  const g = new GraphBuilder('presets');
  const p = g.node('prompt', { text: 'a quiet harbour' }, {}, 'p');
  const e = g.node('llm-enhance', { preset: 'tiny-llm', seed }, { prompt: p.out('text') }, 'e');
  g.node('txt2img', { preset: 'tiny-image', seed }, { prompt: e.out('text') }, 't');
  return g.finalize();
}

describe('presets', () => {
  it('CRUD: create, list, get by id or name, update, refuse bad bodies, unknown files and duplicates, delete', async () => {
    const created = await ts.http.post('/api/presets/image', {
      name: 'draft',
      diffusionModel: SD_MODEL,
      params: { width: 128, height: 128 },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      name: 'draft',
      diffusionModel: SD_MODEL,
      vae: null,
      loras: [],
      params: { width: 128, height: 128 },
      measuredVramBytes: null,
    });
    const id = created.json.id as string;
    expect(
      (await ts.http.get('/api/presets/image')).json.presets.map((p: { name: string }) => p.name),
    ).toEqual(['draft']);
    expect((await ts.http.get(`/api/presets/image/${id}`)).json.id).toBe(id);
    expect((await ts.http.get('/api/presets/image/draft')).json.id).toBe(id);

    const dup = await ts.http.post('/api/presets/image', {
      name: 'draft',
      diffusionModel: SD_MODEL,
    });
    expect([dup.status, dup.json.error.code]).toEqual([409, 'PRESET_NAME_TAKEN']);
    const missing = await ts.http.post('/api/presets/image', {
      name: 'ghost',
      diffusionModel: 'nope.safetensors',
    });
    expect([missing.status, missing.json.error.code]).toEqual([404, 'MODEL_NOT_FOUND']);
    const bad = await ts.http.post('/api/presets/llm', { name: 'x', model: LLM, contextSize: 0 });
    expect([bad.status, bad.json.error.code]).toEqual([400, 'BAD_REQUEST']);
    const wrongKind = await ts.http.post('/api/presets/llm', {
      name: 'y',
      model: SD_MODEL,
      contextSize: 256,
    });
    expect(wrongKind.status).toBeGreaterThanOrEqual(400);

    const put = await ts.http.put(`/api/presets/image/${id}`, {
      name: 'draft 2',
      diffusionModel: SD_MODEL,
      params: { steps: 3 },
    });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({
      id,
      name: 'draft 2',
      params: { steps: 3 },
      createdAt: created.json.createdAt,
    });
    expect((await ts.http.del(`/api/presets/image/${id}`)).json).toEqual({ deleted: true });
    expect((await ts.http.get(`/api/presets/image/${id}`)).status).toBe(404);
  });

  it('txt2img and llm-enhance run from presets; the measured footprint is stored and used next time', async () => {
    const img = await ts.http.post('/api/presets/image', {
      name: 'tiny-image',
      diffusionModel: SD_MODEL,
      params: { width: 128, height: 192, steps: 2 },
    });
    const llm = await ts.http.post('/api/presets/llm', {
      name: 'tiny-llm',
      model: LLM,
      contextSize: 384,
      params: { maxTokens: 6 },
    });
    expect([img.status, llm.status]).toEqual([201, 201]);

    const r1 = await ts.run(presetGraph(1));
    expect(r1.status, JSON.stringify(r1.view.error)).toBe('completed');
    // The preset's params reached the engine: a 128×192 image, from the preset's model.
    const out = r1.events.find((e) => e.type === 'node.completed' && e.nodeId === 't').outputs
      .image;
    expect([out.width, out.height]).toEqual([128, 192]);
    expect(out.info).toMatchObject({ preset: 'tiny-image', model: SD_MODEL });
    // The LLM ran with the preset's context size: the worker reports it.
    const loaded = (await (await ts.studio.supervisor.client('llm')).health())
      .loaded as unknown as { modelId: string; contextSize: number; bytes: number };
    expect(loaded).toMatchObject({ modelId: LLM, contextSize: 384 });
    // The decisions name the presets.
    expect(decisions(r1.events).find((d) => d.nodeId === 't')!.message).toMatch(/^tiny-image fits/);
    expect(decisions(r1.events).find((d) => d.nodeId === 'e')!.message).toMatch(/^tiny-llm fits/);

    const measuredImg = (await ts.http.get('/api/presets/image/tiny-image')).json
      .measuredVramBytes as number;
    const vram = (await ts.http.get('/api/vram')).json;
    const sdActual = vram.models.find((m: { model: string }) => m.model === SD_MODEL).actualBytes;
    expect(measuredImg).toBeGreaterThan(0);
    expect(measuredImg).toBe(sdActual); // the sd worker's measured peak for this job
    expect((await ts.http.get('/api/presets/llm/tiny-llm')).json.measuredVramBytes).toBe(
      loaded.bytes,
    );

    // Next run of the preset: the arbiter projects the measured footprint, not the table estimate.
    const r2 = await ts.run(presetGraph(2));
    expect(r2.status).toBe('completed');
    const grant = decisions(r2.events).find((d) => d.nodeId === 't' && d.action === 'proceed');
    expect(grant.projectedBytes).toBe(measuredImg);
  }, 120_000);
});
