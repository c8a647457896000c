/**
 * Issue 14 through POST /api/runs: guide inputs from Load image nodes into txt2img/img2img, with
 * the sd-cli stand-in by default and against the REAL stable-diffusion.cpp when SD_CPP_BIN and
 * SD_TEST_MODEL are set (hires fix and inpainting run on the real engine; ControlNet, reference
 * images and IP-Adapter only with the stand-in: no random ControlNet / IP-Adapter weights exist,
 * and the test build's CLIP-only tokenizers cannot run the reference-image families).
 *
 * Checks: hires fix 64→128 gives 128×128 with the hires params in the image's info and in the
 * saved PNG's A1111 `parameters` (Hires upscale/steps/upscaler, Denoising strength, first-pass
 * Size) and `mysticanvas` chunk (the graph); init + mask (+ control, references) are lineage
 * parents of the output, `Mask blur` and `ControlNet 0` in `parameters`; a guide image without its
 * model (or a model without its image) → 400 GUIDE_INCOMPLETE naming the node, no run.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { makeTempHome } from '../helpers/temp-home';
import { GraphBuilder } from '../helpers/graph-builder';
import { readPngTextFile } from '../../runtime/png/read';
import { parseA1111Parameters } from '../../runtime/png/a1111';
import { FAMILY_FILES, writeSafetensors } from '../unit/models/craft';

const REAL_BIN = process.env.SD_CPP_BIN;
const REAL_MODEL = process.env.SD_TEST_MODEL;
const REAL = Boolean(REAL_BIN && REAL_MODEL);
console.warn(
  REAL
    ? `sd-guide-run: against the real sd.cpp at ${REAL_BIN}`
    : 'sd-guide-run: with the sd-cli stand-in (set SD_CPP_BIN and SD_TEST_MODEL for the real engine)',
);

const home = makeTempHome({ prefix: 'sd-guide-' });
const models = home.models;
let checkpoint: string;
if (REAL) {
  checkpoint = path.join(models, 'checkpoints', path.basename(REAL_MODEL!));
  fs.mkdirSync(path.dirname(checkpoint), { recursive: true });
  fs.symlinkSync(path.resolve(REAL_MODEL!), checkpoint);
} else {
  checkpoint = writeSafetensors(
    path.join(models, 'checkpoints', 'tiny-sd1.safetensors'),
    FAMILY_FILES.sd1!.tensors,
  );
}
const modelRef = path.relative(models, checkpoint);
// A real ESRGAN for the hires fix's model upscaler (sd.cpp names it by stem in --hires-upscalers-dir).
const REAL_UPSCALER = REAL ? process.env.SD_TEST_UPSCALER : undefined;
let upscalerRef = '';
if (REAL_UPSCALER) {
  const f = path.join(models, 'upscale_models', path.basename(REAL_UPSCALER));
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.symlinkSync(path.resolve(REAL_UPSCALER), f);
  upscalerRef = path.relative(models, f);
}
// A ControlNet file in ComfyUI's controlnet/ folder: the registry calls it kind `controlnet`.
const controlNetFile = writeSafetensors(
  path.join(models, 'controlnet', 'control_openpose.safetensors'),
  FAMILY_FILES.sd1!.tensors,
);
const controlRef = path.relative(models, controlNetFile);

const inputs = path.join(home.home, 'inputs');
const W = 128;
const inSquare = (x: number, y: number) => x >= 32 && x < 96 && y >= 32 && y < 96;

let t: TestStudio;
beforeAll(async () => {
  fs.mkdirSync(inputs, { recursive: true });
  const px = Buffer.alloc(W * W * 3);
  for (let y = 0; y < W; y++)
    for (let x = 0; x < W; x++) px.set([x * 2, y * 2, (x ^ y) & 255], (y * W + x) * 3);
  await sharp(px, { raw: { width: W, height: W, channels: 3 } })
    .png()
    .toFile(path.join(inputs, 'init.png'));
  const m = Buffer.alloc(W * W);
  for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) m[y * W + x] = inSquare(x, y) ? 255 : 0;
  await sharp(m, { raw: { width: W, height: W, channels: 1 } })
    .png()
    .toFile(path.join(inputs, 'mask.png'));
  await sharp(path.join(inputs, 'mask.png'))
    .resize(64, 64)
    .png()
    .toFile(path.join(inputs, 'mask-64.png'));
  for (const name of ['pose', 'ref-a', 'ref-b'])
    await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } })
      .png()
      .toFile(path.join(inputs, `${name}.png`));
  t = await startTestStudio({
    home,
    stepMs: 5,
    ...(REAL ? { env: { SD_CPP_BIN: REAL_BIN! } } : {}),
  });
}, 60_000);
afterAll(async () => {
  await t?.close();
  home.cleanup();
});

const infoOf = (artifactId: string) =>
  (t.studio.store.artifacts.get(artifactId)!.value as { info: Record<string, any> }).info;
const outputOf = (view: any, nodeId: string) =>
  view.outputs.find((o: any) => o.nodeId === nodeId && o.port === 'image');
/** Lineage parents of an artifact: port → the parent's producing node id. */
const parentsOf = (artifactId: string) =>
  Object.fromEntries(
    t.studio.store.artifacts
      .parentsOf(artifactId)
      .map((p) => [p.port, t.studio.store.artifacts.get(p.parentId)!.nodeId]),
  );
