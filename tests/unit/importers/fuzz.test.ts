/**
 * Seeded mutation fuzzing of every fixture (issue 7 "done when"): flipped bytes, cut files,
 * spliced regions. Every outcome must be a graph or a UserError with a code — never another
 * exception, never a hang. MYSTI_FUZZ_N overrides the count (default 10 000).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importWorkflow } from '../../../runtime/importers';
import { UserError } from '../../../runtime/errors';
import { FIXTURES_DIR } from '../../helpers/temp-home';
import { rng } from '../../helpers/rng';

const N = Number(process.env.MYSTI_FUZZ_N ?? 10_000);
const dirs = [`${FIXTURES_DIR}/png`, `${FIXTURES_DIR}/json`];
// Small files mutate into more interesting cases per ms; the big PNGs are cut to their text part + tail.
const corpus = dirs.flatMap((d) =>
  readdirSync(d).map((f) => {
    const b = readFileSync(`${d}/${f}`);
    return b.length > 64 * 1024
      ? Buffer.concat([b.subarray(0, 16 * 1024), b.subarray(b.length - 4096)])
      : b;
  }),
);

function mutate(src: Buffer, r: () => number): Buffer {
  const b = Buffer.from(src);
  const kind = Math.floor(r() * 4);
  if (kind === 0) {
    for (let i = 0, n = 1 + Math.floor(r() * 8); i < n; i++)
      b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
    return b;
  }
  if (kind === 1) return b.subarray(0, Math.floor(r() * b.length));
  const at = Math.floor(r() * b.length);
  const from = Math.floor(r() * b.length);
  const len = Math.floor(r() * 256);
  if (kind === 2)
    return Buffer.concat([b.subarray(0, at), b.subarray(from, from + len), b.subarray(at)]);
  return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + len))]);
}

describe('fuzz', () => {
  it(`${N} seeded mutations: only graphs or coded UserErrors`, () => {
    const r = rng(20260707);
    const codes = new Map<string, number>();
    let ok = 0;
    for (let i = 0; i < N; i++) {
      const input = mutate(corpus[i % corpus.length]!, r);
      try {
        importWorkflow({ bytes: input });
        ok++;
      } catch (e) {
        if (!(e instanceof UserError)) throw new Error(`case ${i}: non-user error ${String(e)}`);
        codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
      }
    }
    expect(ok + [...codes.values()].reduce((a, b) => a + b, 0)).toBe(N);
    expect(ok).toBeGreaterThan(0);
    for (const c of codes.keys())
      expect([
        'NO_METADATA',
        'PNG_INVALID',
        'PNG_TRUNCATED',
        'METADATA_TOO_LARGE',
        'UNSUPPORTED_FORMAT',
        'WORKFLOW_INVALID',
        'GRAPH_VERSION_UNSUPPORTED',
      ]).toContain(c);
  });
});
