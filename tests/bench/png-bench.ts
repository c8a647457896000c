/**
 * PNG metadata benchmarks (anchors-performance.md §9): header-only text read per file from disk
 * (target ≤ 100 µs; the anchor's chunk walker measured 48 µs) and full importWorkflow per fixture
 * (bytes already in memory: chunk walk + JSON parse + mapping + loadGraph).
 * Run alone: `npx tsx tests/bench/png-bench.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPngTextFile } from '../../runtime/png/read';
import { importWorkflow } from '../../runtime/importers/index';
import { FIXTURES_DIR } from '../helpers/temp-home';
import { p50p95, sampleSync, type BenchRow } from './stats';

/** `n` timed calls of `fn` after up to 50 untimed ones (JIT and page cache); µs to 0.1. */
function measure(op: string, n: number, fn: () => void, target?: string): BenchRow {
  const t = sampleSync(n, fn, { warmup: 50, unit: 'µs' });
  return { op, n, ...p50p95(t, 1), unit: 'µs', ...(target ? { target } : {}) };
}

/** Runs the PNG benchmarks; one row per op. */
export async function benchPng(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const pngDir = join(FIXTURES_DIR, 'png');
  const pngs = readdirSync(pngDir)
    .filter((f) => f.endsWith('.png'))
    .sort();
  const paths = pngs.map((f) => join(pngDir, f));
  let i = 0;
  rows.push(
    measure(
      'png.readHeader (per file, all fixtures)',
      4000,
      () => {
        readPngTextFile(paths[i++ % paths.length]!, { mode: 'header' });
      },
      '≤ 100 µs',
    ),
  );
  for (const f of pngs) {
    rows.push(
      measure(`png.readHeader ${f}`, 500, () =>
        readPngTextFile(join(pngDir, f), { mode: 'header' }),
      ),
    );
  }
  const files = [
    ...pngs.map((f) => join(pngDir, f)),
    ...readdirSync(join(FIXTURES_DIR, 'json')).map((f) => join(FIXTURES_DIR, 'json', f)),
  ];
  for (const path of files) {
    const bytes = readFileSync(path);
    const name = path.slice(FIXTURES_DIR.length + 1);
    rows.push(
      measure(`importWorkflow ${name}`, 300, () => {
        try {
          importWorkflow({ bytes });
        } catch {
          // no_metadata_pose_input.png throws NO_METADATA by design; that path is timed too.
        }
      }),
    );
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.table(await benchPng());
}
