/**
 * Issue 4 "Done when", headless through POST /api/runs: prompt → txt2img → upscale → save with the
 * sd.cpp stand-in — progress events match the steps, the saved PNG has the expected size, lineage
 * (engine version, portable argv, model hashes, actual seed) is in the artifact info and the PNG,
 * cancel mid-sampling ends the node `cancelled` within 1 s with no temporary file left, the same
 * seed twice gives byte-identical images, engine faults map to stable codes, pickle files need
 * consent.
 *
 * The same file runs against a REAL stable-diffusion.cpp when SD_CPP_BIN and SD_TEST_MODEL are set
 * (e.g. `python3 ../shared/tools/make_random_sd_model.py sd --out /tmp/tiny.gguf`; SD_TEST_UPSCALER
 * from its `esrgan` subcommand, else the upscale step uses Lanczos); stand-in-only fault tests are
 * skipped then.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { makeTempHome } from '../helpers/temp-home';
import { GraphBuilder } from '../helpers/graph-builder';
import { pidsWithArg } from '../helpers/sd-standin/worker';
import { readPngTextFile } from '../../runtime/png/read';
import type { ModelRegistry } from '../../runtime/models/registry';
import type { MystiEvent } from '../../runtime/engine/events';
import { FAMILY_FILES, writeSafetensors } from '../unit/models/craft';

const REAL_BIN = process.env.SD_CPP_BIN;
const REAL_MODEL = process.env.SD_TEST_MODEL;
const REAL = Boolean(REAL_BIN && REAL_MODEL);
const REAL_UPSCALER = REAL ? process.env.SD_TEST_UPSCALER : undefined;
console.warn(
  REAL
    ? `sd-run: against the real sd.cpp at ${REAL_BIN}`
    : 'sd-run: with the sd-cli stand-in (set SD_CPP_BIN and SD_TEST_MODEL to run this file against a real sd.cpp build)',
);

const home = makeTempHome({ prefix: 'sd-run-' });
const models = home.models;
const sha = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

// Models: a crafted SD1 checkpoint (real safetensors header) or the real test model, an ESRGAN
// upscaler, fault-marked copies for the stand-in, and a pickle checkpoint.
let checkpoint: string;
let upscaler: string | null;
if (REAL) {
  checkpoint = path.join(models, 'checkpoints', path.basename(REAL_MODEL!));
  fs.mkdirSync(path.dirname(checkpoint), { recursive: true });
  fs.symlinkSync(path.resolve(REAL_MODEL!), checkpoint);
  upscaler = REAL_UPSCALER
    ? path.join(models, 'upscale_models', path.basename(REAL_UPSCALER))
    : null;
  if (upscaler) {
    fs.mkdirSync(path.dirname(upscaler), { recursive: true });
    fs.symlinkSync(path.resolve(REAL_UPSCALER!), upscaler);
  }
} else {
  checkpoint = writeSafetensors(
    path.join(models, 'checkpoints', 'tiny-sd1.safetensors'),
    FAMILY_FILES.sd1!.tensors,
  );
  upscaler = writeSafetensors(
    path.join(models, 'upscale_models', 'esrgan-x4.safetensors'),
    FAMILY_FILES.esrgan!.tensors,
  );
  // Stand-in fault words (tests/helpers/sd-standin/README.md) after the tensor data: the registry
  // tolerates trailing bytes (a warning), the stand-in finds the marker in the first 64 KiB.
  const faulty = (rel: string, key: string, word: string) =>
    fs.appendFileSync(
      writeSafetensors(path.join(models, rel), FAMILY_FILES[key]!.tensors),
      `\nsdcpp-standin: ${word}\n`,
    );
  faulty('checkpoints/oom.safetensors', 'sd1', 'oom');
  faulty('checkpoints/oom-kill.safetensors', 'sd1', 'oom-kill');
  faulty('checkpoints/partial.safetensors', 'sd1', 'missing-tensor');
  faulty('upscale_models/broken-esrgan.safetensors', 'esrgan', 'upscale-fail');
  fs.writeFileSync(
    path.join(models, 'checkpoints', 'legacy.ckpt'),
    Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(128)]),
  );
}
const modelRef = path.relative(models, checkpoint);
const upRef = upscaler ? path.relative(models, upscaler) : '';

/** prompt → txt2img → upscale → save; ids `prompt`, `gen`, `up`, `save`. */
function chain(
  o: {
    seed?: number;
    steps?: number;
    width?: number;
    height?: number;
    model?: string;
    upscaler?: string | null;
    text?: string;
  } = {},
) {
  const g = new GraphBuilder('sd run');
  const p = g.node('prompt', { text: o.text ?? 'a lighthouse at dusk' }, {}, 'prompt');
  const gen = g.node(
    'txt2img',
    {
      model: o.model ?? modelRef,
      width: o.width ?? 100,
      height: o.height ?? 72,
      steps: o.steps ?? 5,
      cfgScale: REAL ? 1 : 7,
      seed: o.seed ?? 42,
    },
    { prompt: p.out('text') },
    'gen',
  );
  const up = o.upscaler === undefined ? upRef : (o.upscaler ?? '');
  const upscale = g.node(
    'upscale',
    up ? { method: 'esrgan', model: up, scale: 2 } : { method: 'lanczos', scale: 2 },
    { image: gen.out('image') },
    'up',
  );
  g.node('save', { filenamePrefix: 'sdrun' }, { image: upscale.out('image') }, 'save');
  return g.finalize();
}

