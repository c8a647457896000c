/**
 * Start-up sweep of files a crash left behind (issue 2 §5: never a row without its file, and no
 * orphan files either). Removes: everything in tmp/ (worker scratch, previews, `.tmp-*` partial
 * writes); files in the content-addressed artifacts/ store that no artifact row names; and saved
 * outputs of runs that were interrupted whose generation row was never committed. Outputs of other
 * tools or that users put in outputs/ by hand are never touched.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import type { Store } from '../store';
import { isAtomicTempName } from '../fs/atomic';

/**
 * Runs the sweep described above once, at start-up before any run.
 * @param interruptedRuns ids of runs the recovery marked interrupted (their saved files carry `_<id[0..8]>_`)
 * @param tmpPrefix prefix of partial writes (runtime/fs/atomic.ts `TMP_PREFIX`); in outputs/ only names
 *   the atomic writer makes ({@link isAtomicTempName}) are removed, never a saved file that merely
 *   starts with the prefix (issue 18 #3)
 * @returns how many files/directories were removed
 */
export function sweepOrphans(store: Store, config: Config, interruptedRuns: string[], tmpPrefix: string): { removed: number } {
  let removed = 0;
  const rm = (p: string) => {
    fs.rmSync(p, { force: true, recursive: true });
    removed++;
  };
  for (const f of safeList(config.paths.tmp)) rm(path.join(config.paths.tmp, f));

  const known = store.artifacts.allPaths();
  for (const shard of safeList(config.paths.artifacts)) {
    const dir = path.join(config.paths.artifacts, shard);
    for (const f of safeList(dir)) {
      const rel = path.relative(config.paths.home, path.join(dir, f));
      if (!known.has(rel)) rm(path.join(dir, f));
    }
  }

  const runTags = interruptedRuns.map((id) => `_${id.slice(0, 8)}_`);
  const registered = store.generations.allFilePaths();
  for (const day of safeList(config.paths.outputs)) {
    const dir = path.join(config.paths.outputs, day);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const f of safeList(dir)) {
      const rel = path.relative(config.paths.home, path.join(dir, f));
      if ((f.startsWith(tmpPrefix) && isAtomicTempName(f)) || (runTags.some((t) => f.includes(t)) && !registered.has(rel))) rm(path.join(dir, f));
    }
  }
  return { removed };
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
