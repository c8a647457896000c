/**
 * Gallery benchmarks (issue 8; targets from anchors-performance.md §12 items 9–11 and 15):
 * `rows` synthetic generations (100 k; 1 M with `npm run bench -- --long`) in a real on-disk
 * SQLite database migrated by the runtime, queried through the runtime's own GalleryQueries /
 * LibraryStore, and real sharp thumbnails.
 *
 * - keyset page (50) at any depth p95 ≤ 2 ms; last-page / first-page p50 ratio ≤ 1.5, with the
 *   OFFSET equivalent printed beside it for contrast (never used by the gallery);
 * - FTS newest-first top 50 ≤ 5 ms p95;
 * - full ancestry (≈ 490 ancestors, 49 levels) ≤ 15 ms p95;
 * - thumbnails (256 px WebP from 1024² PNG, 2 in parallel) ≥ 40 per second.
 *
 * Run alone: `npx tsx tests/bench/gallery-bench.ts [--rows=N]`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { openDb, type Db } from '../../runtime/store/db';
import { galleryStores } from '../../runtime/store/gallery-stores';
import { renderThumbnail } from '../../runtime/jobs/thumbs';
import type { GalleryFilter } from '../../runtime/store/gallery';
import { rng } from '../helpers/rng';
import { p50p95, round, sampleSync, type BenchRow } from './stats';

const SUBJECTS = [
  'cat',
  'dog',
  'castle',
  'lighthouse',
  'forest',
  'city',
  'robot',
  'dragon',
  'portrait',
  'ship',
  'mountain',
  'garden',
];
const STYLES = [
  'oil painting',
  'watercolor',
  'neon',
  'cyberpunk',
  'photorealistic',
  'ink sketch',
  'pixel art',
  'baroque',
  'anime',
  'low poly',
];
const EXTRA = Array.from({ length: 2000 }, (_, k) => `w${k.toString(36)}`);
const TAGS = Array.from({ length: 200 }, (_, k) =>
  k < SUBJECTS.length ? SUBJECTS[k]! : `tag ${k}`,
);

/** Zipf-ish pick: low indexes much more often (prompt vocabularies are like that). */
const zipf = (r: () => number, n: number) => Math.min(n - 1, Math.floor(n ** r() - 1));

/**
 * Fills `db` with `rows` generations: prompts from a skewed vocabulary, 1–3 tags each, 5 models,
 * 5 % favorites, 1 % trashed, and lineage in families of 500 (50 layers × 10; each image has two
 * parents in the layer before), so the last layer's images have ≈ 490 ancestors.
 */
export function populate(db: Db, rows: number): { leafIds: number[] } {
  const r = rng(42);
  const t0 = Date.UTC(2024, 0, 1);
  const insGen =
    db.prepare(`INSERT INTO generations (uuid, artifact_id, file_path, created_at, prompt, negative_prompt, seed, width, height, steps,
    cfg_scale, sampler, model_id, model_name, is_favorite, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 20, 7, 'euler_a', ?, ?, ?, ?)`);
  const insArt = db.prepare(
    "INSERT INTO artifacts (id, kind, path, created_at) VALUES (?, 'image', ?, ?)",
  );
  const insEdge = db.prepare(
    "INSERT OR IGNORE INTO artifact_parents (artifact_id, parent_id, port) VALUES (?, ?, 'image')",
  );
  const tagIds = TAGS.map((name) => {
    db.prepare('INSERT OR IGNORE INTO tags (name, normalized_name) VALUES (?, ?)').run(name, name);
    return (db.prepare('SELECT id FROM tags WHERE normalized_name = ?').get(name) as { id: number })
      .id;
  });
  const insTag = db.prepare(
    'INSERT OR IGNORE INTO image_tags (generation_id, tag_id, source, confidence) VALUES (?, ?, ?, ?)',
  );
  const leafIds: number[] = [];
  let family: string[] = [];
  const BATCH = 20_000;
  for (let start = 0; start < rows; start += BATCH) {
    db.transaction(() => {
      for (let i = start; i < Math.min(rows, start + BATCH); i++) {
        const words = [
          SUBJECTS[zipf(r, SUBJECTS.length)],
          STYLES[zipf(r, STYLES.length)],
          ...Array.from({ length: 12 }, () => EXTRA[zipf(r, EXTRA.length)]),
        ];
        const art = randomUUID();
        const file = `outputs/bench/${i}.png`;
        // Mostly increasing time with jitter, and some equal timestamps (batch saves).
        const created = t0 + i * 1000 - Math.floor(r() * 3) * 1000;
        insArt.run(art, file, created);
        const k = i % 500;
        if (k === 0) family = [];
        const layer = Math.floor(k / 10);
        if (layer > 0) {
          const prev = family.slice((layer - 1) * 10, layer * 10);
          insEdge.run(art, prev[Math.floor(r() * prev.length)]);
          insEdge.run(art, prev[Math.floor(r() * prev.length)]);
        }
        family.push(art);
        const id = Number(
          insGen.run(
            randomUUID(),
            art,
            file,
            created,
            words.join(', '),
            r() < 0.3 ? 'blurry, lowres' : null,
            Math.floor(r() * 2 ** 31),
            512 + 512 * (i % 2),
            512,
            `model-${zipf(r, 5)}`,
            'm',
            r() < 0.05 ? 1 : 0,
            r() < 0.01 ? created + 1 : null,
          ).lastInsertRowid,
        );
        if (k === 499) leafIds.push(id);
        for (let n = 1 + Math.floor(r() * 3); n > 0; n--)
          insTag.run(id, tagIds[zipf(r, tagIds.length)], r() < 0.5 ? 'user' : 'llm_auto', 0.9);
      }
    })();
  }
  db.exec('ANALYZE');
  return { leafIds };
}

