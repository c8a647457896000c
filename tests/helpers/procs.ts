/**
 * Process and timing helpers for fault tests: find live processes by their command line
 * (Linux /proc, proc(5)), wait for a condition, check a pid.
 */
import fs from 'node:fs';

/** Live processes whose NUL-separated command line contains `needle` (zombies excluded). */
export function processesMatching(needle: string): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ');
      if (!cmd.includes(needle)) continue;
      const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${d}/status`, 'utf8'))?.[1];
      if (state !== 'Z') out.push({ pid: Number(d), cmd });
    } catch {
      // exited while we looked
    }
  }
  return out;
}

/** The sd.cpp stand-in processes (tests/helpers/sd-standin/sd-cli) working in data directory `home` (their argv names files in it). */
export function sdStandins(home: string): { pid: number; cmd: string }[] {
  return processesMatching(home).filter((p) => p.cmd.includes('sd-cli'));
}

/** True when `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const state = /^State:\s+(\S)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

/** Polls `cond` every `everyMs` until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor<T>(
  cond: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
  everyMs = 20,
): Promise<NonNullable<T>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Kills every process whose command line contains `needle` (test cleanup of our own children). */
export function killMatching(needle: string): void {
  for (const p of processesMatching(needle)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
