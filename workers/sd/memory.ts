/**
 * Peak memory of an engine child process, for the arbiter (design.md §6).
 *
 * RAM: `VmHWM` ("high water mark" resident set, kB) from `/proc/<pid>/status` (Linux proc(5)),
 * sampled every `intervalMs` while the process lives — the kernel tracks the peak, so the last
 * sample before exit is within one interval of the true peak. GPU: `nvidia-smi
 * --query-compute-apps=pid,used_memory --format=csv,noheader,nounits` (MiB per process), polled
 * once a second where nvidia-smi exists. Both are best-effort: absent data stays undefined.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type { MemoryReport } from '../protocol/messages';

let nvidiaSmi: boolean | undefined;

/** Reads VmHWM in bytes, or undefined (process gone, not Linux). */
export async function readPeakRss(pid: number): Promise<number | undefined> {
  try {
    const s = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+)\s*kB/m.exec(s);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** GPU memory used by `pid` in bytes per nvidia-smi, or undefined (no NVIDIA driver / not listed). */
export function readGpuBytes(pid: number): Promise<number | undefined> {
  if (nvidiaSmi === false) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'],
      { timeout: 3_000 },
      (err, stdout) => {
        if (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') nvidiaSmi = false;
          return resolve(undefined);
        }
        nvidiaSmi = true;
        for (const line of stdout.split('\n')) {
          const [p, mib] = line.split(',').map((s) => Number(s.trim()));
          if (p === pid && Number.isFinite(mib)) return resolve(mib! * 1024 * 1024);
        }
        resolve(undefined);
      },
    );
  });
}

/** Samples a child's memory until {@link stop}; `report()` gives the peaks seen. */
export class PeakMemorySampler {
  private peakRss = 0;
  private peakGpu = 0;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly pid: number,
    intervalMs = 100,
  ) {
    const rss = () =>
      void readPeakRss(pid).then((b) => {
        if (b !== undefined && b > this.peakRss) this.peakRss = b;
      });
    const gpu = () =>
      void readGpuBytes(pid).then((b) => {
        if (b !== undefined && b > this.peakGpu) this.peakGpu = b;
      });
    rss();
    gpu();
    this.timers.push(setInterval(rss, intervalMs), setInterval(gpu, 1_000));
  }

  /** Takes a last RSS sample (while the pid still exists, e.g. on stdout end) — safe to call twice. */
  async sampleNow(): Promise<void> {
    const b = await readPeakRss(this.pid);
    if (b !== undefined && b > this.peakRss) this.peakRss = b;
  }

  /** Stops sampling; returns the peaks seen (RSS and device memory in bytes; a field is absent when never measured). */
  stop(): MemoryReport {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    return {
      ...(this.peakRss ? { peakRssBytes: this.peakRss } : {}),
      ...(this.peakGpu ? { deviceBytes: this.peakGpu } : {}),
    };
  }
}