/** `n` timed calls `fn(k)` after up to 20 untimed ones; ms to 0.001. */
function measure(n: number, fn: (k: number) => void): { p50: number; p95: number } {
  return p50p95(sampleSync(n, fn, { warmup: 20, unit: 'ms' }), 3);
}

/** A smooth 1024² image with mild noise: compresses and decodes like a typical generated picture. */
async function samplePng(file: string, seed: number): Promise<void> {
  const w = 1024;
  const r = rng(seed);
  const px = Buffer.alloc(w * w * 3);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      const n = (r() - 0.5) * 10;
      px[o] = 128 + 100 * Math.sin((x + seed * 37) / 97) + n;
      px[o + 1] = 128 + 100 * Math.sin((y + x / 3) / 71) + n;
      px[o + 2] = 128 + 100 * Math.cos((x - y) / 53) + n;
    }
  }
  await sharp(px, { raw: { width: w, height: w, channels: 3 } })
    .png()
    .toFile(file);
}

async function benchThumbs(dir: string, count: number): Promise<BenchRow> {
  const files: string[] = [];
  for (let k = 0; k < 8; k++) {
    const f = path.join(dir, `src${k}.png`);
    await samplePng(f, k);
    files.push(f);
  }
  await renderThumbnail(files[0]!); // warm-up: libvips start-up
  const per: number[] = [];
  let next = 0;
  const t0 = performance.now();
  const lane = async () => {
    while (next < count) {
      const k = next++;
      const a = performance.now();
      await renderThumbnail(files[k % files.length]!);
      per.push(performance.now() - a);
    }
  };
  await Promise.all([lane(), lane()]);
  const wall = performance.now() - t0;
  const perSecond = (count / wall) * 1000;
  return {
    op: 'thumbnail 256px WebP from 1024² PNG, 2 parallel (ms per image, one lane)',
    n: count,
    ...p50p95(per, 1),
    unit: 'ms',
    target: '≥ 40 images/s',
    ok: perSecond >= 40,
    note: `${perSecond.toFixed(1)} images/s wall`,
  };
}

