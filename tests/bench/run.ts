/**
 * `npm run bench`: runs every benchmark module and prints one table of per-operation costs with
 * their targets (anchors-performance.md §12). `npm run bench -- --long` uses the large sizes
 * (1,000,000 gallery rows). Exit code is 0 even when a target is missed: targets are reported,
 * not enforced here (timed assertions do not belong in tests on a shared 2-core machine).
 */
import { benchRuntime } from './runtime-bench';
import type { BenchRow } from './stats';

const long = process.argv.includes('--long');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);

type Row = {
  group: string;
  op: string;
  n: number;
  p50: string;
  p95: string;
  target: string;
  ok: string;
  note: string;
};
const rows: Row[] = [];
const fmt = (v: number | undefined, unit: string) =>
  v === undefined ? '' : `${v < 10 ? v.toFixed(3) : v.toFixed(1)} ${unit}`;
const add = (group: string, r: BenchRow) =>
  rows.push({
    group,
    op: r.op,
    n: r.n,
    p50: fmt(r.p50, r.unit),
    p95: fmt(r.p95, r.unit),
    target: r.target ?? '',
    ok: r.ok === undefined ? '' : r.ok ? 'yes' : 'NO',
    note: r.note ?? '',
  });

async function section(name: string, f: () => Promise<void>) {
  if (only && only !== name) return;
  const t0 = Date.now();
  try {
    await f();
  } catch (err) {
    rows.push({
      group: name,
      op: `(failed: ${(err as Error).message})`,
      n: 0,
      p50: '',
      p95: '',
      target: '',
      ok: 'NO',
      note: '',
    });
  }
  console.error(`  ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// Each bench module is loaded only when its section runs: the editor bench pulls in Playwright,
// the LLM bench node-llama-cpp. A module that fails to load shows as a failed row.
const benches: [name: string, run: () => Promise<BenchRow[]>][] = [
  ['runtime', () => benchRuntime()],
  ['submit', async () => (await import('./submit-bench')).benchSubmit()],
  ['png', async () => (await import('./png-bench')).benchPng()],
  [
    'gallery',
    async () =>
      (await import('./gallery-bench')).benchGallery({ rows: long ? 1_000_000 : 100_000 }),
  ],
  [
    'import',
    async () => (await import('./import-bench')).benchImport({ files: long ? 10_000 : 2_000 }),
  ],
  ['editor', async () => (await import('./editor-bench')).benchEditor()],
  ['sd', async () => (await import('./sd-bench')).benchSd()],
  ['llm', async () => (await import('./llm-bench')).benchLlm()],
  ['search', async () => (await import('./search-bench')).benchSearch()],
  ['load', async () => (await import('./load-bench')).benchLoad()],
];
for (const [name, run] of benches) {
  await section(name, async () => {
    for (const r of await run()) add(name, r);
  });
}

const cols: (keyof Row)[] = ['group', 'op', 'n', 'p50', 'p95', 'target', 'ok', 'note'];
const width = Object.fromEntries(
  cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c]).length))]),
) as Record<keyof Row, number>;
const line = (r: Record<keyof Row, unknown>) =>
  `| ${cols.map((c) => String(r[c]).padEnd(width[c])).join(' | ')} |`;
console.log(line(Object.fromEntries(cols.map((c) => [c, c])) as Record<keyof Row, unknown>));
console.log(`|${cols.map((c) => '-'.repeat(width[c] + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
