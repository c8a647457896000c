/**
 * What every benchmark in tests/bench/ shares: the row it reports, the percentile it uses, and
 * the warm-up-then-sample timing loops. One definition, so that "p95" means the same thing in
 * every section of `npm run bench`.
 */

/** One line of the bench table (tests/bench/run.ts prints these). */
export interface BenchRow {
  op: string;
  /** Timed samples behind p50/p95 (or items processed, for throughput rows). */
  n: number;
  p50: number;
  p95: number;
  /** Unit of p50/p95: 'µs', 'ms', '/s', 'tok/s', '×' (ratio), 'renders'. */
  unit: string;
  /** The target in words, e.g. '≤ 10 µs'. */
  target?: string;
  /** Whether the target was met; absent when the row has no checked target. */
  ok?: boolean;
  note?: string;
}

/**
 * Lower nearest-rank percentile: the sorted sample at index ⌊p/100 · n⌋ (clamped to the last).
 * `p` is 0–100 (5 gives the slowest 5 % edge of a higher-is-better series). Does not modify `xs`.
 * @returns NaN for an empty series.
 */
export function percentile(xs: ArrayLike<number>, p: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** `v` rounded to `decimals` decimal places (for table cells; NaN stays NaN). */
export function round(v: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

/** p50 and p95 of `xs`, each rounded to `decimals` places. */
export function p50p95(xs: ArrayLike<number>, decimals: number): { p50: number; p95: number } {
  return { p50: round(percentile(xs, 50), decimals), p95: round(percentile(xs, 95), decimals) };
}

export type TimeUnit = 'µs' | 'ms';
const NS_PER: Record<TimeUnit, number> = { µs: 1e3, ms: 1e6 };

/** Elapsed time since `t0` (a `process.hrtime.bigint()` reading) in `unit`. */
export function since(t0: bigint, unit: TimeUnit): number {
  return Number(process.hrtime.bigint() - t0) / NS_PER[unit];
}

/**
 * Calls `fn(i)` for i = 0…warmup−1 untimed (JIT, page cache), then for i = 0…n−1 timed one call at
 * a time with the monotonic clock.
 * @returns the n durations in `unit`, in call order.
 */
export function sampleSync(
  n: number,
  fn: (i: number) => unknown,
  o: { warmup: number; unit: TimeUnit },
): number[] {
  for (let i = 0; i < Math.min(o.warmup, n); i++) fn(i);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    out[i] = since(t0, o.unit);
  }
  return out;
}

/** {@link sampleSync} for an async `fn`: each call is awaited before the next starts. */
export async function sampleAsync(
  n: number,
  fn: (i: number) => Promise<unknown> | unknown,
  o: { warmup: number; unit: TimeUnit },
): Promise<number[]> {
  for (let i = 0; i < Math.min(o.warmup, n); i++) await fn(i);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    out[i] = since(t0, o.unit);
  }
  return out;
}
