/** The per-phase stall watchdog (runtime/workers/stall-watchdog.ts; issue 18 #1). */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STALL_LIMITS_MS,
  StallWatchdog,
  type Stall,
} from '../../../runtime/workers/stall-watchdog';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('StallWatchdog', () => {
  it('fires once when the current phase is silent past its own limit, naming phase and step', async () => {
    const got: Stall[] = [];
    const w = new StallWatchdog(
      { ...DEFAULT_STALL_LIMITS_MS, loading: 5_000, sampling: 200 },
      (s) => got.push(s),
    );
    w.beat({ phase: 'sampling', step: 3, steps: 20 });
    await sleep(600);
    w.stop();
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ phase: 'sampling', step: 3, steps: 20, limitMs: 200 });
  });

  it('a long load is allowed when the loading limit is long; beats keep it alive', async () => {
    const got: Stall[] = [];
    const w = new StallWatchdog(
      { ...DEFAULT_STALL_LIMITS_MS, loading: 5_000, sampling: 150 },
      (s) => got.push(s),
    );
    await sleep(300); // silent, but still loading
    for (let i = 0; i < 5; i++) {
      w.beat({ phase: 'sampling', step: i });
      await sleep(60);
    }
    w.stop();
    expect(got).toEqual([]);
  });
});
