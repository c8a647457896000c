/**
 * Every file write of the product is a named write point (issue 18 §2): a call that writes or
 * moves a file — `writeFileSync`, `appendFileSync`, `writeFile`, `renameSync`/`rename`,
 * `copyFileSync`, `cpSync`, `createWriteStream`, `openSync(…, 'w'|'a'|'r+')`, sharp's `toFile`, and
 * the crash-safe helpers `writeFileAtomic`/`moveFileDurable` — must have a `writePoint('<name>')`
 * call within a few lines (so the fault loop in tests/fault/write-points.test.ts kills there), or a
 * `// write-point: none — <why>` comment saying why a crash there cannot hurt the library.
 * Database-only writes are single SQLite transactions (atomic by themselves); the ones inside
 * multi-step sequences are named at their call sites.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WRITE_POINTS } from '../../../runtime/fs/write-points';
import { REPO_ROOT } from '../../helpers/temp-home';

const ROOTS = ['runtime', 'nodes', 'workers', 'wire'];
/** The helpers themselves: their callers carry the names. */
const HELPERS = new Set(['runtime/fs/atomic.ts', 'runtime/fs/write-points.ts']);
// `rename(` alone is fs/promises' (imported bare); `x.rename(` only on fs objects — a store's rename() of a tag is no file move.
const WRITE =
  /\b(?:writeFileSync|appendFileSync|writeFile|renameSync|(?:(?<![.\w])|\b(?:fs|fsp|fsPromises|promises)\.)rename|copyFileSync|copyFile|cpSync|createWriteStream|writeFileAtomic|moveFileDurable)\s*\(|\.toFile\s*\(|\bopenSync\s*\([^)]*['"](?:w|a|r\+|wx|ax)['"]/;
const NEAR = 8;
/** A class method's own definition (`rename(id: number, …): T {`), not a call. */
const METHOD_DEF = /^\s*(?:async\s+)?\w+\s*\([^)]*\)\s*:\s*[^=]*\{\s*$/;

function sources(dir: string): string[] {
  const abs = path.join(REPO_ROOT, dir);
  if (!fs.existsSync(abs)) return [];
  return (fs.readdirSync(abs, { recursive: true }) as string[])
    .filter((f) => /\.(ts|tsx|mts|js|mjs)$/.test(f) && !f.includes('node_modules'))
    .map((f) => path.join(dir, f));
}

/** `file:line` of every write call without a name nearby. */
export function unnamedWrites(file: string, src: string): string[] {
  const lines = src.split('\n');
  const out: string[] = [];
  lines.forEach((l, i) => {
    const code = l.replace(/\/\/.*$/, '');
    if (!WRITE.test(code) || /^\s*\*/.test(l) || /^\s*import\b/.test(l) || METHOD_DEF.test(code))
      return;
    const near = lines.slice(Math.max(0, i - NEAR), i + NEAR + 1).join('\n');
    if (/writePoint\('[\w.-]+'\)/.test(near) || /\/\/ write-point: none — \S/.test(near)) return;
    out.push(`${file}:${i + 1}: ${l.trim()}`);
  });
  return out;
}

describe('write points', () => {
  it('every file write in runtime/, nodes/, workers/ is named or says why it needs no name', () => {
    const hits = ROOTS.flatMap(sources)
      .filter((f) => !HELPERS.has(f))
      .flatMap((f) => unnamedWrites(f, fs.readFileSync(path.join(REPO_ROOT, f), 'utf8')));
    expect(hits).toEqual([]);
  });

  it('every writePoint() call names a registered point, and every registered point is used', () => {
    const used = new Set<string>();
    for (const f of ROOTS.flatMap(sources)) {
      for (const m of fs
        .readFileSync(path.join(REPO_ROOT, f), 'utf8')
        .matchAll(/writePoint\('([\w.-]+)'\)/g))
        used.add(m[1]!);
    }
    expect([...used].filter((u) => !(u in WRITE_POINTS))).toEqual([]);
    expect(Object.keys(WRITE_POINTS).filter((p) => !used.has(p))).toEqual([]);
  });

  it('the check catches an unnamed write', () => {
    expect(
      unnamedWrites('x.ts', "import fs from 'node:fs';\nfs.writeFileSync(p, data);\n"),
    ).toHaveLength(1);
    expect(unnamedWrites('x.ts', "const fd = fs.openSync(p, 'w');\n")).toHaveLength(1);
    expect(unnamedWrites('x.ts', 'await rename(tmp, dest);\n')).toHaveLength(1);
    expect(unnamedWrites('x.ts', 'fs.renameSync(a, b);\nawait fsp.rename(a, b);\n')).toHaveLength(
      2,
    );
    // Not file moves: a store method's definition and a call of it.
    expect(
      unnamedWrites(
        'x.ts',
        '  rename(id: number, name: string): Tag {\n    tag = tax.rename(id, name);\n',
      ),
    ).toEqual([]);
    expect(
      unnamedWrites('x.ts', "fs.writeFileSync(p, data);\nwritePoint('graph.save');\n"),
    ).toEqual([]);
    expect(
      unnamedWrites(
        'x.ts',
        '// write-point: none — scratch file in tmp/, swept at start\nfs.writeFileSync(p, data);\n',
      ),
    ).toEqual([]);
  });
});
