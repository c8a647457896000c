import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { acquireLock, readLock } from '../../../runtime/fs/home-lock';
import { MystiError } from '../../../runtime/errors';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lock-'));

describe('home lock', () => {
  it('is free, then held by us (our own lock does not block us reading it), then released', () => {
    const home = tmp();
    expect(readLock(home)).toBeNull();
    const lock = acquireLock(home);
    lock.update({ port: 1234, host: '127.0.0.1' });
    const onDisk = JSON.parse(fs.readFileSync(path.join(home, 'studio.lock'), 'utf8'));
    expect(onDisk).toMatchObject({ pid: process.pid, port: 1234, host: '127.0.0.1' });
    lock.release();
    expect(fs.existsSync(path.join(home, 'studio.lock'))).toBe(false);
  });

  it('refuses a second owner while the first process lives, and takes over a stale lock', async () => {
    const home = tmp();
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    await new Promise((r) => child.once('spawn', r));
    fs.writeFileSync(
      path.join(home, 'studio.lock'),
      JSON.stringify({ pid: child.pid, port: 4321, host: '127.0.0.1', startedAt: 1 }),
    );
    expect(readLock(home)).toMatchObject({ pid: child.pid, port: 4321 });
    let err: unknown;
    try {
      acquireLock(home);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MystiError);
    expect((err as MystiError).code).toBe('HOME_IN_USE');
    expect((err as MystiError).details).toMatchObject({ pid: child.pid, port: 4321 });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // The owner died without cleaning up (kill -9): the lock is stale and taken over.
    expect(readLock(home)).toBeNull();
    const lock = acquireLock(home);
    expect(JSON.parse(fs.readFileSync(path.join(home, 'studio.lock'), 'utf8')).pid).toBe(
      process.pid,
    );
    lock.release();
  });
});
