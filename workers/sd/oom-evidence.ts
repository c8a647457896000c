/**
 * Kernel evidence of an out-of-memory kill. A SIGKILL alone proves nothing (a user's `kill -9`,
 * a supervisor, a container stop all look the same, sdcpp.md §1.4: "killed by the kernel OOM
 * killer | 137 (SIGKILL) | nothing"), so the worker reads the kernel's OOM-kill counters before
 * the engine starts and after it exits; only a counter that moved is evidence.
 *
 * Sources (Linux, best-effort, each may be absent or unreadable):
 * - `/proc/vmstat` `oom_kill N` — system-wide count of OOM kills (Linux ≥ 4.13, proc(5)).
 * - `/sys/fs/cgroup/<own cgroup>/memory.events` `oom_kill N` — the cgroup v2 memory controller's
 *   count (kernel docs admin-guide/cgroup-v2 "memory.events").
 */
import { readFileSync } from 'node:fs';

/** Sum of the readable OOM-kill counters, or null when none is readable (not Linux, no procfs). */
export function readOomKills(): number | null {
  let total: number | null = null;
  const add = (file: string) => {
    try {
      const m = /^oom_kill\s+(\d+)/m.exec(readFileSync(file, 'utf8'));
      if (m) total = (total ?? 0) + Number(m[1]);
    } catch {
      /* unreadable: no evidence from this source */
    }
  };
  add('/proc/vmstat');
  try {
    const line = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('0::'));
    if (line) add(`/sys/fs/cgroup${line.slice(3).trim()}/memory.events`);
  } catch {
    /* no cgroup v2 */
  }
  return total;
}

/** True when the counter moved between `before` and now; false when it did not; null when unknown. */
export function oomKilledSince(before: number | null): boolean | null {
  const after = readOomKills();
  if (before === null || after === null) return null;
  return after > before;
}
