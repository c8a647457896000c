/**
 * What a saved image carries (design.md §9, issue 7 §1): our `mysticanvas` chunk with the graph,
 * run, node, resolved params and model hashes, and an A1111 `parameters` chunk whose
 * `Model hash` is the AutoV2 hash (first 10 hex of the model file's sha256) once the registry has
 * hashed the file. Then the image loads back as the same workflow through the public endpoint.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';
import { SD_MODEL, type TempHome } from '../helpers/temp-home';
import { waitFor } from '../helpers/procs';
import { readPngTextFile } from '../../runtime/png';

describe('saved PNG metadata', () => {
  let s: TestStudio;
  let home: TempHome;

  beforeAll(async () => {
    s = await startTestStudio();
    home = s.home;
  });
  afterAll(async () => {
    await s?.close();
  });

  it('carries the workflow, the resolved seed and the AutoV2 model hash, and reloads as the same graph', async () => {
    const modelFile = fs
      .readdirSync(home.models, { recursive: true })
      .map(String)
      .find((f) => f.endsWith(SD_MODEL))!;
    const sha = crypto
      .createHash('sha256')
      .update(fs.readFileSync(path.join(home.models, modelFile)))
      .digest('hex');
    // The registry hashes in the background; wait until GET /api/models shows it.
    await waitFor(
      async () => {
        const r = await s.http.get<{ models: { sha256: string | null }[] }>('/api/models');
        return r.json.models.find((m) => m.sha256 === sha);
      },
      15_000,
      'model hash',
    );

    const graph = txt2imgChain({ text: 'a heron in the reeds', seed: 'random' }).finalize();
    const r = await s.run(graph);
    expect(r.status).toBe('completed');
    const seed = (r.view.nodes.gen.params as { seed: string }).seed;
    expect(seed).toMatch(/^[0-9]+$/); // exact decimal text (nodes/core/seed.ts)
    const saved = r.view.outputs.find((o: { nodeId: string }) => o.nodeId === 'save') as {
      path: string;
    };
    const file = path.join(home.home, saved.path);
    const chunks = readPngTextFile(file).chunks;

    const params = chunks.find((c) => c.keyword === 'parameters')!.text;
    expect(params).toMatch(/^a heron in the reeds\n/);
    expect(params).toContain(`Seed: ${seed},`);
    expect(params).toContain(`Model hash: ${sha.slice(0, 10)},`);
    expect(params).toMatch(/Version: mysticanvas \d+\.\d+/);

    const ours = JSON.parse(chunks.find((c) => c.keyword === 'mysticanvas')!.text);
    expect(ours.runId).toBe(r.id);
    expect(ours.nodeId).toBe('save');
    expect(ours.params.seed).toBe(seed);
    expect(Object.values(ours.modelHashes)).toContain(sha);

    const back = await s.http.post('/api/workflows/from-image', fs.readFileSync(file), {
      headers: { 'content-type': 'image/png' },
    });
    expect(back.status).toBe(200);
    const body = back.json as {
      source: string;
      graph: { nodes: { id: string; type: string }[]; edges: unknown[] };
    };
    expect(body.source).toBe('mysticanvas');
    expect(body.graph.nodes.map((n) => `${n.id}:${n.type}`).sort()).toEqual(
      graph.nodes.map((n) => `${n.id}:${n.type}`).sort(),
    );
    expect(body.graph.edges.length).toBe(graph.edges.length);
  });
});
