/**
 * Issue 18 #2 on a real studio with the REAL sd-cli (../shared/sdcpp): a `<lora:…>` tag in prompt
 * text that names a file outside the model folders, or no known LoRA, is refused at submit (400,
 * no run written) and — when it reaches a node at run time anyway — fails the node before the
 * engine is started: the sd worker is never spawned, so nothing opened the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { GraphBuilder } from '../helpers/graph-builder';
import { REPO_ROOT } from '../helpers/temp-home';

const BIN = path.resolve(REPO_ROOT, '../shared/sdcpp/sd-cli');
const MODEL = path.resolve(REPO_ROOT, '../shared/sdcpp/models/tiny-sdxs-q4_0.gguf');
const enabled = fs.existsSync(BIN) && fs.existsSync(MODEL);

const graph = (prompt: string, negative = '') => {
  const g = new GraphBuilder('lora tags');
  const p = g.node('prompt', { text: prompt }, {}, 'p');
  const n = g.node('prompt', { text: negative }, {}, 'n');
  g.node(
    'txt2img',
    { model: 'tiny-sdxs-q4_0.gguf', width: 128, height: 128, steps: 1, seed: 1 },
    { prompt: p.out('text'), negative: n.out('text') },
    'gen',
  );
  return g.finalize();
};

describe.skipIf(!enabled)('<lora:> tags in prompt text (issue 18 #2, real sd-cli)', () => {
  let s: TestStudio;
  beforeAll(async () => {
    s = await startTestStudio({ env: { SD_CPP_BIN: BIN } });
    fs.symlinkSync(MODEL, path.join(s.home.models, 'tiny-sdxs-q4_0.gguf'));
  });
  afterAll(async () => {
    await s?.close();
  });

  it.each([
    ['an absolute path', 'a cat <lora:/etc/passwd:1>', '', 'PATH_OUTSIDE_ROOT'],
    ['a relative escape', 'a cat <lora:../../x:1>', '', 'PATH_OUTSIDE_ROOT'],
    ['an unknown LoRA', 'a cat <lora:nosuchlora:0.5>', '', 'MODEL_NOT_FOUND'],
    ['a tag in the negative prompt', 'a cat', 'blurry <lora:/etc/passwd:1>', 'PATH_OUTSIDE_ROOT'],
  ])(
    '%s → 400 at submit naming the node, no run written',
    async (_label, prompt, negative, code) => {
      const before = s.studio.store.runs.list(1000).length;
      const r = await s.http.post('/api/runs', { graph: graph(prompt, negative) });
      expect(r.status, r.text).toBe(400);
      expect(r.json.error.code).toBe('GRAPH_INVALID');
      expect(r.json.error.details.issues).toEqual([
        expect.objectContaining({ code, nodeId: negative ? 'n' : 'p', field: 'text' }),
      ]);
      expect(s.studio.store.runs.list(1000).length).toBe(before);
    },
  );

  it('a tag that reaches the node at run time fails it before the engine starts (nothing opened)', async () => {
    const run = s.studio.queue.submit(graph('a cat <lora:/etc/passwd:1>'));
    const r = await s.waitRun(run.id, 60_000);
    expect(r.status).toBe('failed');
    expect(r.view.nodes.gen.error.code).toBe('PATH_OUTSIDE_ROOT');
    expect(s.studio.supervisor.status().sd!.pid).toBeNull();
    expect(r.events.some((e) => e.type === 'node.progress')).toBe(false);
  }, 60_000);

  it('a prompt without tags still runs on the real engine, and its argv carries no stray tag', async () => {
    const sub = await s.http.post('/api/runs', { graph: graph('a lighthouse at dusk') });
    expect(sub.status).toBe(202);
    const r = await s.waitRun(sub.json.runId, 100_000);
    expect(r.status, JSON.stringify(r.view.error ?? r.view.nodes.gen.error ?? null)).toBe(
      'completed',
    );
    const art = s.studio.store.artifacts.get(r.view.nodes.gen.outputs.image)!;
    const argv = (art.value as { info?: { argv?: string[] } } | null)?.info?.argv ?? [];
    expect(argv[argv.indexOf('-p') + 1]).toBe('a lighthouse at dusk');
    expect(argv.join(' ')).not.toContain('<lora:');
  }, 120_000);
});
