/**
 * The one function that turns user input into a filesystem path (design.md §9, issue 2 §10).
 * realpath + root check, so `..`, absolute paths, NUL bytes and symlinks that escape the root are
 * all refused — the mistakes ComfyUI's /view and SmartGallery made (anchors-reliability.md §2, §5).
 */
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';

/**
 * Resolves `input` (relative to `root`, or absolute when `allowAbsolute`) to a real path inside
 * one of `roots`. The target must exist unless `mustExist: false`, in which case its nearest
 * existing parent is checked instead.
 *
 * @throws UserError PATH_OUTSIDE_ROOT (403) when the path escapes every root;
 *   UserError NOT_FOUND (404) when it does not exist; UserError BAD_PATH (400) on NUL/empty input.
 */
export function safePath(
  input: string,
  roots: string | readonly string[],
  opts: { mustExist?: boolean; allowAbsolute?: boolean } = {},
): string {
  const rootList = (typeof roots === 'string' ? [roots] : roots).map((r) => fs.realpathSync(r));
  if (
    typeof input !== 'string' ||
    input.length === 0 ||
    input.length > 4096 ||
    input.includes('\0')
  ) {
    throw new UserError('BAD_PATH', 'the path is empty, too long or contains a NUL byte');
  }
  if (path.isAbsolute(input) && !opts.allowAbsolute) {
    throw new UserError(
      'PATH_OUTSIDE_ROOT',
      'absolute paths are not accepted here; give a path inside the data folder',
      undefined,
      403,
    );
  }
  const candidate = path.resolve(rootList[0]!, input);
  let real: string;
  try {
    real = fs.realpathSync(candidate);
  } catch {
    if (opts.mustExist !== false) {
      // Check containment first so a probe for ../../etc/x is told "outside", not "missing".
      if (!rootList.some((r) => isInside(candidate, r))) throw outside();
      throw new UserError('NOT_FOUND', `no file at ${input}`, undefined, 404);
    }
    const parent = fs.realpathSync(nearestExisting(path.dirname(candidate)));
    real = path.join(parent, path.relative(nearestExisting(path.dirname(candidate)), candidate));
  }
  if (!rootList.some((r) => isInside(real, r))) throw outside();
  return real;
}

/**
 * True when `p` is `root` itself or below it (both already absolute and normalized). Lexical: it
 * does not follow symlinks — paths from user input go through {@link safePath}, which does.
 * `/a/bc` is not inside `/a/b`; a name that merely starts with dots (`..draft.png`) is inside.
 */
export function isInside(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  // `..` as a whole segment, not a prefix: a file named `..draft.png` inside the root is fine.
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * `p` relative to `root` (platform separators) when `p` is strictly below `root`; null when it is
 * outside or `root` itself. Both are made absolute with `path.resolve` first. Lexical like
 * {@link isInside}: for storing/naming paths we produced ourselves, not for checking user input.
 */
export function relativeInside(p: string, root: string): string | null {
  const absP = path.resolve(p);
  const absRoot = path.resolve(root);
  const rel = path.relative(absRoot, absP);
  return rel !== '' && isInside(absP, absRoot) ? rel : null;
}

function nearestExisting(p: string): string {
  let cur = p;
  while (!fs.existsSync(cur)) {
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return cur;
}

const outside = () =>
  new UserError('PATH_OUTSIDE_ROOT', 'the path points outside the allowed folders', undefined, 403);
