/**
 * `npm run bench`: runs every benchmark module and prints one table of per-operation costs with
 * their targets (anchors-performance.md §12). `npm run bench -- --long` uses the large sizes
 * (1,000,000 gallery rows). Exit code is 0 even when a target is missed: targets are reported,
 * not enforced here (timed assertions do not belong in tests on a shared 2-core machine).
 */
import { benchRuntime, type BenchRow } from './runtime-bench';

const long = process.argv.includes('--long');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);

type Row = { group: string; op: string; n: number; p50: string; p95: string; target: string; ok: string; note: string };
const rows: Row[] = [];
const fmt = (v: number | undefined, unit: string) => (v === undefined ? '' : `${v < 10 ? v.toFixed(3) : v.toFixed(1)} ${unit}`);
const add = (group: string, r: BenchRow) =>
  rows.push({ group, op: r.op, n: r.n, p50: fmt(r.p50, r.unit), p95: fmt(r.p95, r.unit), target: r.target ?? '', ok: r.ok === undefined ? '' : r.ok ? 'yes' : 'NO', note: r.note ?? '' });

async function section(name: string, f: () => Promise<void>) {
  if (only && only !== name) return;
  const t0 = Date.now();
  try {
    await f();
  } catch (err) {
    rows.push({ group: name, op: `(failed: ${(err as Error).message})`, n: 0, p50: '', p95: '', target: '', ok: 'NO', note: '' });
  }
  console.error(`  ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

await section('runtime', async () => {
  for (const r of await benchRuntime()) add('runtime', r);
});

await section('png', async () => {
  const m = await import('./png-bench').catch(() => null);
  if (!m) return;
  for (const r of await m.benchPng()) add('png', { op: r.op, n: r.n, p50: r.p50Us, p95: r.p95Us, unit: 'µs', ...(r.target ? { target: r.target } : {}) });
});

await section('gallery', async () => {
  const m = await import('./gallery-bench' as string).catch(() => null);
  if (!m) return;
  for (const r of await m.benchGallery({ rows: long ? 1_000_000 : 100_000 })) add('gallery', { unit: 'ms', ...r, p50: r.p50Ms, p95: r.p95Ms });
});

await section('import', async () => {
  const m = await import('./import-bench' as string).catch(() => null);
  if (!m) return;
  for (const r of await m.benchImport({ files: long ? 10_000 : 2_000 })) {
    add('import', { op: r.op, n: r.n, p50: r.p50Us ?? r.perSecond, p95: r.p95Us ?? r.perSecond, unit: r.p50Us !== undefined ? 'µs' : ('/s' as never), ...(r.target ? { target: r.target } : {}) });
  }
});

await section('editor', async () => {
  const m = await import('./editor-bench' as string).catch(() => null);
  if (!m) return;
  for (const r of await m.benchEditor()) add('editor', { ...r, unit: r.unit ?? 'ms', p50: r.p50Ms, p95: r.p95Ms });
});

await section('sd', async () => {
  const m = await import('./sd-bench' as string).catch(() => null);
  if (!m) return;
  for (const r of await m.benchSd()) add('sd', { ...r, unit: r.unit ?? 'ms', p50: r.p50Ms, p95: r.p95Ms });
});

await section('llm', async () => {
  const m = await import('./llm-bench' as string).catch(() => null);
  if (!m) return;
  for (const r of await m.benchLlm()) add('llm', { ...r, unit: r.unit ?? 'ms', p50: r.p50Ms, p95: r.p95Ms });
});

const cols: (keyof Row)[] = ['group', 'op', 'n', 'p50', 'p95', 'target', 'ok', 'note'];
const width = Object.fromEntries(cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => String(r[c]).length))])) as Record<keyof Row, number>;
const line = (r: Record<keyof Row, unknown>) => `| ${cols.map((c) => String(r[c]).padEnd(width[c])).join(' | ')} |`;
console.log(line(Object.fromEntries(cols.map((c) => [c, c])) as Record<keyof Row, unknown>));
console.log(`|${cols.map((c) => '-'.repeat(width[c] + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
