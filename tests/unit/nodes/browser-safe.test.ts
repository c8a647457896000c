/**
 * Node declarations are browser-safe (design.md §1, §4): the editor bundles nodes/**, so a
 * declaration (every nodes/** file except the runtime-only executors `*.run.ts` and `nodes/run.ts`)
 * may import neither `node:` modules nor Node built-ins nor anything from runtime/ or workers/ —
 * directly or through another file it imports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/temp-home';

const NODES = path.join(REPO_ROOT, 'nodes');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]!]));
/** Packages a declaration may import: they run in the browser too. */
const BROWSER_PACKAGES = new Set(['zod']);
const isExecutor = (f: string) => f.endsWith('.run.ts') || path.relative(NODES, f) === 'run.ts';

/** Module specifiers of static imports, re-exports and dynamic imports in `src`. */
export function importsOf(src: string): string[] {
  const out: string[] = [];
  const re =
    /(?:^|[;\s])(?:import|export)\s+(?:type\s+)?(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of src.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

function declarationFiles(): string[] {
  return (fs.readdirSync(NODES, { recursive: true }) as string[])
    .map((f) => path.join(NODES, f))
    .filter((f) => /\.tsx?$/.test(f) && !isExecutor(f));
}

describe('node declarations are browser-safe', () => {
  it('the import scanner sees every import form', () => {
    const src = `import fs from 'node:fs';\nimport { a } from "./x";\nexport * from '../runtime/y';\nimport type { T } from 'path';\nconst m = await import('os');\nimport 'side-effect';`;
    expect(importsOf(src)).toEqual(['node:fs', './x', '../runtime/y', 'path', 'os', 'side-effect']);
  });

  it('no declaration imports node:*, a Node built-in, runtime/ or workers/ (transitively)', () => {
    const files = declarationFiles();
    expect(files.length).toBeGreaterThanOrEqual(10);
    const problems: string[] = [];
    for (const file of files) {
      const rel = path.relative(REPO_ROOT, file);
      for (const spec of importsOf(fs.readFileSync(file, 'utf8'))) {
        if (spec.startsWith('node:') || BUILTINS.has(spec) || BUILTINS.has(spec.split('/')[0]!)) {
          problems.push(`${rel} imports the Node built-in "${spec}"`);
          continue;
        }
        if (!spec.startsWith('.')) {
          if (
            !BROWSER_PACKAGES.has(
              spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!,
            )
          )
            problems.push(`${rel} imports the package "${spec}", not known to be browser-safe`);
          continue;
        }
        const target = path.resolve(path.dirname(file), spec);
        const relTarget = path.relative(REPO_ROOT, target);
        if (!relTarget.startsWith(`nodes${path.sep}`))
          problems.push(`${rel} imports ${relTarget} (outside nodes/)`);
        else if (isExecutor(`${target}.ts`) || target.endsWith('.run'))
          problems.push(`${rel} imports the executor ${relTarget}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('wire/ (API shapes shared with the editor) imports nothing at all', () => {
    const dir = path.join(REPO_ROOT, 'wire');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files)
      expect(importsOf(fs.readFileSync(path.join(dir, f), 'utf8')), `wire/${f}`).toEqual([]);
  });
});
