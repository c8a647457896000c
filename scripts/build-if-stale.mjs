#!/usr/bin/env node
/**
 * `npm run build`: builds the editor (Vite) into editor/dist only when it is missing or older than
 * its sources (editor/, nodes/, package-lock.json), so `npm start` is fast on the second start and
 * never serves a stale editor. The runtime runs from TypeScript through tsx and needs no build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'editor', 'dist', 'index.html');

function newest(p) {
  let t = 0;
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  for (const e of fs.readdirSync(p)) {
    if (e === 'dist' || e === 'node_modules' || e.startsWith('.')) continue;
    t = Math.max(t, newest(path.join(p, e)));
  }
  return t;
}

const built = fs.statSync(out, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const sources = Math.max(
  newest(path.join(root, 'editor')),
  newest(path.join(root, 'nodes')),
  newest(path.join(root, 'package-lock.json')),
);
if (built && built >= sources && !process.argv.includes('--force')) {
  console.error('editor is up to date (editor/dist)');
  process.exit(0);
}
console.error('building the editor (vite)…');
const r = spawnSync(
  process.execPath,
  [
    path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'),
    'build',
    '--config',
    'editor/vite.config.ts',
    '--logLevel',
    'warn',
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(r.status ?? 1);
