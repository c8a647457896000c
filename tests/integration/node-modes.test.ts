/**
 * Bypass and mute on a real studio (issue 15 §1: real SQLite, the real sd worker driving the
 * sd.cpp stand-in): which nodes ran, which were recorded skipped, what the save received, and
 * that the cache keys are those of the graph as it ran.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { GraphBuilder, txt2imgChain } from '../helpers/graph-builder';
import type { GraphDoc, NodeMode } from '../../nodes/core/graph';

const withModes = (doc: GraphDoc, modes: Record<string, NodeMode>): GraphDoc => {
  for (const n of doc.nodes) if (modes[n.id]) n.mode = modes[n.id];
  return doc;
};

describe('bypass and mute', () => {
  let s: TestStudio;
  beforeAll(async () => {
    s = await startTestStudio();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a bypassed upscale passes the generated image straight to the save', async () => {
    const r = await s.run(
      withModes(txt2imgChain({ text: 'bypass me' }).finalize(), { up: 'bypass' }),
    );
    expect(r.status).toBe('completed');
    expect(r.ran()).toEqual(['gen', 'prompt', 'save']);
    expect(r.view.nodes.up.status).toBe('skipped');
    // The saved image's lineage parent is txt2img's output, at txt2img's size (64², not 128²).
    const saved = r.view.nodes.save.outputs.image as string;
    const parents = s.studio.store.artifacts.parentsOf(saved);
    expect(parents).toEqual([{ parentId: r.view.nodes.gen.outputs.image, port: 'image' }]);
    const info = s.studio.store.artifacts.get(saved)!.value as any;
    expect([info.width ?? info.info?.width, info.height ?? info.info?.height]).toEqual([64, 64]);
  });

  it("cache keys follow the graph as it ran: the bypassed graph hits the flat graph's cache", async () => {
    const flat = new GraphBuilder('flat');
    const p = flat.node('prompt', { text: 'same keys' }, {}, 'prompt');
    const gen = flat.node(
      'txt2img',
      { model: 'tiny-sd.safetensors', width: 64, height: 64, steps: 3, cfgScale: 7, seed: 42 },
      { prompt: p.out('text') },
      'gen',
    );
    flat.node('save', { filenamePrefix: 'test' }, { image: gen.out('image') }, 'save');
    const r1 = await s.run(flat.finalize());
    expect(r1.ran()).toEqual(['gen', 'prompt', 'save']);

    const r2 = await s.run(
      withModes(txt2imgChain({ text: 'same keys' }).finalize(), { up: 'bypass' }),
    );
    expect(r2.status).toBe('completed');
    expect(r2.ran()).toEqual([]);
    expect(r2.cached()).toEqual(['gen', 'prompt', 'save']);
    for (const id of ['gen', 'prompt', 'save']) {
      const k1 = s.studio.store.runs.node(r1.id, id)!.cacheKey;
      expect(k1).toBeTruthy();
      expect(s.studio.store.runs.node(r2.id, id)!.cacheKey).toBe(k1);
    }
  });

  it('a muted upscale and the save that needs it do not run; they are recorded skipped', async () => {
    const r = await s.run(withModes(txt2imgChain({ text: 'mute me' }).finalize(), { up: 'mute' }));
    expect(r.status).toBe('completed');
    expect(r.ran()).toEqual(['gen', 'prompt']);
    expect(r.view.nodes.up.status).toBe('skipped');
    expect(r.view.nodes.save.status).toBe('skipped');
    expect(s.studio.store.runs.node(r.id, 'save')?.status).toBe('skipped');
    const started = r.events.find((e) => e.type === 'run.started');
    expect(started.skipped).toEqual([
      { nodeId: 'up', reason: 'muted' },
      { nodeId: 'save', reason: 'needs-muted' },
    ]);
  });

  it('a muted node may name a model that does not exist; a bypass with no input is refused', async () => {
    const doc = withModes(txt2imgChain({ text: 'muted model' }).finalize(), {});
    doc.nodes.push({
      id: 'other',
      type: 'txt2img',
      position: { x: 0, y: 400 },
      params: { model: 'no-such-model.safetensors', width: 64, height: 64, steps: 3 },
      mode: 'mute',
    });
    doc.edges.push({
      id: 'ex',
      source: 'prompt',
      sourceHandle: 'text',
      target: 'other',
      targetHandle: 'prompt',
    });
    const r = await s.run(doc);
    expect(r.status).toBe('completed');
    expect(r.view.nodes.other.status).toBe('skipped');

    const bad = await s.http.post('/api/runs', {
      graph: withModes(txt2imgChain().finalize(), { gen: 'bypass' }),
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('GRAPH_INVALID');
    expect(bad.json.error.details.issues.map((i: any) => [i.code, i.nodeId])).toEqual([
      ['BYPASS_NO_INPUT', 'gen'],
    ]);
  });
});