/** Runs the gallery benchmarks on `opts.rows` synthetic generations; one row per operation. */
export async function benchGallery(opts: { rows: number }): Promise<BenchRow[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-gallery-bench-'));
  const db = openDb(path.join(dir, 'bench.db'));
  const out: BenchRow[] = [];
  try {
    const tBuild = performance.now();
    const { leafIds } = populate(db, opts.rows);
    const buildS = (performance.now() - tBuild) / 1000;
    const g = galleryStores(db);

    // Every page's cursor, by walking the whole gallery once (this is also what a user scrolling does).
    const cursors: (string | null)[] = [null];
    for (let c: string | null = null; ;) {
      const p = g.queries.list({}, { cursor: c, limit: 50 });
      if (!p.nextCursor) break;
      cursors.push((c = p.nextCursor));
    }
    const pages = cursors.length;
    const r = rng(7);
    // First and last page sampled alternately, so drift in machine load hits both sides alike.
    const both = sampleSync(
      600,
      (i) => g.queries.list({}, { cursor: i % 2 ? cursors[pages - 1]! : null, limit: 50 }),
      { warmup: 40, unit: 'ms' },
    );
    const first = p50p95(
      both.filter((_, i) => i % 2 === 0),
      3,
    );
    const last = p50p95(
      both.filter((_, i) => i % 2 === 1),
      3,
    );
    const any = measure(1000, () =>
      g.queries.list({}, { cursor: cursors[Math.floor(r() * pages)]!, limit: 50 }),
    );
    out.push({
      op: `keyset page of 50, random depth (${pages} pages; built in ${buildS.toFixed(1)} s)`,
      n: 1000,
      ...any,
      unit: 'ms',
      target: 'p95 ≤ 2 ms',
      ok: any.p95 <= 2,
    });
    out.push({ op: 'keyset first page', n: 300, ...first, unit: 'ms' });
    out.push({
      op: 'keyset last page',
      n: 300,
      ...last,
      unit: 'ms',
      target: 'p95 ≤ 2 ms',
      ok: last.p95 <= 2,
    });
    const ratio = last.p50 / Math.max(first.p50, 1e-6);
    // Contrast only: the same page by OFFSET (the gallery never does this).
    const offsetSql = db.prepare(
      `SELECT id FROM generations INDEXED BY gen_live_created WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 50 OFFSET ?`,
    );
    const offFirst = measure(50, () => offsetSql.all(0));
    const offLast = measure(50, () => offsetSql.all((pages - 1) * 50));
    out.push({
      op: 'last/first page ratio (keyset)',
      n: 300,
      p50: round(ratio, 2),
      p95: round(last.p95 / Math.max(first.p95, 1e-6), 2),
      unit: '×',
      target: 'p50 ratio ≤ 1.5',
      ok: ratio <= 1.5,
      note: `OFFSET for contrast: first ${offFirst.p50} ms, last ${offLast.p50} ms (ratio ${(offLast.p50 / Math.max(offFirst.p50, 1e-6)).toFixed(0)}x)`,
    });
    out.push({ op: 'OFFSET last page (contrast, not used)', n: 50, ...offLast, unit: 'ms' });

    const filtered: [string, GalleryFilter][] = [
      ['tag filter page', { tag: TAGS[3]! }],
      ['model filter page', { model: 'model-2' }],
      ['favorites page', { favorite: true }],
      ['tag + favorite page', { tag: TAGS[0]!, favorite: true }],
    ];
    for (const [op, f] of filtered) {
      const m = measure(300, () => g.queries.list(f, { limit: 50 }));
      out.push({ op, n: 300, ...m, unit: 'ms', target: 'p95 ≤ 2 ms', ok: m.p95 <= 2 });
    }

    // One-letter and short prefixes are what search-as-you-type sends first (they were the slow ones before 0050).
    // A trailing space marks a finished word: an exact term instead of a prefix merge.
    const searches = [
      'w',
      'c',
      'neon c',
      'tag 1',
      'cat',
      'lighthouse',
      'lighthouse ',
      'blurry',
      'blurry ',
      'neon cat',
      'w1',
      'castle w2',
      'baroque dragon',
      'w9x',
      'nosuchword',
    ];
    for (const q of searches) {
      const hits = g.queries.list({ q }, { limit: 50 }).items.length;
      const m = measure(200, () => g.queries.list({ q }, { limit: 50 }));
      out.push({
        op: `FTS newest-first "${q}" (${hits} on page 1)`,
        n: 200,
        ...m,
        unit: 'ms',
        target: 'p95 ≤ 5 ms',
        ok: m.p95 <= 5,
      });
    }
    // Search as you type with the other filters on (issue 19: every query shape ≤ 5 ms p95).
    const filteredSearches: [string, GalleryFilter][] = [
      ['"lighthous" + tag', { q: 'lighthous', tag: TAGS[3]! }],
      ['"blurr" + model', { q: 'blurr', model: 'model-2' }],
      ['"lighthous" + favorites', { q: 'lighthous', favorite: true }],
      ['"neon drag" + model', { q: 'neon drag', model: 'model-1' }],
      ['"lighthous" + a 0.25 % tag', { q: 'lighthous', tag: TAGS[150]! }],
      ['"nosuchword" + a 0.25 % tag', { q: 'nosuchword', tag: TAGS[150]! }],
    ];
    for (const [op, f] of filteredSearches) {
      const hits = g.queries.list(f, { limit: 50 }).items.length;
      const m = measure(200, () => g.queries.list(f, { limit: 50 }));
      out.push({
        op: `FTS newest-first ${op} (${hits} on page 1)`,
        n: 200,
        ...m,
        unit: 'ms',
        target: 'p95 ≤ 5 ms',
        ok: m.p95 <= 5,
      });
    }

    let ancestors = 0;
    const anc = measure(Math.min(300, leafIds.length * 3), (k) => {
      ancestors = g.library.ancestors(leafIds[k % leafIds.length]!).length;
    });
    out.push({
      op: `full ancestry (${ancestors} ancestors, 49 levels)`,
      n: Math.min(300, leafIds.length * 3),
      ...anc,
      unit: 'ms',
      target: 'p95 ≤ 15 ms',
      ok: anc.p95 <= 15,
    });
    const rootish = measure(300, (k) => g.library.descendants(leafIds[k % leafIds.length]! - 499));
    out.push({
      op: 'full descendants of a family root',
      n: 300,
      ...rootish,
      unit: 'ms',
      target: 'p95 ≤ 15 ms',
      ok: rootish.p95 <= 15,
    });

    out.push(await benchThumbs(dir, 80));
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv.find((a) => a.startsWith('--rows='))?.slice(7) ?? 100_000);
  console.table(await benchGallery({ rows }));
}
