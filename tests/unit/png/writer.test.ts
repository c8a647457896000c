import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  embedMetadata,
  insertTextChunks,
  readPngText,
  type MysticanvasMeta,
} from '../../../runtime/png';
import { importWorkflow } from '../../../runtime/importers';
import { UserError } from '../../../runtime/errors';
import { catalog, loadGraph } from '../../../nodes/index';

let png: Buffer;
beforeAll(async () => {
  png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#884422' } })
    .png()
    .toBuffer();
});

const meta = (text: string): MysticanvasMeta => ({
  graph: {
    format: 'mysticanvas.graph',
    version: 1,
    name: 'Round trip',
    nodes: [
      { id: 'p1', type: 'prompt', position: { x: 0, y: 0 }, params: { text } },
      {
        id: 'g1',
        type: 'txt2img',
        position: { x: 320, y: 0 },
        params: {
          width: 512,
          height: 512,
          steps: 20,
          cfgScale: 7,
          seed: '42',
          sampler: 'dpm++2m',
          scheduler: 'karras',
        },
      },
      { id: 's1', type: 'save', position: { x: 640, y: 0 }, params: { filenamePrefix: 'mysti' } },
    ],
    edges: [
      { id: 'e1', source: 'p1', sourceHandle: 'text', target: 'g1', targetHandle: 'prompt' },
      { id: 'e2', source: 'g1', sourceHandle: 'image', target: 's1', targetHandle: 'image' },
    ],
  },
  runId: 'run-1',
  nodeId: 's1',
  params: { seed: 42, steps: 20 },
  lineage: [],
  appVersion: '0.1.0',
  engineVersion: 'sd.cpp master-97d2990',
  modelHashes: { 'tiny.gguf': 'ab'.repeat(32) },
});

const a1111 = (prompt: string) => ({
  prompt,
  negativePrompt: 'blurry, low quality',
  steps: 20,
  sampler: 'dpm++2m',
  scheduler: 'karras',
  cfgScale: 7,
  seed: 42,
  width: 512,
  height: 512,
  modelHash: 'abababab12',
  model: 'models/tiny.gguf',
  version: '0.1',
});

describe('embedMetadata', () => {
  it('Latin-1 parameters go in tEXt, our chunk in iTXt, both before IDAT; sharp still decodes the image', async () => {
    const out = embedMetadata(png, meta('a lighthouse at dusk'), a1111('a lighthouse at dusk'));
    const r = readPngText(out, { mode: 'header' });
    expect(r.chunks.map((c) => `${c.type} ${c.keyword}`)).toEqual([
      'iTXt mysticanvas',
      'tEXt parameters',
    ]);
    expect(r.chunks[1]!.text).toBe(
      'a lighthouse at dusk\nNegative prompt: blurry, low quality\n' +
        'Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: abababab12, Model: tiny, Version: mysticanvas 0.1',
    );
    const m = await sharp(out).metadata();
    expect([m.width, m.height]).toEqual([16, 16]);
  });

  it('non-Latin-1 parameters go in iTXt (UTF-8)', () => {
    const out = embedMetadata(png, meta('灯台 at dusk'), a1111('灯台 at dusk'));
    const c = readPngText(out).chunks.find((x) => x.keyword === 'parameters')!;
    expect(c.type).toBe('iTXt');
    expect(c.text.startsWith('灯台 at dusk\n')).toBe(true);
  });

  it('round trip: save → read → import gives the same graph, run record and params; saving again does not duplicate chunks', () => {
    const m = meta('a lighthouse at dusk, ünïcödé ✓');
    const out = embedMetadata(png, m, a1111('x'));
    const imported = importWorkflow({ bytes: out });
    expect(imported.source).toBe('mysticanvas');
    // loadGraph stamps each node with its declaration version; otherwise the graph is unchanged.
    const loaded = loadGraph(m.graph, catalog);
    expect(loaded.ok && loaded.graph).toEqual(imported.graph);
    expect(imported.graph.nodes.map((n) => n.params)).toEqual(m.graph.nodes.map((n) => n.params));
    expect(imported.run).toMatchObject({
      runId: 'run-1',
      nodeId: 's1',
      params: { seed: 42, steps: 20 },
    });
    const again = embedMetadata(out, { ...m, graph: imported.graph }, a1111('x'));
    expect(readPngText(again).chunks.map((c) => c.keyword)).toEqual(['mysticanvas', 'parameters']);
    expect(importWorkflow({ bytes: again }).graph).toEqual(imported.graph);
  });

  it('large JSON is compressed in iTXt and still reads back', () => {
    const big = meta('x'.repeat(50_000));
    const out = embedMetadata(png, big);
    const c = readPngText(out).chunks[0]!;
    expect(c).toMatchObject({ type: 'iTXt', compressed: true });
    expect(out.length).toBeLessThan(png.length + 5_000);
    expect(JSON.parse(c.text).graph.nodes[0].params.text).toHaveLength(50_000);
  });

  it('refuses non-PNG input and bad keywords', () => {
    expect(() => insertTextChunks(new TextEncoder().encode('hello'), [])).toThrow(UserError);
    expect(() => insertTextChunks(png, [{ keyword: '', text: 'x' }])).toThrow(UserError);
    expect(() => insertTextChunks(png, [{ keyword: 'k', text: 'ü✓', chunk: 'tEXt' }])).toThrow(
      UserError,
    );
  });
});
