/**
 * Parses sd.cpp's stdout (shared/docs/sdcpp.md §1.3) into progress events and facts.
 *
 * Log lines are `[LEVEL] file:LINE - message`; progress bars are `\r  |…| STEP/STEPS - SPEED\x1b[K`,
 * redrawn in place with `\n` only after the last step. The format has changed before, so parsing is
 * tolerant: split on `\r`/`\n`, strip ANSI codes, match `(\d+)/(\d+)`. A bar's phase comes from the
 * log line before it; `#` bars or MB/s / GB/s speeds are weight loading.
 */

export type SdPhase = 'loading' | 'encoding' | 'sampling' | 'decoding' | 'upscaling';

/** One progress event: `rate` is steps (or tiles) per second, absent for weight loading. */
export interface SdProgress {
  phase: SdPhase;
  step?: number;
  steps?: number;
  rate?: number;
}

/** A parsed log line. */
export interface SdLogLine {
  level: 'INFO' | 'WARN' | 'ERROR' | 'DEBUG';
  file: string;
  line: number;
  message: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
const LOG = /^\[(INFO|WARN|ERROR|DEBUG)\s*\]\s+([^:\s]+):(\d+)\s*-\s(.*)$/;
const BAR = /\|([^|]*)\|\s*(\d+)\/(\d+)\s*-\s*([\d.]+)\s*(it\/s|s\/it|MB\/s|GB\/s|KB\/s)/;

/** Parses one log line, or null when it is not one. */
export function parseLogLine(raw: string): SdLogLine | null {
  const m = LOG.exec(raw.replace(ANSI, '').trimEnd());
  if (!m) return null;
  return { level: m[1] as SdLogLine['level'], file: m[2]!, line: Number(m[3]), message: m[4]! };
}

/** Parses one bar redraw into `{step, steps, rate?, loading}`, or null. */
export function parseBar(
  raw: string,
): { step: number; steps: number; rate?: number; loading: boolean } | null {
  const m = BAR.exec(raw.replace(ANSI, ''));
  if (!m) return null;
  const [, body, step, steps, value, unit] = m;
  const v = Number(value);
  const loading = unit!.endsWith('B/s') || body!.includes('#');
  const r: { step: number; steps: number; rate?: number; loading: boolean } = {
    step: Number(step),
    steps: Number(steps),
    loading,
  };
  if (!loading) {
    const rate = unit === 'it/s' ? v : v > 0 ? 1 / v : undefined;
    if (rate !== undefined && Number.isFinite(rate)) r.rate = Math.round(rate * 1000) / 1000;
  }
  return r;
}

/**
 * Stateful stdout parser. Feed it chunks as they arrive; it calls `onProgress` for each bar redraw
 * and each phase change, and collects the seeds of `generating image: k/N - seed S` lines, warnings
 * and recent log lines for error mapping.
 */
export class SdOutputParser {
  /** Seed of each generated image, in order, as exact decimal text (the actual seed, also when `-s -1`). */
  readonly seeds: string[] = [];
  /** `[WARN ]` messages (e.g. `can not found lora X`). */
  readonly warnings: string[] = [];
  /** The last 200 non-bar lines, for error details and exit-0 failure checks. */
  readonly lines: string[] = [];
  /** img2img: sampling ticks = t_enc + 1 (sdcpp.md §1.3). */
  samplingTicks?: number;
  private context: SdPhase = 'loading';
  private buf = '';
  private lastKey = '';

  constructor(private readonly onProgress: (p: SdProgress) => void = () => {}) {}

  /** Feeds a chunk of stdout text. */
  feed(chunk: string): void {
    this.buf += chunk;
    const parts = this.buf.split(/[\r\n]/);
    this.buf = parts.pop() ?? '';
    for (const p of parts) this.segment(p);
    // A bar redraw is not terminated until the next `\r`; report it as soon as it is complete.
    if (this.buf.includes('\x1b[K') || /(it\/s|s\/it|B\/s)\s*$/.test(this.buf))
      this.segment(this.buf, true);
  }

  /** Flushes the last partial line (call on process exit). */
  end(): void {
    if (this.buf) this.segment(this.buf);
    this.buf = '';
  }

  private emit(p: SdProgress): void {
    const key = `${p.phase}:${p.step ?? ''}/${p.steps ?? ''}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    this.onProgress(p);
  }

  private segment(raw: string, partial = false): void {
    if (!raw.trim()) return;
    const bar = parseBar(raw);
    if (bar) {
      const phase: SdPhase = bar.loading
        ? 'loading'
        : this.context === 'loading'
          ? 'sampling'
          : this.context;
      this.emit({
        phase,
        step: bar.step,
        steps: bar.steps,
        ...(bar.rate !== undefined ? { rate: bar.rate } : {}),
      });
      return;
    }
    if (partial) return;
    const text = raw.replace(ANSI, '').trimEnd();
    this.lines.push(text);
    if (this.lines.length > 200) this.lines.shift();
    const log = parseLogLine(text);
    if (!log) return;
    if (log.level === 'WARN') this.warnings.push(log.message);
    this.onLog(log.message);
  }

  private onLog(msg: string): void {
    let m: RegExpExecArray | null;
    if (/^loading model from /.test(msg)) this.phase('loading');
    else if (/^sampling using .* method/.test(msg)) this.phase('encoding');
    else if ((m = /target t_enc is (\d+) steps/.exec(msg))) this.samplingTicks = Number(m[1]) + 1;
    else if ((m = /generating image: (\d+)\/(\d+) - seed (-?\d+)/.exec(msg))) {
      this.seeds.push(m[3]!); // decimal text: int64 seeds exceed 2^53
      this.phase('sampling');
    } else if (/^decoding \d+ latents/.test(msg)) this.phase('decoding');
    else if (/^upscaling from /.test(msg)) this.phase('upscaling');
  }

  private phase(p: SdPhase): void {
    this.context = p;
    this.emit({ phase: p });
  }
}
