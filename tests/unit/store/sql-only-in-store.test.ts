/**
 * SQL lives only in runtime/store/ (anchors-aesthetics.md §8 "Where SQL lives", issue 2 §5).
 * Scans every source file of the repository outside runtime/store/, tests/ and scripts/ for SQL
 * statements and for better-sqlite3's `.prepare(` / `.exec(<sql string>)`. Keywords must be upper
 * case (our SQL style), so English UI text like "select a model from the list" is no hit; `.exec(`
 * counts only with a string argument, so `RegExp.prototype.exec(line)` is no hit either.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/temp-home';

const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  'dist',
  'build',
  'coverage',
  '.tmp',
  'data',
  'test-results',
]);
const ALLOWED = ['runtime/store/', 'tests/', 'scripts/'];
const SOURCE = /\.(ts|tsx|mts|cts|js|mjs|cjs|jsx|sql)$/;

const PATTERNS: { name: string; re: RegExp }[] = [
  { name: 'SELECT … FROM', re: /\bSELECT\s+[\w*"`(),.\s]{1,300}?\bFROM\s+["`\w]/ },
  { name: 'INSERT INTO', re: /\bINSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\s+["`\w]/ },
  { name: 'UPDATE … SET', re: /\bUPDATE\s+["`\w]+\s+SET\s/ },
  { name: 'DELETE FROM', re: /\bDELETE\s+FROM\s+["`\w]/ },
  {
    name: 'CREATE TABLE/INDEX/TRIGGER',
    re: /\bCREATE\s+(?:UNIQUE\s+|VIRTUAL\s+)?(?:TABLE|INDEX|TRIGGER|VIEW)\b/,
  },
  { name: '.prepare(', re: /\.prepare\s*(?:<[^>]*>)?\s*\(/ },
  { name: '.exec(<string>)', re: /\.exec\s*\(\s*[`'"]/ },
];

/** Every hit in `src` as `line:pattern`. */
export function sqlHits(src: string): string[] {
  const hits: string[] = [];
  for (const { name, re } of PATTERNS) {
    const g = new RegExp(re.source, 'g');
    for (const m of src.matchAll(g))
      hits.push(`${src.slice(0, m.index).split('\n').length}:${name}`);
  }
  return hits;
}

function sourceFiles(dir = REPO_ROOT): string[] {
  const out: string[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP_DIRS.has(ent.name)) continue;
    const abs = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...sourceFiles(abs));
    else if (SOURCE.test(ent.name)) out.push(abs);
  }
  return out;
}

describe('SQL only in runtime/store/', () => {
  it('the detector finds SQL and better-sqlite3 calls, and ignores UI text and RegExp.exec', () => {
    const positives = [
      "db.prepare('SELECT id FROM runs WHERE id = ?')",
      'const q = `SELECT a.*, MIN(d) AS depth FROM up JOIN artifacts a`;',
      "const s = 'INSERT OR IGNORE INTO tags (name) VALUES (?)';",
      "`UPDATE runs SET status = 'x'`",
      "'DELETE FROM graphs WHERE id = ?'",
      'db.exec(`CREATE TABLE t (a)`)',
      "db.prepare<[string], Row>('x')",
    ];
    for (const p of positives) expect(sqlHits(p).length, p).toBeGreaterThan(0);
    const negatives = [
      "label: 'Select a model from the list'",
      "message: 'select the images to delete from the gallery'",
      'const m = /^(\\d+)$/.exec(line);',
      're.exec(text)',
      'prepareGraph(input, catalog)',
      "title: 'Update settings'",
      "hint: 'Delete from disk too?'",
    ];
    for (const n of negatives) expect(sqlHits(n), n).toEqual([]);
  });

  it('no file outside runtime/store/ (tests and scripts excepted) contains SQL', () => {
    const files = sourceFiles();
    expect(files.some((f) => f.endsWith(path.join('runtime', 'store', 'runs.ts')))).toBe(true);
    const offenders: string[] = [];
    for (const f of files) {
      const rel = path.relative(REPO_ROOT, f).split(path.sep).join('/');
      if (ALLOWED.some((a) => rel.startsWith(a))) continue;
      for (const h of sqlHits(fs.readFileSync(f, 'utf8'))) offenders.push(`${rel}:${h}`);
    }
    expect(offenders).toEqual([]);
  });
});
