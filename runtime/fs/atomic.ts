/**
 * Crash-safe file writes: temp file in the same directory → fsync → rename → fsync the directory
 * (the write-then-rename pattern SQLite and git use; anchors-reliability.md §1). A reader never
 * sees a truncated file, and a crash leaves at most a `.tmp-*` file the start-up sweep removes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes, createHash } from 'node:crypto';

/** Prefix of in-flight temp files; the start-up sweep deletes leftovers carrying it. */
export const TMP_PREFIX = '.tmp-';

/** Random part of a temp name: 6 bytes as 12 lower-case hex digits. */
const TMP_NAME = /^\.tmp-[0-9a-f]{12}-/;

/**
 * True only for names {@link writeFileAtomic} makes (`.tmp-<12 hex>-<dest name>`), so a sweep
 * never takes a user's file that merely starts with `.tmp-` for a partial write (issue 18 #3).
 */
export function isAtomicTempName(name: string): boolean {
  return TMP_NAME.test(name);
}

/** Writes `data` to `dest` atomically; returns {bytes, sha256}. */
export function writeFileAtomic(dest: string, data: Uint8Array): { bytes: number; sha256: string } {
  const dir = path.dirname(dest);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(
    dir,
    `${TMP_PREFIX}${randomBytes(6).toString('hex')}-${path.basename(dest)}`,
  );
  const fd = fs.openSync(tmp, 'wx', 0o644);
  try {
    try {
      // writeSync may write less than asked (a nearly full disk): loop until all is written.
      for (let off = 0; off < data.byteLength;)
        off += fs.writeSync(fd, data, off, data.byteLength - off);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, dest);
  } catch (err) {
    // ENOSPC / EROFS / EIO half-way: the partial temp file must not stay visible.
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fsyncDir(dir);
  return { bytes: data.byteLength, sha256: createHash('sha256').update(data).digest('hex') };
}

/**
 * Moves an existing file (written by a worker in the temp area) to `dest`, fsyncing it first.
 * Falls back to copy + unlink across filesystems.
 */
export function moveFileDurable(src: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const fd = fs.openSync(src, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(src, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const data = fs.readFileSync(src);
    writeFileAtomic(dest, data);
    fs.rmSync(src, { force: true });
    return;
  }
  fsyncDir(path.dirname(dest));
}

/** sha256 of a file, streamed in 1 MiB reads (hex). */
export function sha256File(file: string): string {
  const h = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  try {
    let n: number;
    while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  }
}
