/**
 * Stall watchdog for one worker call (issue 18 #1). A stopped or wedged engine sends nothing, and
 * a node timeout sized for the slowest legitimate job (30 min) is far too late to notice. Every
 * worker reports `progress` lines with a phase (workers/protocol/messages.ts); the watchdog
 * allows each phase its own silence — loading a model may take minutes, one sampling step may
 * not — and fires when the current phase has been silent longer than its limit. Generic over
 * workers: it only reads the progress/log stream, so the sd CLI, a resident sd-server and the LLM
 * worker are covered alike.
 */

/** Phases of `progress` lines, plus `loading` for the time before the first line. */
export type StallPhase =
  'loading' | 'encoding' | 'sampling' | 'decoding' | 'upscaling' | 'generating';

/** Silence allowed per phase (ms). */
export type StallLimits = Record<StallPhase, number>;

/** Defaults: 300 s to load (first line included), 120 s between lines of any working phase. */
export const DEFAULT_STALL_LIMITS_MS: StallLimits = {
  loading: 300_000,
  encoding: 120_000,
  sampling: 120_000,
  decoding: 120_000,
  upscaling: 120_000,
  generating: 120_000,
};

/** What the watchdog saw when it fired. */
export interface Stall {
  phase: StallPhase;
  /** How long the phase had been silent (ms). */
  silentMs: number;
  limitMs: number;
  /** Last step/steps seen, when the worker reported them. */
  step?: number;
  steps?: number;
}

/**
 * Watches one call: {@link beat} on every line from the worker; `onStall` runs once when the
 * current phase has been silent past its limit. {@link stop} when the call settles.
 */
export class StallWatchdog {
  private phase: StallPhase = 'loading';
  private last = Date.now();
  private step?: number;
  private steps?: number;
  private readonly timer: NodeJS.Timeout;
  private fired = false;

  constructor(
    private readonly limits: StallLimits,
    private readonly onStall: (s: Stall) => void,
  ) {
    // Check often enough to fire within ~1/4 of the smallest limit (at least every 25 ms, at most 1 s).
    const every = Math.max(25, Math.min(1_000, Math.floor(Math.min(...Object.values(limits)) / 4)));
    this.timer = setInterval(() => this.check(), every);
  }

  /** A line arrived from the worker (a progress line may change the phase). */
  beat(p?: { phase?: string; step?: number; steps?: number }): void {
    this.last = Date.now();
    if (p?.phase && p.phase in this.limits) this.phase = p.phase as StallPhase;
    if (p?.step !== undefined) this.step = p.step;
    if (p?.steps !== undefined) this.steps = p.steps;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private check(): void {
    const limitMs = this.limits[this.phase];
    const silentMs = Date.now() - this.last;
    if (this.fired || silentMs <= limitMs) return;
    this.fired = true;
    this.stop();
    this.onStall({
      phase: this.phase,
      silentMs,
      limitMs,
      ...(this.step !== undefined ? { step: this.step } : {}),
      ...(this.steps !== undefined ? { steps: this.steps } : {}),
    });
  }
}
