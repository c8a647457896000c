/** Folder walk and library path naming (runtime/library/import-walk.ts, runtime/store/imports.ts). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  absolutePath,
  libraryPath,
  libraryPrefix,
  walkImages,
} from '../../../runtime/library/import-walk';
import { prefixUpperBound } from '../../../runtime/store/imports';

describe('library paths', () => {
  const home = '/data/mysti';
  it('stores files inside the data directory relative to it, others absolute', () => {
    expect(libraryPath('/data/mysti/outputs/2026-01-01/a.png', home)).toBe(
      'outputs/2026-01-01/a.png',
    );
    expect(libraryPath('/photos/a.png', home)).toBe('/photos/a.png');
    expect(libraryPath('/data/mysti-other/a.png', home)).toBe('/data/mysti-other/a.png');
    expect(absolutePath('outputs/a.png', home)).toBe('/data/mysti/outputs/a.png');
    expect(absolutePath('/photos/a.png', home)).toBe('/photos/a.png');
  });

  it('prefixes end with a separator so /photos does not match /photos2', () => {
    expect(libraryPrefix('/data/mysti/outputs', home)).toBe('outputs/');
    expect(libraryPrefix('/photos', home)).toBe('/photos/');
    const p = libraryPrefix('/photos', home);
    const upper = prefixUpperBound(p);
    const inRange = (s: string) => s >= p && s < upper;
    expect(inRange('/photos/a.png')).toBe(true);
    expect(inRange('/photos/sub/\u00e9t\u00e9.png')).toBe(true);
    expect(inRange('/photos2/a.png')).toBe(false);
    expect(inRange('/photos')).toBe(false);
  });
});

describe('walkImages', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-walk-'));
    const touch = (rel: string) => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), 'x');
    };
    for (const f of [
      'b.png',
      'a.PNG',
      'sub/c.jpg',
      'sub/deeper/d.jpeg',
      'sub/e.webp',
      'notes.txt',
      'f.gif',
      '.hidden.png',
      '.tmp-123-x.png',
      '.thumbs/t.png',
    ])
      touch(f);
    fs.symlinkSync(root, path.join(root, 'sub', 'loop')); // a cycle: must not be followed
    fs.symlinkSync(path.join(root, 'b.png'), path.join(root, 'link.png'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('finds PNG/JPEG/WebP recursively, sorted, skipping hidden files, temp files and symlinks', async () => {
    const { files, unreadable } = await walkImages(root);
    expect(files.map((f) => path.relative(root, f))).toEqual([
      'a.PNG',
      'b.png',
      'sub/c.jpg',
      'sub/deeper/d.jpeg',
      'sub/e.webp',
    ]);
    expect(unreadable).toEqual([]);
  });

  it('throws for a folder that does not exist', async () => {
    await expect(walkImages(path.join(root, 'nope'))).rejects.toThrow(/ENOENT/);
  });
});
