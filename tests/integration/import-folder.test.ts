/**
 * importFolder over real files and a real SQLite library: the fixtures copied to a temp folder,
 * then moved, deleted, restored, duplicated and damaged; a dry run; a kill mid-import.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../runtime/store';
import { ImportStore } from '../../runtime/store/imports';
import { tagsForGeneration } from '../../runtime/store/tags';
import { importFolder, type ImportProgress } from '../../runtime/library/import';
import { insertTextChunks } from '../../runtime/png/write';
import { FIXTURES_DIR, REPO_ROOT } from '../helpers/temp-home';
import { a1111Jpeg, a1111Webp } from '../helpers/exif-images';

const FIX = path.join(FIXTURES_DIR, 'png');
const FIXTURES = fs
  .readdirSync(FIX)
  .filter((f) => f.endsWith('.png'))
  .sort();

let tmp: string;
let home: string;
let pics: string;
let store: Store;
let lib: ImportStore;

const row = (abs: string) => {
  const f = lib.byPath(abs);
  return f ? lib.record(f.id)! : undefined;
};

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-import-'));
  home = path.join(tmp, 'home');
  pics = path.join(tmp, 'pics');
  fs.mkdirSync(path.join(pics, 'nested'), { recursive: true });
  for (const f of FIXTURES)
    fs.copyFileSync(
      path.join(FIX, f),
      path.join(f.startsWith('comfyui') ? path.join(pics, 'nested') : pics, f),
    );
  for (const f of fs.readdirSync(pics, { recursive: true }) as string[])
    fs.chmodSync(path.join(pics, f), 0o755); // fixtures are read-only
  // A damaged file in the middle of the walk.
  fs.writeFileSync(
    path.join(pics, 'b_truncated.png'),
    fs.readFileSync(path.join(FIX, 'sdcpp_flux_basic.png')).subarray(0, 4000),
  );
  store = Store.open(path.join(home, 'mysticanvas.db'));
  lib = new ImportStore(store.db);
});
afterAll(() => {
  store?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('importFolder', () => {
  it('imports every fixture with its metadata; a truncated PNG fails with its reason, the rest is imported', async () => {
    const seen: ImportProgress[] = [];
    const s = await importFolder(store, home, {
      folder: pics,
      batchSize: 3,
      onProgress: (p) => seen.push(p),
    });
    expect(s).toMatchObject({
      total: FIXTURES.length + 1,
      done: FIXTURES.length + 1,
      imported: FIXTURES.length,
      skipped: 0,
      relinked: 0,
      missing: 0,
      failed: 1,
      aborted: false,
    });
    expect(s.failures).toEqual([
      {
        path: path.join(pics, 'b_truncated.png'),
        code: 'PNG_TRUNCATED',
        reason: expect.stringMatching(/IDAT/),
      },
    ]);
    // progress: the scan, one per batch (3 files each), then done; counts only grow
    expect(seen[0]).toMatchObject({ phase: 'scan', done: 0, total: 9 });
    expect(seen.filter((p) => p.phase === 'import').map((p) => p.done)).toEqual([3, 6, 9]);
    expect(seen.at(-1)).toMatchObject({ phase: 'done', done: 9, imported: 8, failed: 1 });

    const duck = row(path.join(pics, 'a1111_tiny_text.png'))!;
    expect(duck).toMatchObject({
      source: 'a1111',
      prompt: 'photo of a duck',
      negativePrompt: 'monochrome',
      seed: '235284042',
      steps: 15,
      cfgScale: 5,
      modelName: 'realistic_realisticVisionV20_v20',
      width: 1,
      height: 1,
      missing: false,
      runId: null,
      filePath: path.join(pics, 'a1111_tiny_text.png'),
    });
    expect(duck.sha256!.startsWith('7c76e634f1290150')).toBe(true);
    expect(duck.createdAt).toBe(
      Math.round(fs.statSync(path.join(pics, 'a1111_tiny_text.png')).mtimeMs),
    );
    expect(duck.params).toMatchObject({
      width: 512,
      height: 400,
      import: { format: 'png', bytes: 272 },
    });
    expect((duck.workflow as { format: string; nodes: { type: string }[] }).format).toBe(
      'mysticanvas.graph',
    );
    expect(tagsForGeneration(store.db, duck.id)).toEqual([]); // A1111 infotext carries no tags

    const lora = row(path.join(pics, 'nested', 'comfyui_lora.png'))!;
    expect(lora).toMatchObject({
      source: 'comfyui',
      steps: 20,
      cfgScale: 8,
      sampler: 'euler',
      modelName: 'v1-5-pruned-emaonly.ckpt',
    });
    expect((lora.workflow as { nodes: { type: string }[] }).nodes.map((n) => n.type)).toContain(
      'txt2img',
    );
    expect(row(path.join(pics, 'nested', 'comfyui_z_image_turbo.png'))).toMatchObject({
      source: 'comfyui',
      steps: 9,
      scheduler: 'simple',
    });
    expect(row(path.join(pics, 'a1111_itxt_utf8.png'))).toMatchObject({
      source: 'a1111',
      seed: '3782896554',
      scheduler: 'karras',
    });
    expect(row(path.join(pics, 'invokeai_text.png'))).toMatchObject({
      source: 'invokeai',
      seed: '1860920704',
      steps: 24,
      cfgScale: 6,
    });
    expect(row(path.join(pics, 'swarmui_params.png'))).toMatchObject({
      source: 'swarmui',
      seed: '2083100758',
    });
    expect(row(path.join(pics, 'sdcpp_flux_basic.png'))).toMatchObject({
      source: 'sdcpp',
      seed: '42',
      steps: 20,
      negativePrompt: null,
    });
    expect(row(path.join(pics, 'no_metadata_pose_input.png'))).toMatchObject({
      source: 'unknown',
      prompt: null,
      workflow: null,
      width: 1280,
      height: 704,
    });
    expect(row(path.join(pics, 'b_truncated.png'))).toBeUndefined();
  });

  it('a second run imports nothing', async () => {
    const s = await importFolder(store, home, { folder: pics });
    expect(s).toMatchObject({
      imported: 0,
      skipped: FIXTURES.length,
      relinked: 0,
      missing: 0,
      failed: 1,
    });
    expect(lib.under(pics + path.sep)).toHaveLength(FIXTURES.length);
  });

  it('a moved file is relinked (same row, new path), not duplicated', async () => {
    const before = row(path.join(pics, 'a1111_tiny_text.png'))!;
    fs.mkdirSync(path.join(pics, 'moved'));
    fs.renameSync(path.join(pics, 'a1111_tiny_text.png'), path.join(pics, 'moved', 'duck.png'));
    const s = await importFolder(store, home, { folder: pics });
    expect(s).toMatchObject({ imported: 0, relinked: 1, missing: 0 });
    const after = row(path.join(pics, 'moved', 'duck.png'))!;
    expect(after.id).toBe(before.id);
    expect(after.uuid).toBe(before.uuid);
    expect(after.filePath).toBe(path.join(pics, 'moved', 'duck.png'));
    expect(lib.byPath(path.join(pics, 'a1111_tiny_text.png'))).toBeUndefined();
    expect(lib.under(pics + path.sep)).toHaveLength(FIXTURES.length);
  });

  it('a file moved while the row was already marked missing is relinked too', async () => {
    const p = path.join(pics, 'sdcpp_flux_basic.png');
    const id = lib.byPath(p)!.id;
    fs.renameSync(p, path.join(tmp, 'aside.png'));
    expect(await importFolder(store, home, { folder: pics })).toMatchObject({
      missing: 1,
      imported: 0,
    });
    expect(lib.record(id)!.missing).toBe(true);
    fs.renameSync(path.join(tmp, 'aside.png'), path.join(pics, 'moved', 'flux.png'));
    expect(await importFolder(store, home, { folder: pics })).toMatchObject({
      relinked: 1,
      imported: 0,
      missing: 0,
    });
    expect(lib.record(id)).toMatchObject({
      missing: false,
      filePath: path.join(pics, 'moved', 'flux.png'),
    });
  });

  it('a deleted file is marked missing (row kept), once; when it comes back it is un-marked', async () => {
    const p = path.join(pics, 'invokeai_text.png');
    const id = lib.byPath(p)!.id;
    const bytes = fs.readFileSync(p);
    fs.rmSync(p);
    expect(await importFolder(store, home, { folder: pics })).toMatchObject({
      missing: 1,
      imported: 0,
      relinked: 0,
    });
    expect(lib.record(id)).toMatchObject({ missing: true, source: 'invokeai', seed: '1860920704' });
    expect(await importFolder(store, home, { folder: pics })).toMatchObject({
      missing: 0,
      imported: 0,
    });
    fs.writeFileSync(p, bytes);
    expect(await importFolder(store, home, { folder: pics })).toMatchObject({
      missing: 0,
      relinked: 1,
      imported: 0,
    });
    expect(lib.record(id)!.missing).toBe(false);
  });

  it('a copy next to its still-present original is a new image', async () => {
    fs.copyFileSync(path.join(pics, 'swarmui_params.png'), path.join(pics, 'swarm-copy.png'));
    const s = await importFolder(store, home, { folder: pics });
    expect(s).toMatchObject({ imported: 1, relinked: 0 });
    expect(row(path.join(pics, 'swarm-copy.png'))!.sha256).toBe(
      row(path.join(pics, 'swarmui_params.png'))!.sha256,
    );
  });

  it('--dry-run counts what would happen and writes nothing', async () => {
    const other = path.join(tmp, 'dry');
    fs.mkdirSync(other);
    fs.copyFileSync(path.join(FIX, 'a1111_itxt_utf8.png'), path.join(other, 'x.png')); // same content as a live row → new (original present)
    fs.copyFileSync(path.join(FIX, 'no_metadata_pose_input.png'), path.join(other, 'y.png'));
    fs.rmSync(path.join(pics, 'moved', 'duck.png'));
    const s = await importFolder(store, home, { folder: other, dryRun: true });
    expect(s).toMatchObject({ dryRun: true, imported: 2, total: 2 });
    expect(lib.byPath(path.join(other, 'x.png'))).toBeUndefined();
    const d = await importFolder(store, home, { folder: pics, dryRun: true });
    expect(d).toMatchObject({ missing: 1, imported: 0 });
    expect(lib.byPath(path.join(pics, 'moved', 'duck.png'))!.missing).toBe(false);
  });

  it('an unknown folder is a FOLDER_NOT_FOUND user error', async () => {
    await expect(
      importFolder(store, home, { folder: path.join(tmp, 'nope') }),
    ).rejects.toMatchObject({ code: 'FOLDER_NOT_FOUND' });
  });

  it('files inside the data directory are stored relative to it, as the save node stores them', async () => {
    const out = path.join(home, 'outputs', '2026-01-01');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(
      path.join(out, 'duck.png'),
      await sharp({ create: { width: 6, height: 5, channels: 3, background: '#0a0' } })
        .png()
        .toBuffer(),
    );
    expect(await importFolder(store, home, { folder: path.join(home, 'outputs') })).toMatchObject({
      imported: 1,
    });
    expect(lib.byPath(path.join('outputs', '2026-01-01', 'duck.png'))).toBeDefined();
    expect(lib.byPath(path.join(out, 'duck.png'))).toBeUndefined();
  });

  it('JPEG and WebP keep their embedded parameters (EXIF UserComment, issue 14)', async () => {
    const dir = path.join(tmp, 'phone');
    fs.mkdirSync(dir, { recursive: true });
    const params =
      'a harbour\nNegative prompt: fog\nSteps: 9, Sampler: Euler a, CFG scale: 5, Seed: 77, Size: 32x24, Model: m';
    fs.writeFileSync(path.join(dir, 'a.jpg'), await a1111Jpeg(params));
    fs.writeFileSync(path.join(dir, 'b.webp'), await a1111Webp(params));
    expect(await importFolder(store, home, { folder: dir })).toMatchObject({ imported: 2 });
    for (const f of ['a.jpg', 'b.webp'])
      expect(row(path.join(dir, f)), f).toMatchObject({
        source: 'a1111',
        prompt: 'a harbour',
        negativePrompt: 'fog',
        steps: 9,
        seed: '77',
      });
  });

  it('stops between batches on abort, with whole batches committed', async () => {
    const dir = path.join(tmp, 'abort');
    fs.mkdirSync(dir);
    const base = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123' } })
      .png()
      .toBuffer();
    for (let i = 0; i < 30; i++)
      fs.writeFileSync(
        path.join(dir, `${String(i).padStart(3, '0')}.png`),
        insertTextChunks(base, [
          {
            keyword: 'parameters',
            text: `img ${i}\nSteps: 4, Seed: ${i}, Size: 4x4`,
            chunk: 'tEXt',
          },
        ]),
      );
    const ac = new AbortController();
    const s = await importFolder(store, home, {
      folder: dir,
      batchSize: 10,
      signal: ac.signal,
      onProgress: (p) => p.done === 10 && ac.abort(),
    });
    expect(s).toMatchObject({ aborted: true, imported: 10, missing: 0 });
    expect(lib.under(dir + path.sep)).toHaveLength(10);
    expect(await importFolder(store, home, { folder: dir })).toMatchObject({
      imported: 20,
      skipped: 10,
    });
  });
});

describe('a kill mid-import', () => {
  it('loses at most the batch in flight and leaves no half-written rows; the next run completes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-kill-'));
    try {
      const h = path.join(dir, 'home');
      const src = path.join(dir, 'src');
      fs.mkdirSync(src);
      const base = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#321' } })
        .png()
        .toBuffer();
      for (let i = 0; i < 120; i++) {
        fs.writeFileSync(
          path.join(src, `${String(i).padStart(3, '0')}.png`),
          insertTextChunks(base, [
            {
              keyword: 'parameters',
              text: `kill ${i}\nNegative prompt: x\nSteps: 3, Seed: ${i}, Size: 4x4`,
              chunk: 'tEXt',
            },
          ]),
        );
      }
      // The child SIGKILLs itself while it reads the third batch (after two commits).
      const script = path.join(dir, 'child.mts');
      fs.writeFileSync(
        script,
        `
        import { Store } from ${JSON.stringify(path.join(REPO_ROOT, 'runtime/store/index.ts'))};
        import { importFolder } from ${JSON.stringify(path.join(REPO_ROOT, 'runtime/library/import.ts'))};
        const store = Store.open(${JSON.stringify(path.join(h, 'mysticanvas.db'))});
        await importFolder(store, ${JSON.stringify(h)}, { folder: ${JSON.stringify(src)}, batchSize: 25, concurrency: 1,
          onProgress: (p) => { if (p.phase === 'import' && p.done === 50) setImmediate(() => process.kill(process.pid, 'SIGKILL')); } });
        console.log('not killed');
      `,
      );
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(r.signal, r.stderr).toBe('SIGKILL');
      expect(r.stdout).not.toMatch(/not killed/);

      const st = Store.open(path.join(h, 'mysticanvas.db'));
      try {
        expect(st.integrityCheck()).toBe('ok');
        const l = new ImportStore(st.db);
        const rows = l.under(src + path.sep);
        expect(rows).toHaveLength(50);
        // Every committed generation has its file row (under() joins them) and no other row exists.
        for (let id = 1; id <= 50; id++)
          expect(l.record(id)).toMatchObject({ source: 'a1111', negativePrompt: 'x' });
        expect(l.record(51)).toBeUndefined();
        expect(await importFolder(st, h, { folder: src })).toMatchObject({
          imported: 70,
          skipped: 50,
          failed: 0,
        });
        expect(l.under(src + path.sep)).toHaveLength(120);
      } finally {
        st.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