let t: TestStudio;
let events: MystiEvent[] = [];
beforeAll(async () => {
  t = await startTestStudio({
    home,
    stepMs: 20,
    ...(REAL ? { env: { SD_CPP_BIN: REAL_BIN! } } : {}),
  });
  t.studio.bus.on((e) => events.push(e));
  // Lineage records sha256 when the registry has it: let the background pass finish first.
  await (t.studio.services.registry as ModelRegistry).startHashing();
}, 60_000);
afterAll(async () => {
  await t?.close();
  home.cleanup();
});

const artifactInfo = (artifactId: string) =>
  (t.studio.store.artifacts.get(artifactId)!.value as { info: Record<string, any> }).info;
const outputOf = (view: any, nodeId: string) =>
  view.outputs.find((o: any) => o.nodeId === nodeId && o.port === 'image');

describe(`sd through POST /api/runs (${REAL ? 'real sd.cpp' : 'stand-in'})`, () => {
  it('prompt → txt2img → upscale → save: progress per step, PNG of the expected size, lineage', async () => {
    events = [];
    const r = await t.run(chain({ steps: 5 }), undefined, REAL ? 90_000 : 20_000);
    expect(r.status, JSON.stringify(r.view.nodes)).toBe('completed');
    const sampling = events.filter(
      (e) =>
        e.type === 'node.progress' &&
        e.nodeId === 'gen' &&
        e.phase === 'sampling' &&
        !e.preview &&
        e.step !== undefined,
    );
    expect(sampling.map((e) => `${e.step}/${e.steps}`)).toEqual([
      '1/5',
      '2/5',
      '3/5',
      '4/5',
      '5/5',
    ]);
    const phases = new Set(
      events.filter((e) => e.type === 'node.progress' && e.nodeId === 'gen').map((e) => e.phase),
    );
    expect(phases).toContain('sampling');
    expect(phases).toContain('decoding');
    if (upRef)
      expect(
        events.some(
          (e) => e.type === 'node.progress' && e.nodeId === 'up' && e.phase === 'upscaling',
        ),
      ).toBe(true);

    // 100×72 is rounded up to 128×128, then upscaled ×2.
    const saved = outputOf(r.view, 'save');
    const file = path.resolve(home.home, saved.path);
    const meta = await sharp(file).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 256, 256]);
    const genInfo = artifactInfo(outputOf(r.view, 'gen').artifactId);
    expect([genInfo.aligned, genInfo.requested]).toEqual([
      { width: 128, height: 128 },
      { width: 100, height: 72 },
    ]);

    // Lineage of the txt2img image: engine version, portable argv, model hash, actual seed.
    expect(genInfo.engine.version).toMatch(/^stable-diffusion\.cpp version /);
    expect(genInfo.seed).toBe('42');
    expect(genInfo.argv).toContain(`<models>/${modelRef}`);
    expect(genInfo.argv).toEqual(
      expect.arrayContaining(['-s', '42', '--steps', '5', '-W', '128', '-H', '128']),
    );
    for (const a of genInfo.argv as string[]) {
      expect(a.startsWith(home.home) || a.startsWith(models), a).toBe(false);
    }
    const argv = genInfo.argv as string[];
    if (genInfo.engine.mode === 'server') {
      // Resident mode: argv is the sd-cli line that reproduces the image; the server's own flags beside it.
      expect(argv[argv.indexOf('-o') + 1]).toBe('output.png');
      expect(genInfo.server.argv).toEqual(['-m', `<models>/${modelRef}`, '-t', expect.any(String)]);
      // The seed as exact decimal text in lineage (the request itself sends it as a bare JSON number).
      expect(genInfo.server.body).toMatchObject({
        seed: '42',
        width: 128,
        height: 128,
        sample_params: { sample_steps: 5 },
      });
    } else {
      expect(argv[argv.indexOf('-o') + 1]).toMatch(/^tmp\/\.sd-[0-9a-f-]+\/out\.png$/);
    }
    expect(genInfo.models.model).toMatchObject({
      id: modelRef,
      file: `<models>/${modelRef}`,
      sha256: sha(checkpoint),
      autoV2: sha(checkpoint).slice(0, 10),
    });
    // The upscaled image names the seed that made it, and its own engine + upscaler hash.
    const upInfo = artifactInfo(outputOf(r.view, 'up').artifactId);
    expect(upInfo.seed).toBe('42');
    if (upscaler) {
      expect(upInfo.models.upscaler.sha256).toBe(sha(upscaler));
      expect(upInfo.argv).toEqual(expect.arrayContaining(['-M', 'upscale', `<models>/${upRef}`]));
      expect(upInfo.engine.version).toMatch(/^stable-diffusion\.cpp version /);
    }
    // The saved PNG's mysticanvas chunk carries the engine version and the actual seed.
    const chunk = readPngTextFile(file).chunks.find((c) => c.keyword === 'mysticanvas');
    const doc = JSON.parse(chunk!.text);
    expect(doc.params.seed).toBe('42');
    expect(doc.engineVersion).toMatch(upscaler ? /^stable-diffusion\.cpp version / : /sharp/);
  }, 120_000);

  it('same seed twice → byte-identical images (cache entry dropped, so sd.cpp really runs twice)', async () => {
    const g = chain({ seed: 1234, steps: 3, width: 64, height: 64, upscaler: null, text: 'twice' });
    const a = await t.run(g);
    expect(a.status).toBe('completed');
    const key = t.studio.store.runs.nodes(a.id).find((n) => n.nodeId === 'gen')!.cacheKey!;
    t.studio.store.artifacts.cacheForget(key);
    const b = await t.run(g);
    expect(b.status).toBe('completed');
    expect(b.didRun('gen')).toBe(true);
    // The worker hashes what sd.cpp wrote, before the (content-addressed) artifact store sees it.
    expect(artifactInfo(outputOf(b.view, 'gen').artifactId).sha256).toBe(
      artifactInfo(outputOf(a.view, 'gen').artifactId).sha256,
    );
    const fa = path.resolve(home.home, outputOf(a.view, 'gen').path);
    const fb = path.resolve(home.home, outputOf(b.view, 'gen').path);
    expect(sha(fb)).toBe(sha(fa));
    // A different seed gives a different image.
    const c = await t.run(
      chain({ seed: 1235, steps: 3, width: 64, height: 64, upscaler: null, text: 'twice' }),
    );
    expect(sha(path.resolve(home.home, outputOf(c.view, 'gen').path))).not.toBe(sha(fa));
  }, 120_000);

  it('cancel mid-sampling: node `cancelled` within 1 s, no engine process and no temporary file left', async () => {
    events = [];
    const res = await t.http.post('/api/runs', {
      graph: chain({ steps: 150, width: 64, height: 64, upscaler: null, text: 'cancel me' }),
    });
    expect(res.status).toBe(202);
    const runId = res.json.runId as string;
    const deadline = Date.now() + 60_000;
    while (
      !events.some(
        (e) =>
          e.type === 'node.progress' &&
          e.runId === runId &&
          e.phase === 'sampling' &&
          Number(e.step) >= 2,
      )
    ) {
      if (Date.now() > deadline) throw new Error('no sampling progress');
      await new Promise((r) => setTimeout(r, 5));
    }
    const t0 = Date.now();
    expect((await t.http.post(`/api/runs/${runId}/cancel`, {})).status).toBe(202);
    let ended = 0;
    while (Date.now() - t0 < 5_000) {
      const node = t.studio.store.runs.nodes(runId).find((n) => n.nodeId === 'gen')!;
      if (node.status !== 'running') {
        ended = Date.now() - t0;
        expect(node.status).toBe('cancelled');
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(ended).toBeGreaterThan(0);
    expect(ended).toBeLessThan(1_000);
    const run = await t.waitRun(runId);
    expect(run.status).toBe('cancelled');
    const tmp = t.studio.config.paths.tmp;
    const until = Date.now() + 2_000;
    const leftovers = () => fs.readdirSync(tmp).filter((f) => !f.startsWith('previews'));
    while ((leftovers().length || pidsWithArg(tmp).length) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    expect(pidsWithArg(tmp)).toEqual([]);
    expect(leftovers()).toEqual([]);
  }, 120_000);

  it('GET /api/models lists family, AutoV2 and the unsafe flag', async () => {
    const r = await t.http.get('/api/models');
    const m = r.json.models.find((x: any) => x.id === modelRef);
    expect(m).toMatchObject({
      kind: 'sd',
      sha256: sha(checkpoint),
      autoV2: sha(checkpoint).slice(0, 10),
      unsafe: false,
      hashing: false,
    });
    if (!REAL)
      expect(m).toMatchObject({
        family: 'sd1',
        metadata: { format: 'safetensors', component: 'checkpoint' },
      });
  });
});

describe.skipIf(REAL)('engine faults and refusals through POST /api/runs (stand-in)', () => {
  const failed = async (model: string, up: string | null = null) => {
    const r = await t.run(
      chain({ model, upscaler: up, steps: 3, width: 64, height: 64, text: `fault ${model} ${up}` }),
    );
    expect(r.status).toBe('failed');
    const node = Object.entries(r.view.nodes as Record<string, any>).find(
      ([, n]) => n.status === 'failed',
    )!;
    return { nodeId: node[0], error: node[1].error };
  };

  it('sdcpp.md §1.4 rows reach the node as stable codes with sd.cpp [ERROR] lines', async () => {
    const oom = await failed('checkpoints/oom.safetensors');
    expect(oom).toMatchObject({ nodeId: 'gen', error: { code: 'OUT_OF_MEMORY' } });
    expect(JSON.stringify(oom.error)).toContain('insufficient memory');
    expect((await failed('checkpoints/oom-kill.safetensors')).error.code).toBe('ENGINE_KILLED'); // no kernel OOM evidence: not an OOM, not retried
    expect((await failed('checkpoints/partial.safetensors')).error.code).toBe('MODEL_INVALID');
    // The exit-0 upscale failure (sd.cpp saves the NON-upscaled image) is still a failure.
    expect(await failed(modelRef, 'upscale_models/broken-esrgan.safetensors')).toMatchObject({
      nodeId: 'up',
      error: { code: 'ENGINE_FAILED' },
    });
  }, 120_000);

  it('a pickle checkpoint is refused at submit until the user allows it', async () => {
    const g = chain({
      model: 'checkpoints/legacy.ckpt',
      upscaler: null,
      steps: 2,
      width: 64,
      height: 64,
      text: 'pickle',
    });
    const refused = await t.http.post('/api/runs', { graph: g });
    expect(refused.status).toBe(400);
    expect(refused.json.error.details.issues[0]).toMatchObject({
      code: 'MODEL_UNSAFE',
      nodeId: 'gen',
      field: 'model',
    });
    const listed = (await t.http.get('/api/models')).json.models.find(
      (x: any) => x.id === 'checkpoints/legacy.ckpt',
    );
    expect(listed).toMatchObject({
      unsafe: true,
      allowUnsafe: false,
      metadata: { format: 'pickle', unsafe: true },
    });
    const ok = await t.http.post(
      `/api/models/${encodeURIComponent('checkpoints/legacy.ckpt')}/allow-unsafe`,
      { allow: true },
    );
    expect(ok.json).toEqual({ id: 'checkpoints/legacy.ckpt', unsafe: true, allowUnsafe: true });
    expect((await t.run(g)).status).toBe('completed');
    await t.http.post(`/api/models/${encodeURIComponent('checkpoints/legacy.ckpt')}/allow-unsafe`, {
      allow: false,
    });
    expect((await t.http.post('/api/runs', { graph: g })).status).toBe(400);
    expect(
      (await t.http.post(`/api/models/${encodeURIComponent(modelRef)}/allow-unsafe`, {})).json.error
        .code,
    ).toBe('MODEL_NOT_UNSAFE');
  }, 60_000);
});
