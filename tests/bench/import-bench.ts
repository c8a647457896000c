/**
 * Library import benchmarks (issue 7 "Done when": importing 10,000 PNGs on 2 cores ≤ 10 s).
 * Generates `files` small PNGs (one sharp-encoded 64×64 image with a distinct A1111 `parameters`
 * chunk each, so every file has its own hash), then measures, on a fresh SQLite library:
 * - the header-only metadata read per file (readPngTextFile mode 'header'; target ≤ 100 µs),
 * - the importer's per-file read (whole file + SHA-256 + chunk walk + metadata import),
 * - a first import of the folder (files/s), a second one that finds nothing new (files/s),
 *   and an import after moving 10 % of the files into a sub-folder (relinked by hash).
 * Run alone: `npx tsx tests/bench/import-bench.ts [files]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Store } from '../../runtime/store';
import { importFolder } from '../../runtime/library/import';
import { readImageFile } from '../../runtime/library/import-read';
import { readPngTextFile } from '../../runtime/png/read';
import { insertTextChunks } from '../../runtime/png/write';
import { p50p95, sampleAsync, since, type BenchRow } from './stats';

const SAMPLERS = ['Euler a', 'DPM++ 2M', 'UniPC', 'DDIM'];

async function makeFiles(dir: string, n: number): Promise<string[]> {
  const raw = Buffer.alloc(64 * 64 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * 2654435761) >>> 24; // deterministic noise
  const base = await sharp(raw, { raw: { width: 64, height: 64, channels: 3 } })
    .png()
    .toBuffer();
  const files: string[] = [];
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `batch-${String(Math.floor(i / 500)).padStart(3, '0')}`);
    if (i % 500 === 0) fs.mkdirSync(sub, { recursive: true });
    const text =
      `a lighthouse at dusk, number ${i}, oil painting <lora:detail:0.${i % 10}>\n` +
      `Negative prompt: blurry, lowres\n` +
      `Steps: ${20 + (i % 10)}, Sampler: ${SAMPLERS[i % 4]}, Schedule type: Karras, CFG scale: 7, Seed: ${1000 + i}, Size: 64x64, ` +
      `Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1`;
    const f = path.join(sub, `${String(i).padStart(6, '0')}.png`);
    fs.writeFileSync(f, insertTextChunks(base, [{ keyword: 'parameters', text, chunk: 'tEXt' }]));
    files.push(f);
  }
  return files;
}

/** `fn` timed once per file (µs to 0.1), after untimed calls on the first 50 (JIT, page cache). */
async function perFile(
  op: string,
  files: string[],
  fn: (f: string) => unknown,
  target?: string,
): Promise<BenchRow> {
  const t = await sampleAsync(files.length, (i) => fn(files[i]!), { warmup: 50, unit: 'µs' });
  return { op, n: files.length, ...p50p95(t, 1), unit: 'µs', ...(target ? { target } : {}) };
}

/** One timed call of `fn` that handles `n` files; reported as files per second (p50 = p95). */
async function timed(
  op: string,
  n: number,
  fn: () => Promise<unknown>,
  target?: string,
): Promise<BenchRow> {
  const t0 = process.hrtime.bigint();
  await fn();
  const perSecond = Math.round(n / (since(t0, 'ms') / 1000));
  return { op, n, p50: perSecond, p95: perSecond, unit: '/s', ...(target ? { target } : {}) };
}

/** Runs the import benchmarks on `files` generated PNGs; one row per op. */
export async function benchImport(opts: { files: number }): Promise<BenchRow[]> {
  const n = Math.max(100, opts.files);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-import-bench-'));
  const rows: BenchRow[] = [];
  try {
    const dir = path.join(tmp, 'images');
    const files = await makeFiles(dir, n);
    rows.push(
      await perFile(
        'png.readHeader (from disk, per file)',
        files,
        (f) => readPngTextFile(f, { mode: 'header' }),
        '≤ 100 µs',
      ),
    );
    rows.push(
      await perFile('import.readImageFile (read + sha256 + metadata, per file)', files, (f) =>
        readImageFile(f),
      ),
    );

    const home = path.join(tmp, 'home');
    const store = Store.open(path.join(home, 'mysticanvas.db'));
    try {
      let first;
      rows.push(
        await timed(
          `import.folder first run (${n} new files, files/s)`,
          n,
          async () => {
            first = await importFolder(store, home, { folder: dir });
          },
          '≥ 1,000/s (10,000 in ≤ 10 s)',
        ),
      );
      if (first!.imported !== n) throw new Error(`imported ${first!.imported} of ${n}`);
      rows.push(
        await timed(`import.folder second run (nothing new, files/s)`, n, async () => {
          const s = await importFolder(store, home, { folder: dir });
          if (s.imported || s.skipped !== n) throw new Error(`second run imported ${s.imported}`);
        }),
      );
      const moved = path.join(dir, 'moved');
      fs.mkdirSync(moved);
      const toMove = files.filter((_, i) => i % 10 === 0);
      for (const f of toMove) fs.renameSync(f, path.join(moved, path.basename(f)));
      rows.push(
        await timed(`import.folder after moving ${toMove.length} files (files/s)`, n, async () => {
          const s = await importFolder(store, home, { folder: dir });
          if (s.relinked !== toMove.length || s.imported)
            throw new Error(`relinked ${s.relinked}, imported ${s.imported}`);
        }),
      );
    } finally {
      store.close();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchImport({ files: Number(process.argv[2] ?? 2000) });
  for (const r of rows) console.log(JSON.stringify(r));
}
