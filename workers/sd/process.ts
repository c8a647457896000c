/**
 * Runs one sd.cpp CLI process (argv array, no shell) and reports progress, the facts parsed from its
 * log, and its peak memory. Cancelling (the job's AbortSignal) sends SIGTERM, then SIGKILL after
 * `graceMs`: sd.cpp has no signal handler and writes no output when killed (sdcpp.md §1.4).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PeakMemorySampler } from './memory';
import { SdOutputParser, type SdProgress } from './progress';
import type { SdExit } from './errors';
import { oomKilledSince, readOomKills } from './oom-evidence';
import type { MemoryReport } from '../protocol/messages';

/** Children alive right now, killed if the worker itself goes away (see main.ts). */
export const liveChildren = new Set<ChildProcess>();

export interface SdRunOptions {
  signal: AbortSignal;
  onProgress: (p: SdProgress) => void;
  /** Each complete stderr line as it arrives (forwarded as worker `log` lines). */
  onStderr?: (line: string) => void;
  /** SIGTERM → SIGKILL delay (ms). */
  graceMs?: number;
  cwd?: string;
}

export interface SdRunResult extends SdExit {
  parser: SdOutputParser;
  memory: MemoryReport;
  durationMs: number;
}

/** Spawns `binary argv…` and resolves when it has exited (never rejects for a non-zero exit). */
export function runSd(binary: string, argv: string[], o: SdRunOptions): Promise<SdRunResult> {
  const t0 = Date.now();
  const parser = new SdOutputParser(o.onProgress);
  const stderrLines: string[] = [];
  let errBuf = '';
  let cancelled = false;
  return new Promise((resolve, reject) => {
    if (o.signal.aborted) {
      cancelled = true;
    }
    const oomBefore = readOomKills();
    const child = spawn(binary, argv, {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: o.cwd,
      windowsHide: true,
    });
    liveChildren.add(child);
    const sampler = child.pid ? new PeakMemorySampler(child.pid) : null;
    let killTimer: NodeJS.Timeout | undefined;
    const cancel = () => {
      cancelled = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), o.graceMs ?? 500);
    };
    if (cancelled) cancel();
    o.signal.addEventListener('abort', cancel, { once: true });
    child.stdout!.setEncoding('utf8').on('data', (c: string) => parser.feed(c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => {
      errBuf += c;
      const parts = errBuf.split('\n');
      errBuf = parts.pop() ?? '';
      for (const l of parts) {
        if (!l.trim()) continue;
        stderrLines.push(l);
        if (stderrLines.length > 500) stderrLines.shift();
        o.onStderr?.(l);
      }
    });
    child.stdout!.on('end', () => void sampler?.sampleNow());
    child.on('error', (err) => {
      liveChildren.delete(child);
      sampler?.stop();
      o.signal.removeEventListener('abort', cancel);
      reject(err);
    });
    child.on('close', (code, signal) => {
      liveChildren.delete(child);
      clearTimeout(killTimer);
      o.signal.removeEventListener('abort', cancel);
      parser.end();
      if (errBuf.trim()) stderrLines.push(errBuf);
      resolve({
        code,
        signal,
        cancelled,
        ...(signal === 'SIGKILL' || code === 137 ? { oomKilled: oomKilledSince(oomBefore) } : {}),
        stdoutLines: parser.lines,
        stderrLines,
        parser,
        memory: sampler?.stop() ?? {},
        durationMs: Date.now() - t0,
      });
    });
  });
}
