/**
 * The one safe-path function (runtime/fs/safe-path.ts; anchors-reliability.md §5, §7.4 S1/S2):
 * `..`, absolute paths, NUL bytes, symlinks escaping the root are refused; symlinks that stay
 * inside are fine; a missing file is NOT_FOUND (or allowed with mustExist: false).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isInside, relativeInside, safePath } from '../../../runtime/fs/safe-path';
import { libraryPath } from '../../../runtime/library/import-walk';
import { UserError } from '../../../runtime/errors';

let base: string;
let root: string;
let outside: string;

function code(fn: () => unknown): string {
  try {
    fn();
    return 'OK';
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as UserError).code;
  }
}

beforeAll(() => {
  base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-safepath-')));
  root = path.join(base, 'home');
  outside = path.join(base, 'secret');
  fs.mkdirSync(path.join(root, 'outputs', 'day'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(root, 'outputs', 'day', 'a.png'), 'a');
  fs.writeFileSync(path.join(outside, 'key.txt'), 'secret');
  fs.writeFileSync(path.join(base, 'home-evil.txt'), 'prefix trick');
  fs.writeFileSync(path.join(root, 'outputs', '..draft.png'), 'dots in a name');
  fs.symlinkSync(path.join(outside, 'key.txt'), path.join(root, 'outputs', 'file-link.png'));
  fs.symlinkSync(outside, path.join(root, 'dir-link'));
  fs.symlinkSync(path.join(root, 'outputs', 'day', 'a.png'), path.join(root, 'inside-link.png'));
  fs.symlinkSync(path.join(root, 'outputs'), path.join(root, 'outputs-alias'));
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe('safePath', () => {
  it('resolves a file inside the root to its real path', () => {
    expect(safePath('outputs/day/a.png', root)).toBe(path.join(root, 'outputs', 'day', 'a.png'));
    expect(safePath('./outputs//day/../day/a.png', root)).toBe(
      path.join(root, 'outputs', 'day', 'a.png'),
    );
    expect(safePath('outputs/..draft.png', root)).toBe(path.join(root, 'outputs', '..draft.png'));
  });

  it.each([
    '../secret/key.txt',
    'outputs/../../secret/key.txt',
    '..',
    '../home-evil.txt',
    'outputs/day/../../../secret',
  ])('refuses "%s" with PATH_OUTSIDE_ROOT', (p) =>
    expect(code(() => safePath(p, root))).toBe('PATH_OUTSIDE_ROOT'),
  );

  it('refuses a probe for a missing file outside as "outside", not "missing"', () => {
    expect(code(() => safePath('../../etc/does-not-exist', root))).toBe('PATH_OUTSIDE_ROOT');
  });

  it('refuses absolute paths unless allowed, and then still checks the root', () => {
    expect(code(() => safePath('/etc/passwd', root))).toBe('PATH_OUTSIDE_ROOT');
    expect(code(() => safePath(path.join(root, 'outputs/day/a.png'), root))).toBe(
      'PATH_OUTSIDE_ROOT',
    );
    expect(safePath(path.join(root, 'outputs/day/a.png'), root, { allowAbsolute: true })).toBe(
      path.join(root, 'outputs/day/a.png'),
    );
    expect(code(() => safePath('/etc/passwd', root, { allowAbsolute: true }))).toBe(
      'PATH_OUTSIDE_ROOT',
    );
  });

  it.each(['outputs/day/a.png\0.txt', '\0', '', 'x'.repeat(5000)])(
    'refuses NUL / empty / overlong input with BAD_PATH (%#)',
    (p) => {
      expect(code(() => safePath(p, root))).toBe('BAD_PATH');
    },
  );

  it('refuses symlinks (file and directory) that point outside', () => {
    expect(code(() => safePath('outputs/file-link.png', root))).toBe('PATH_OUTSIDE_ROOT');
    expect(code(() => safePath('dir-link/key.txt', root))).toBe('PATH_OUTSIDE_ROOT');
    expect(code(() => safePath('dir-link', root))).toBe('PATH_OUTSIDE_ROOT');
  });

  it('accepts symlinks that stay inside the root', () => {
    expect(safePath('inside-link.png', root)).toBe(path.join(root, 'outputs', 'day', 'a.png'));
    expect(safePath('outputs-alias/day/a.png', root)).toBe(
      path.join(root, 'outputs', 'day', 'a.png'),
    );
  });

  it('a missing file is NOT_FOUND, or allowed with mustExist: false (parent still checked)', () => {
    expect(code(() => safePath('outputs/day/nope.png', root))).toBe('NOT_FOUND');
    expect(safePath('outputs/day/new.png', root, { mustExist: false })).toBe(
      path.join(root, 'outputs', 'day', 'new.png'),
    );
    expect(safePath('outputs/new-dir/deeper/x.png', root, { mustExist: false })).toBe(
      path.join(root, 'outputs', 'new-dir', 'deeper', 'x.png'),
    );
    expect(code(() => safePath('dir-link/new.txt', root, { mustExist: false }))).toBe(
      'PATH_OUTSIDE_ROOT',
    );
    expect(code(() => safePath('../secret/new.txt', root, { mustExist: false }))).toBe(
      'PATH_OUTSIDE_ROOT',
    );
  });

  it('accepts any of several roots', () => {
    expect(safePath('key.txt', [root, outside].reverse())).toBe(path.join(outside, 'key.txt'));
    expect(safePath('outputs/file-link.png', [root, outside])).toBe(path.join(outside, 'key.txt'));
  });

  it('HTTP statuses: 403 outside, 404 missing, 400 bad input', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as UserError).status;
      }
      return 0;
    };
    expect(err(() => safePath('../secret/key.txt', root))).toBe(403);
    expect(err(() => safePath('outputs/none.png', root))).toBe(404);
    expect(err(() => safePath('a\0b', root))).toBe(400);
  });
});

describe('isInside', () => {
  it('is path-aware, not a string prefix test', () => {
    expect(isInside('/data/home', '/data/home')).toBe(true);
    expect(isInside('/data/home/x', '/data/home')).toBe(true);
    expect(isInside('/data/home-evil/x', '/data/home')).toBe(false);
    expect(isInside('/data', '/data/home')).toBe(false);
    expect(isInside('/data/home/..x', '/data/home')).toBe(true);
  });
});

describe('relativeInside (the lexical check every caller uses instead of its own)', () => {
  it('answers the path below the root, null for the root itself and for anything outside', () => {
    expect(relativeInside('/a/b/c.png', '/a/b')).toBe(path.join('c.png'));
    expect(relativeInside('/a/b/x/y', '/a/b/')).toBe(path.join('x', 'y'));
    expect(relativeInside('/a/b', '/a/b')).toBeNull();
    expect(relativeInside('/a/b/', '/a/b')).toBeNull();
  });

  it('a sibling sharing the prefix is outside (/a/bc vs /a/b)', () => {
    expect(relativeInside('/a/bc', '/a/b')).toBeNull();
    expect(relativeInside('/a/bc/file', '/a/b')).toBeNull();
    expect(relativeInside('/a/b-evil/file', '/a/b')).toBeNull();
    expect(relativeInside('/a', '/a/b')).toBeNull();
  });

  it('names that start with dots are inside; `..` segments that climb out are not', () => {
    expect(relativeInside('/a/b/..foo', '/a/b')).toBe('..foo');
    expect(relativeInside('/a/b/...', '/a/b')).toBe('...');
    expect(relativeInside('/a/b/x/..draft.png', '/a/b')).toBe(path.join('x', '..draft.png'));
    expect(relativeInside('/a/b/../c', '/a/b')).toBeNull();
    expect(relativeInside('/a/b/x/../../b/y', '/a/b')).toBe('y');
  });

  it('resolves relative arguments against the working directory first', () => {
    expect(relativeInside('b/c', 'b')).toBe('c');
    expect(relativeInside(path.join(process.cwd(), 'b', 'c'), 'b')).toBe('c');
  });

  it('is lexical: a symlink inside the root that points out is still "inside" (safePath is the check for input)', () => {
    const link = path.join(root, 'dir-link', 'key.txt');
    expect(relativeInside(link, root)).toBe(path.join('dir-link', 'key.txt'));
    expect(code(() => safePath('dir-link/key.txt', root))).toBe('PATH_OUTSIDE_ROOT');
  });

  it('libraryPath (import-walk) stores files under the data folder relatively, `..name` included', () => {
    expect(libraryPath(path.join(root, 'outputs', '..draft.png'), root)).toBe(
      path.join('outputs', '..draft.png'),
    );
    expect(libraryPath(path.join(base, 'home-evil.txt'), root)).toBe(
      path.join(base, 'home-evil.txt'),
    );
    expect(libraryPath(root, root)).toBe(root);
  });
});
