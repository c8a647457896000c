/**
 * Byte formats of sd.cpp's console output (shared/docs/sdcpp.md §1.3): log lines and progress bars.
 * Log line: `[LEVEL] file:LINE - message\n`, LEVEL padded to 5, LINE printed with `%-4d`
 * (sd.cpp's util.cpp `log_printf`). `[ERROR]` lines go to stderr, everything else to stdout.
 */
import { writeSync } from 'node:fs';

/** Writes synchronously so the byte order on each stream is exactly the call order. */
export function out(s) {
  writeSync(1, s);
}
export function err(s) {
  writeSync(2, s);
}

/** One log line; `level` is INFO|WARN|ERROR|DEBUG. */
export function log(level, file, line, msg) {
  const tag = level.padEnd(5, ' ');
  const text = `[${tag}] ${file}:${String(line).padEnd(4, ' ')} - ${msg}\n`;
  if (level === 'ERROR') err(text);
  else out(text);
}

export const info = (file, line, msg) => log('INFO', file, line, msg);
export const warn = (file, line, msg) => log('WARN', file, line, msg);
export const error = (file, line, msg) => log('ERROR', file, line, msg);

/** Speed of a sampling/tiling bar: `%.2fit/s` of 1/t when 0 < t < 1, else `%.2fs/it` of t (t in seconds). */
export function stepSpeed(t) {
  return t > 0 && t < 1 ? `${(1 / t).toFixed(2)}it/s` : `${t.toFixed(2)}s/it`;
}

/** Speed of a weight-loading bar: MB/s, or GB/s from 1024 MB/s on. */
export function loadSpeed(mbPerS) {
  return mbPerS >= 1024 ? `${(mbPerS / 1024).toFixed(2)}GB/s` : `${mbPerS.toFixed(2)}MB/s`;
}

/**
 * One redraw of a progress bar: `\r  |<50 chars>| STEP/STEPS - SPEED\x1b[K`, plus `\n` at the last step.
 * Fill `c = floor(step*50/steps)`; `head` ('>' for sampling bars, '' for loading bars) sits at position c.
 */
export function bar(step, steps, fill, head, speed) {
  const c = Math.floor((step * 50) / steps);
  let s = '';
  for (let i = 0; i < 50; i++) s += i < c ? fill : i === c && head ? head : ' ';
  return `\r  |${s}| ${step}/${steps} - ${speed}\x1b[K${step === steps ? '\n' : ''}`;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
