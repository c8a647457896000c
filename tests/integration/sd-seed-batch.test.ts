/**
 * Issue 13 "Done when", with the REAL stable-diffusion.cpp (SD_CPP_BIN; model SD_TEST_MODEL, else
 * ../shared/sdcpp/models/tiny-sdxs-q4_0.gguf): through POST /api/runs,
 * - txt2img with the 64-bit seed 89848141647836 writes a PNG whose pixels equal
 *   `sd-cli -s 89848141647836 …` with the same params, and its metadata, lineage, gallery row say
 *   89848141647836 exactly;
 * - batch count 3 → three saved PNGs and three gallery rows, seeds s, s+1, s+2, each pixel-equal
 *   to the CLI's image k (sd.cpp names batch files out_0.png … out_2.png, sdcpp.md §1.2).
 * Skipped without SD_CPP_BIN (the stand-in's images are not sd.cpp's).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { makeTempHome, REPO_ROOT } from '../helpers/temp-home';
import { GraphBuilder } from '../helpers/graph-builder';
import { readPngTextFile } from '../../runtime/png/read';

const BIN = process.env.SD_CPP_BIN;
const MODEL =
  process.env.SD_TEST_MODEL ??
  path.resolve(REPO_ROOT, '../shared/sdcpp/models/tiny-sdxs-q4_0.gguf');
const enabled = Boolean(BIN && fs.existsSync(MODEL));
if (!enabled)
  console.warn(
    'sd-seed-batch: skipped — set SD_CPP_BIN to a real sd-cli (and SD_TEST_MODEL, or have ../shared/sdcpp/models/tiny-sdxs-q4_0.gguf)',
  );

const SEED = '89848141647836';
const SIZE = 128;
const STEPS = 2;
const PROMPT = 'a lighthouse at dusk';

const home = makeTempHome({ prefix: 'sd-seed-batch-' });
const modelRef = path.join('checkpoints', path.basename(MODEL));
if (enabled) {
  fs.mkdirSync(path.join(home.models, 'checkpoints'), { recursive: true });
  fs.symlinkSync(path.resolve(MODEL), path.join(home.models, modelRef));
}
const cliDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sd-seed-cli-'));

/** Raw RGB pixels of a PNG. */
const pixels = async (file: string) =>
  await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });

/** The same params straight through sd-cli; returns the written file(s). */
function cli(seed: string, batch: number): string[] {
  const out = path.join(cliDir, `s${seed}-b${batch}.png`);
  const args = [
    '-m',
    MODEL,
    '-p',
    PROMPT,
    '-W',
    String(SIZE),
    '-H',
    String(SIZE),
    '--steps',
    String(STEPS),
    '--cfg-scale',
    '1',
    '-s',
    seed,
    '-t',
    '2',
    '-o',
    out,
  ];
  if (batch > 1) args.push('-b', String(batch));
  const log = execFileSync(BIN!, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(log).toContain(`seed ${seed}`);
  return batch === 1
    ? [out]
    : Array.from({ length: batch }, (_, k) => out.replace(/\.png$/, `_${k}.png`));
}

function graph(seed: string, batchCount: number) {
  const g = new GraphBuilder('seed batch');
  const p = g.node('prompt', { text: PROMPT }, {}, 'prompt');
  const gen = g.node(
    'txt2img',
    { model: modelRef, width: SIZE, height: SIZE, steps: STEPS, cfgScale: 1, seed, batchCount },
    { prompt: p.out('text') },
    'gen',
  );
  g.node('save', { filenamePrefix: `b${batchCount}` }, { image: gen.out('image') }, 'save');
  return g.finalize();
}

let t: TestStudio;
/** POST /api/runs and wait (the real engine on 2 shared cores is slow: no 20 s default). */
async function run(g: ReturnType<typeof graph>) {
  const r = await t.http.post('/api/runs', { graph: g });
  expect(r.status, r.text).toBe(202);
  return t.waitRun(r.json.runId, 200_000);
}
beforeAll(async () => {
  if (!enabled) return;
  t = await startTestStudio({ home, env: { SD_CPP_BIN: BIN!, MYSTI_SD_THREADS: '2' } });
}, 60_000);
afterAll(async () => {
  await t?.close();
  home.cleanup();
  fs.rmSync(cliDir, { recursive: true, force: true });
});

describe.skipIf(!enabled)('exact 64-bit seeds and whole batches with the real sd.cpp', () => {
  it(`seed ${SEED}: pixels equal sd-cli's; PNG metadata, lineage and gallery say ${SEED}`, async () => {
    const r = await run(graph(SEED, 1));
    expect(r.status, JSON.stringify(r.view.nodes)).toBe('completed');
    const saved = r.view.outputs.find((o: any) => o.nodeId === 'save' && o.port === 'image');
    const file = path.resolve(home.home, saved.path);
    const [ref] = cli(SEED, 1);
    const [a, b] = [await pixels(file), await pixels(ref!)];
    expect([a.info.width, a.info.height]).toEqual([SIZE, SIZE]);
    expect(a.data.equals(b.data)).toBe(true);

    const chunks = readPngTextFile(file).chunks;
    expect(chunks.find((c) => c.keyword === 'parameters')!.text).toContain(`Seed: ${SEED},`);
    expect(chunks.find((c) => c.keyword === 'mysticanvas')!.text).toContain(`"seed":"${SEED}"`);
    const gen = r.view.outputs.find((o: any) => o.nodeId === 'gen' && o.port === 'image');
    const info = (
      t.studio.store.artifacts.get(gen.artifactId)!.value as { info: Record<string, unknown> }
    ).info;
    expect(info.seed).toBe(SEED);
    expect(info.argv).toEqual(expect.arrayContaining(['-s', SEED]));
    const rows = (await t.http.get('/api/generations')).json.items as {
      seed: string;
      runId?: string;
    }[];
    expect(rows.map((x) => x.seed)).toContain(SEED);
  }, 180_000);

  it('batch count 3: three saved PNGs and gallery rows, seeds s, s+1, s+2, each equal to the CLI image k', async () => {
    const s = '1000000000007';
    const before = (await t.http.get('/api/generations')).json.items.length as number;
    const r = await run(graph(s, 3));
    expect(r.status, JSON.stringify(r.view.nodes)).toBe('completed');
    const gen = r.view.outputs.find((o: any) => o.nodeId === 'gen' && o.port === 'image');
    const genRow = t.studio.store.artifacts.get(gen.artifactId)!;
    expect(((genRow.value as { batch: unknown[] }).batch ?? []).length).toBe(2);

    const gens = t.studio.store.generations.byRun(r.id);
    expect(gens).toHaveLength(3);
    expect(gens.map((g) => g.seed)).toEqual([s, '1000000000008', '1000000000009']);
    expect(new Set(gens.map((g) => g.nodeId))).toEqual(new Set(['save']));
    const list = (await t.http.get('/api/generations')).json.items as unknown[];
    expect(list.length - before).toBe(3);

    const refs = cli(s, 3);
    for (let k = 0; k < 3; k++) {
      const mine = await pixels(path.resolve(home.home, gens[k]!.filePath));
      const ref = await pixels(refs[k]!);
      expect(mine.data.equals(ref.data), `image ${k}`).toBe(true);
      expect(
        readPngTextFile(path.resolve(home.home, gens[k]!.filePath)).chunks.find(
          (c) => c.keyword === 'parameters',
        )!.text,
      ).toContain(`Seed: ${gens[k]!.seed},`);
    }
    // The three images differ (three seeds, not one image thrice).
    expect(new Set(gens.map((g) => g.sha256)).size).toBe(3);
  }, 240_000);
});
