/**
 * One studio per data directory: two runtimes on the same database would each "recover" the
 * other's running runs as interrupted and race on the queue. `$MYSTI_HOME/studio.lock` holds the
 * owner's pid and port; a lock whose pid is gone (a crash, kill -9) is stale and taken over.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OperationalError } from '../errors';

export interface LockInfo {
  pid: number;
  port: number | null;
  host: string | null;
  startedAt: number;
}

const lockFile = (home: string) => path.join(home, 'studio.lock');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live owner of `home`, or null when the directory is free (or its lock is stale). */
export function readLock(home: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(lockFile(home), 'utf8')) as LockInfo;
    return info.pid !== process.pid && alive(info.pid) ? info : null;
  } catch {
    return null;
  }
}

/**
 * Takes the lock for this process.
 * @throws OperationalError HOME_IN_USE (details: pid, port, host) when another live studio owns it.
 */
export function acquireLock(home: string): { update(p: Partial<LockInfo>): void; release(): void } {
  const owner = readLock(home);
  if (owner) {
    throw new OperationalError(
      'HOME_IN_USE',
      `another MystiCanvas (pid ${owner.pid}${owner.port ? `, port ${owner.port}` : ''}) is using ${home}`,
      { ...owner },
    );
  }
  let info: LockInfo = { pid: process.pid, port: null, host: null, startedAt: Date.now() };
  const write = () => {
    // write-point: none — the lock file is not library data; a crash leaves a stale lock that the next start takes over.
    const tmp = `${lockFile(home)}.${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify(info));
    fs.renameSync(tmp, lockFile(home));
  };
  write();
  return {
    update(p) {
      info = { ...info, ...p };
      write();
    },
    release() {
      try {
        const cur = JSON.parse(fs.readFileSync(lockFile(home), 'utf8')) as LockInfo;
        if (cur.pid === process.pid) fs.rmSync(lockFile(home), { force: true });
      } catch {
        // already gone
      }
    },
  };
}