/** The saved PNG's A1111 params and mysticanvas document. */
function savedChunks(view: any) {
  const file = path.resolve(home.home, outputOf(view, 'save').path);
  const chunks = readPngTextFile(file).chunks;
  const parameters = chunks.find((c) => c.keyword === 'parameters')!.text;
  const doc = JSON.parse(chunks.find((c) => c.keyword === 'mysticanvas')!.text);
  return { file, a1111: parseA1111Parameters(parameters).params, parameters, doc };
}
const common = { model: modelRef, steps: 2, cfgScale: REAL ? 1 : 7, seed: 42 };

describe(`guides through POST /api/runs (${REAL ? 'real sd.cpp' : 'stand-in'})`, () => {
  it('hires fix 64→128: a 128×128 image, the hires params in info and in both PNG chunks', async () => {
    const g = new GraphBuilder('hires');
    const p = g.node('prompt', { text: 'a lighthouse' }, {}, 'prompt');
    const gen = g.node(
      'txt2img',
      {
        ...common,
        width: 64,
        height: 64,
        hiresFix: true,
        hiresUpscaler: 'Latent',
        hiresScale: 2,
        hiresSteps: 2,
        hiresDenoisingStrength: 0.5,
      },
      { prompt: p.out('text') },
      'gen',
    );
    g.node('save', {}, { image: gen.out('image') }, 'save');
    const r = await t.run(g.finalize(), undefined, REAL ? 120_000 : 20_000);
    expect(r.status, JSON.stringify(r.view.nodes)).toBe('completed');
    const out = outputOf(r.view, 'gen');
    const meta = await sharp(path.resolve(home.home, out.path)).metadata();
    expect([meta.width, meta.height]).toEqual([128, 128]);
    const info = infoOf(out.artifactId);
    expect(info.hires).toEqual({
      upscaler: 'Latent',
      scale: 2,
      width: 0,
      height: 0,
      steps: 2,
      denoisingStrength: 0.5,
    });
    expect(info.argv).toEqual(
      expect.arrayContaining([
        '--hires',
        '--hires-upscaler',
        'Latent',
        '--hires-scale',
        '2',
        '--hires-steps',
        '2',
        '--hires-denoising-strength',
        '0.5',
      ]),
    );
    if (info.engine.mode === 'server')
      expect(info.server.body.hires).toMatchObject({ enabled: true, scale: 2, steps: 2 });
    const { a1111, doc } = savedChunks(r.view);
    expect(a1111).toMatchObject({
      Size: '64x64',
      'Hires upscale': '2',
      'Hires steps': '2',
      'Hires upscaler': 'Latent',
      'Denoising strength': '0.5',
    });
    const node = doc.graph.nodes.find((n: any) => n.id === 'gen');
    expect(node.params).toMatchObject({ hiresFix: true, hiresScale: 2, hiresSteps: 2 });
  }, 180_000);

  it.skipIf(!REAL_UPSCALER)(
    'hires fix with an ESRGAN model (real sd.cpp): its folder as --hires-upscalers-dir, its stem as the upscaler, 128×128',
    async () => {
      const g = new GraphBuilder('hires esrgan');
      const p = g.node('prompt', { text: 'a lighthouse' }, {}, 'prompt');
      const gen = g.node(
        'txt2img',
        {
          ...common,
          steps: 1,
          width: 64,
          height: 64,
          hiresFix: true,
          hiresUpscaler: 'ESRGAN',
          hiresModel: upscalerRef,
          hiresSteps: 1,
        },
        { prompt: p.out('text') },
        'gen',
      );
      g.node('save', {}, { image: gen.out('image') }, 'save');
      const r = await t.run(g.finalize(), undefined, 180_000);
      expect(r.status, JSON.stringify(r.view.nodes)).toBe('completed');
      const out = outputOf(r.view, 'gen');
      const meta = await sharp(path.resolve(home.home, out.path)).metadata();
      expect([meta.width, meta.height]).toEqual([128, 128]);
      const info = infoOf(out.artifactId);
      const stem = path.basename(upscalerRef).replace(/\.[^.]+$/, '');
      expect(info.hires).toMatchObject({ upscaler: 'ESRGAN', model: upscalerRef });
      expect(info.argv).toEqual(
        expect.arrayContaining([
          '--hires-upscalers-dir',
          `<models>/${path.dirname(upscalerRef)}`,
          '--hires-upscaler',
          stem,
        ]),
      );
      expect(info.models.hiresModel).toMatchObject({ id: upscalerRef });
      expect(savedChunks(r.view).a1111['Hires upscaler']).toBe(stem);
    },
    240_000,
  );

  it('inpainting: init and mask are lineage parents, Mask blur + Denoising strength in parameters', async () => {
    const g = new GraphBuilder('inpaint');
    const p = g.node('prompt', { text: 'a red door' }, {}, 'prompt');
    const init = g.node('load-image', { source: 'inputs/init.png' }, {}, 'init');
    const mask = g.node('load-image', { source: 'inputs/mask.png' }, {}, 'mask');
    const gen = g.node(
      'img2img',
      { ...common, steps: 4, width: W, height: W, strength: 0.75, maskBlur: 0 },
      { prompt: p.out('text'), image: init.out('image'), mask: mask.out('image') },
      'gen',
    );
    g.node('save', {}, { image: gen.out('image') }, 'save');
    const r = await t.run(g.finalize(), undefined, REAL ? 120_000 : 20_000);
    expect(r.status, JSON.stringify(r.view.nodes)).toBe('completed');
    const out = outputOf(r.view, 'gen');
    expect(parentsOf(out.artifactId)).toMatchObject({
      image: 'init',
      mask: 'mask',
      prompt: 'prompt',
    });
    const info = infoOf(out.artifactId);
    expect(info).toMatchObject({ inpainting: true, maskBlur: 0, inpaint: { pasteBack: true } });
    expect(info.argv).toContain('inputs/mask.png');
    // Outside the mask the init's pixels, exactly (the paste-back).
    const a = await sharp(path.join(inputs, 'init.png')).removeAlpha().raw().toBuffer();
    const b = await sharp(path.resolve(home.home, out.path)).removeAlpha().raw().toBuffer();
    let maxOut = 0;
    for (let y = 0; y < W; y++)
      for (let x = 0; x < W; x++)
        if (!inSquare(x, y))
          for (let c = 0; c < 3; c++)
            maxOut = Math.max(maxOut, Math.abs(a[(y * W + x) * 3 + c]! - b[(y * W + x) * 3 + c]!));
    expect(maxOut).toBe(0);
    const { a1111 } = savedChunks(r.view);
    expect(a1111).toMatchObject({ 'Mask blur': '0', 'Denoising strength': '0.75' });
  }, 180_000);

  it('a mask of another size → the node fails with MASK_SIZE_MISMATCH, no image written', async () => {
    const g = new GraphBuilder('bad mask');
    const p = g.node('prompt', { text: 'x' }, {}, 'prompt');
    const init = g.node('load-image', { source: 'inputs/init.png' }, {}, 'init');
    const mask = g.node('load-image', { source: 'inputs/mask-64.png' }, {}, 'mask');
    const gen = g.node(
      'img2img',
      { ...common, width: W, height: W },
      { prompt: p.out('text'), image: init.out('image'), mask: mask.out('image') },
      'gen',
    );
    g.node('save', {}, { image: gen.out('image') }, 'save');
    const r = await t.run(g.finalize(), undefined, 60_000);
    expect(r.status).toBe('failed');
    const node = (r.view.nodes as Record<string, any>).gen;
    expect(node.error).toMatchObject({ code: 'MASK_SIZE_MISMATCH' });
    expect(node.error.message).toMatch(/64×64.*128×128/);
    expect(outputOf(r.view, 'gen')).toBeUndefined();
    expect(t.studio.store.generations.byRun(r.id)).toEqual([]);
  }, 120_000);

  it.skipIf(REAL)(
    'ControlNet + two reference images: flags in order, every guide image a lineage parent, ControlNet 0 in parameters',
    async () => {
      const g = new GraphBuilder('guides');
      const p = g.node('prompt', { text: 'a dancer' }, {}, 'prompt');
      const pose = g.node('load-image', { source: 'inputs/pose.png' }, {}, 'pose');
      const ra = g.node('load-image', { source: 'inputs/ref-a.png' }, {}, 'refA');
      const rb = g.node('load-image', { source: 'inputs/ref-b.png' }, {}, 'refB');
      const gen = g.node(
        'txt2img',
        {
          ...common,
          width: 64,
          height: 64,
          controlNet: controlRef,
          controlStrength: 0.8,
          refImageArgs: 'ref_index_mode=increase',
        },
        {
          prompt: p.out('text'),
          control: pose.out('image'),
          reference: ra.out('image'),
          reference2: rb.out('image'),
        },
        'gen',
      );
      g.node('save', {}, { image: gen.out('image') }, 'save');
      const r = await t.run(g.finalize());
      expect(r.status, JSON.stringify(r.view.nodes)).toBe('completed');
      const out = outputOf(r.view, 'gen');
      expect(parentsOf(out.artifactId)).toMatchObject({
        control: 'pose',
        reference: 'refA',
        reference2: 'refB',
      });
      const info = infoOf(out.artifactId);
      const argv = info.argv as string[];
      expect(argv[argv.indexOf('--control-net') + 1]).toBe(`<models>/${controlRef}`);
      expect(argv[argv.indexOf('--control-image') + 1]).toBe('inputs/pose.png');
      expect(argv[argv.indexOf('--control-strength') + 1]).toBe('0.8');
      expect(argv.filter((_, i) => argv[i - 1] === '-r')).toEqual([
        'inputs/ref-a.png',
        'inputs/ref-b.png',
      ]);
      expect(argv[argv.indexOf('--ref-image-args') + 1]).toBe('ref_index_mode=increase');
      expect(info.models.controlNet).toMatchObject({ id: controlRef });
      expect(info.controlNet).toEqual({ model: controlRef, strength: 0.8 });
      const { a1111 } = savedChunks(r.view);
      expect(a1111['ControlNet 0']).toMatch(
        /^Module: none, Model: control_openpose( \[[0-9a-f]{8}\])?, Weight: 0\.8, /,
      );
    },
  );

  it('a control image without a ControlNet model, or the model without an image → 400 GUIDE_INCOMPLETE naming the node', async () => {
    const build = (withImage: boolean, withModel: boolean) => {
      const g = new GraphBuilder('half guide');
      const p = g.node('prompt', { text: 'x' }, {}, 'prompt');
      const pose = g.node('load-image', { source: 'inputs/pose.png' }, {}, 'pose');
      const gen = g.node(
        'txt2img',
        { ...common, width: 64, height: 64, ...(withModel ? { controlNet: controlRef } : {}) },
        { prompt: p.out('text'), ...(withImage ? { control: pose.out('image') } : {}) },
        'gen',
      );
      g.node('save', {}, { image: gen.out('image') }, 'save');
      return g.finalize();
    };
    for (const [img, model, says] of [
      [true, false, /control.*connected but no ControlNet model/i],
      [false, true, /ControlNet model is chosen but no image is connected to its "control" input/],
    ] as const) {
      const r = await t.http.post('/api/runs', { graph: build(img, model) });
      expect(r.status).toBe(400);
      const issues = r.json.error.details.issues as any[];
      expect(issues).toEqual([
        expect.objectContaining({
          code: 'GUIDE_INCOMPLETE',
          nodeId: 'gen',
          message: expect.stringMatching(says),
        }),
      ]);
    }
  });
});
