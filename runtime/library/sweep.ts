/**
 * Start-up sweep of files a crash left behind (issue 2 §5: never a row without its file, and no
 * orphan files either). Removes: everything in tmp/ (worker scratch, previews, `.tmp-*` partial
 * writes); files in the content-addressed artifacts/ store that no artifact row names; thumbnails
 * no generation_files row names. Saved outputs of runs that were interrupted whose generation
 * row was never committed are moved to quarantine/, not deleted. Outputs of other
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
 * @returns how many files/directories were removed, and the outputs moved to quarantine/ (relative paths)
 */
export function sweepOrphans(
  store: Store,
  config: Config,
  interruptedRuns: string[],
  tmpPrefix: string,
): { removed: number; quarantined: string[] } {
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
  const quarantined: string[] = [];
  for (const day of safeList(config.paths.outputs)) {
    const dir = path.join(config.paths.outputs, day);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const f of safeList(dir)) {
      const rel = path.relative(config.paths.home, path.join(dir, f));
      if (f.startsWith(tmpPrefix) && isAtomicTempName(f)) rm(path.join(dir, f));
      // A saved image whose generation row a crash never committed: a whole, valid PNG the user
      // may want — moved to quarantine/ (and logged by the caller), never deleted.
      else if (runTags.some((t) => f.includes(t)) && !registered.has(rel))
        quarantined.push(quarantine(config.paths.home, rel));
    }
  }
  // Thumbnails are derived data: one without its generation_files row is rebuilt on demand.
  for (const shard of safeList(config.paths.thumbs)) {
    const dir = path.join(config.paths.thumbs, shard);
    for (const f of safeList(dir)) {
      const rel = path.relative(config.paths.home, path.join(dir, f));
      if (!registered.has(rel)) rm(path.join(dir, f));
    }
  }
  return { removed, quarantined };
}

/** Moves `rel` (relative to `home`) to `home/quarantine/rel`; returns the new relative path. */
function quarantine(home: string, rel: string): string {
  const dest = path.join(home, 'quarantine', rel);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  // write-point: none — start-up recovery before anything runs; a crash here leaves the file in one of two places, both kept.
  fs.renameSync(path.join(home, rel), dest);
  return path.relative(home, dest);
}

function safeList(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}
