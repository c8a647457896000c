/**
 * Finding the images of a folder and naming them the way the library stores paths.
 *
 * Library paths: a file inside the data directory is stored relative to it (`outputs/2026-…/x.png`,
 * what the save node writes, so the data directory can move); any other file by its absolute path.
 * Files are referenced where they are, never copied or moved.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { TMP_PREFIX } from '../fs/atomic';
import { relativeInside } from '../fs/safe-path';

/** Extensions the importer looks at (lower case). Content is checked by signature later. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.png', '.jpg', '.jpeg', '.webp']);

/** The stored path for absolute path `abs`: relative when inside `home`, else absolute. */
export function libraryPath(abs: string, home: string): string {
  return relativeInside(abs, home) ?? abs;
}

/** The absolute path of a stored library path. */
export function absolutePath(stored: string, home: string): string {
  return path.isAbsolute(stored) ? stored : path.resolve(home, stored);
}

/** The stored-path prefix every file under folder `absDir` starts with (ends with a separator). */
export function libraryPrefix(absDir: string, home: string): string {
  const p = libraryPath(absDir, home);
  if (p === absDir && path.resolve(home) === path.resolve(absDir)) return '';
  return p.endsWith(path.sep) ? p : p + path.sep;
}

/**
 * Lists the image files under `root`, recursively, sorted by path (so progress and batches are
 * deterministic). Skips hidden entries (`.name`, which includes our `.tmp-*` partial writes) and
 * does not follow symbolic links (a link cycle cannot make the walk endless). Unreadable
 * sub-folders are reported in `unreadable` and skipped.
 *
 * @param root absolute folder path
 * @throws the fs error (ENOENT, ENOTDIR, EACCES) when `root` itself cannot be listed
 */
export async function walkImages(
  root: string,
  signal?: AbortSignal,
): Promise<{ files: string[]; unreadable: string[] }> {
  const files: string[] = [];
  const unreadable: string[] = [];
  const stack = [root];
  let first = true;
  while (stack.length) {
    if (signal?.aborted) break;
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (first) throw err;
      unreadable.push(dir);
      continue;
    }
    first = false;
    for (const e of entries) {
      if (e.name.startsWith('.') || e.name.startsWith(TMP_PREFIX)) continue;
      const p = path.join(dir, e.name);
      if (e.isDirectory()) stack.push(p);
      else if (e.isFile() && IMAGE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
        files.push(p);
    }
  }
  files.sort();
  return { files, unreadable };
}
