import { describe, expect, it } from 'vitest';
import {
  Arbiter,
  type ArbiterOptions,
  type DecisionEvent,
  type Lease,
} from '../../../runtime/arbiter/leases';
import type { WorkerKind } from '../../../runtime/arbiter/types';

const MB = 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function make(over: Partial<ArbiterOptions> = {}) {
  const evictions: string[] = [];
  const decisions: DecisionEvent[] = [];
  const arb = new Arbiter({
    budgetBytes: 1000 * MB,
    reserveBytes: 0,
    evict: async (w, m, mode) => {
      evictions.push(`${mode}:${w}:${m}`);
      await sleep(1);
    },
    onDecision: (e) => decisions.push(e),
    ...over,
  });
  return { arb, evictions, decisions };
}
const sdReq = (holder: string, compute: number, model = 'sdxl', weights = 0) => ({
  holder,
  worker: 'sd' as WorkerKind,
  model,
  weightsBytes: weights,
  computeBytes: compute,
});

describe('Arbiter', () => {
  it('grants, books weights as resident and releases back to the idle baseline', async () => {
    const { arb } = make();
    const lease = await arb.reserve(sdReq('a', 200 * MB, 'sdxl', 500 * MB));
    expect(lease.bytes).toBe(200 * MB);
    expect(lease.weightsBytes).toBe(500 * MB);
    expect(arb.usedBytes()).toBe(700 * MB);
    lease.release();
    lease.release(); // idempotent
    expect(arb.usedBytes()).toBe(500 * MB); // the model stays resident, now idle
    const snap = arb.snapshot();
    expect(snap.resident.sd).toMatchObject([{ model: 'sdxl', idle: true, inUse: 0 }]);
    expect(snap.leases).toEqual([]);
  });

  it('two holders needing 70 % each never hold the budget at the same time (real concurrency)', async () => {
    const { arb, decisions } = make();
    let inside = 0;
    let maxInside = 0;
    const order: string[] = [];
    const job = async (name: string) => {
      const lease = await arb.reserve(sdReq(name, 700 * MB, ''));
      inside += lease.bytes;
      maxInside = Math.max(maxInside, inside);
      order.push(`start ${name}`);
      await sleep(20 + Math.random() * 20);
      inside -= lease.bytes;
      order.push(`end ${name}`);
      lease.release();
    };
    await Promise.all([job('r1'), job('r2'), job('r3')]);
    expect(maxInside).toBe(700 * MB);
    expect(order).toEqual(['start r1', 'end r1', 'start r2', 'end r2', 'start r3', 'end r3']);
    const wait = decisions.find((d) => d.decision.action === 'wait' && d.holder === 'r2');
    expect(wait?.decision.action === 'wait' && wait.decision.reason).toBe(
      'waiting for VRAM: r1 holds 700 MB',
    );
    expect(arb.usedBytes()).toBe(0);
  });

  it('is FIFO-fair: a big head request is not overtaken by later small ones', async () => {
    const { arb } = make();
    const first = await arb.reserve(sdReq('running', 600 * MB, ''));
    const granted: string[] = [];
    const big = arb.reserve(sdReq('big', 900 * MB, '')).then((l) => {
      granted.push('big');
      return l;
    });
    const small = arb.reserve(sdReq('small', 200 * MB, '')).then((l) => {
      granted.push('small');
      return l;
    });
    await sleep(5);
    expect(granted).toEqual([]); // small would fit now, but big is first in line
    first.release();
    const bigLease = await big;
    expect(granted).toEqual(['big']);
    bigLease.release();
    (await small).release();
    expect(granted).toEqual(['big', 'small']);
  });

  it('a cancelled waiter leaves the queue and the next one proceeds', async () => {
    const { arb } = make();
    const held = await arb.reserve(sdReq('held', 600 * MB, ''));
    const ac = new AbortController();
    const cancelled = arb.reserve(sdReq('cancel-me', 900 * MB, ''), { signal: ac.signal });
    const next = arb.reserve(sdReq('next', 300 * MB, ''));
    await sleep(2);
    expect(arb.snapshot().queue.map((q) => q.holder)).toEqual(['cancel-me', 'next']);
    ac.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    const l = await next; // fits beside 'held' once the big head is gone
    expect(arb.snapshot().queue).toEqual([]);
    l.release();
    held.release();
    expect(arb.usedBytes()).toBe(0);
  });

  it('an already-aborted signal rejects at once', async () => {
    const { arb } = make();
    await expect(
      arb.reserve(sdReq('x', 1, ''), { signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('refuses a request that cannot fit even alone, with the UI sentence', async () => {
    const { arb, decisions } = make();
    await expect(arb.reserve(sdReq('huge', 800 * MB, 'flux', 900 * MB))).rejects.toMatchObject({
      code: 'VRAM_REFUSED',
    });
    expect(decisions.at(-1)!.decision.action).toBe('refuse');
    // the queue moves on
    (await arb.reserve(sdReq('ok', 100 * MB, ''))).release();
  });

  it('executes evictions through the callback, LRU first, and tells why', async () => {
    let t = 0;
    const { arb, evictions, decisions } = make({ now: () => ++t });
    arb.noteResident('llm', 'old', 300 * MB, 'weights', 'old-llm');
    arb.noteResident('llm', 'new', 300 * MB, 'weights', 'new-llm');
    arb.noteResident('llm', 'new', 100 * MB, 'kv');
    const lease = await arb.reserve({ ...sdReq('g', 200 * MB, 'sdxl', 300 * MB), label: 'SDXL' });
    // need 500; free 300 → deficit 200: the context (100) is not enough → unload the LRU model.
    expect(evictions).toEqual(['hard:llm:old']);
    const ev = decisions.find((d) => d.decision.action === 'evict')!;
    expect(ev.decision.message).toBe('Unloaded the LLM old-llm (300 MB) to make room for SDXL.');
    expect(lease.decisions.map((d) => d.action)).toEqual(['evict', 'proceed']);
    expect(arb.usedBytes()).toBe(900 * MB);
    lease.release();
  });

  it('soft-evicts an idle context when that is enough', async () => {
    const { arb, evictions } = make();
    arb.noteResident('llm', 'llama', 300 * MB);
    arb.noteResident('llm', 'llama', 300 * MB, 'kv');
    (await arb.reserve(sdReq('g', 500 * MB, ''))).release();
    expect(evictions).toEqual(['soft:llm:llama']);
    expect(arb.snapshot().resident.llm.map((e) => e.kind)).toEqual(['weights']);
  });

  it('never evicts a model in use by a running lease; waits instead', async () => {
    const { arb, evictions } = make();
    const llm = await arb.reserve({
      holder: 'e1',
      worker: 'llm',
      model: 'llama',
      weightsBytes: 400 * MB,
      computeBytes: 100 * MB,
    });
    let granted = false;
    const sd = arb.reserve(sdReq('g1', 500 * MB, 'sdxl', 200 * MB)).then((l) => {
      granted = true;
      return l;
    });
    await sleep(5);
    expect(granted).toBe(false);
    llm.release(); // now the idle LLM can be unloaded
    const l = await sd;
    expect(evictions).toEqual(['hard:llm:llama']);
    l.release();
  });

  it('fails the waiting request when an eviction fails, and keeps serving', async () => {
    const { arb } = make({
      evict: async () => {
        throw new Error('worker said no');
      },
    });
    arb.noteResident('llm', 'llama', 800 * MB);
    await expect(arb.reserve(sdReq('g', 500 * MB, ''))).rejects.toMatchObject({
      code: 'VRAM_EVICT_FAILED',
    });
    (await arb.reserve(sdReq('small', 100 * MB, ''))).release();
  });

  it('releaseWorker drops the leases and resident entries of a crashed worker and unblocks waiters', async () => {
    const { arb } = make();
    const a = await arb.reserve({
      holder: 'e1',
      worker: 'llm',
      model: 'llama',
      weightsBytes: 400 * MB,
      computeBytes: 300 * MB,
    });
    const waiting = arb.reserve(sdReq('g', 600 * MB, ''));
    await sleep(2);
    arb.releaseWorker('llm');
    const l = await waiting;
    expect(a.released).toBe(true);
    a.release(); // late release after the crash is harmless
    expect(arb.usedBytes()).toBe(600 * MB);
    l.release();
    expect(arb.usedBytes()).toBe(0);
  });

  it('transient workers drop their weights after each job', async () => {
    const { arb } = make({ transientWorkers: ['sd'] });
    (await arb.reserve(sdReq('g', 100 * MB, 'sdxl', 300 * MB))).release();
    expect(arb.usedBytes()).toBe(0);
  });

  it('mitigates when the SD request only fits with flags, and hands them to the caller', async () => {
    const { arb } = make({ mitigationsAvailable: { vaeTiling: true } });
    const GB = 1e9;
    const lease = await arb.reserve({
      holder: 'g',
      worker: 'sd',
      model: 'sd15',
      weightsBytes: 0.6e9,
      computeBytes: 0.6e9,
      sd: {
        diffusionWeightsBytes: 0.5e9,
        vaeWeightsBytes: 0.05e9,
        textEncoderWeightsBytes: 0.05e9,
        diffusionComputeBytes: 0.2e9,
        vaeDecodeBytes: 0.5e9,
        vaeDecodeTiledBytes: 0.1e9,
        fixedOverheadBytes: 0.1e9,
      },
    });
    expect(lease.mitigations).toEqual({ vaeTiling: true });
    expect(lease.bytes + lease.weightsBytes).toBeLessThanOrEqual(1 * GB);
    lease.release();
  });

  it('noteActual stores projected vs actual and corrects the next estimate of that model', async () => {
    const { arb } = make();
    (await arb.reserve(sdReq('g1', 200 * MB, 'sd15', 100 * MB))).release();
    const rec = arb.noteActual('sd15', 450 * MB)!;
    expect(rec).toMatchObject({ projectedBytes: 300 * MB, actualBytes: 450 * MB, ratio: 1.5 });
    arb.noteUnloaded('sd');
    const l = await arb.reserve(sdReq('g2', 200 * MB, 'sd15', 100 * MB));
    expect(l.bytes + l.weightsBytes).toBe(450 * MB);
    l.release();
    // a second measurement compares with the raw estimate again (no oscillation)
    expect(arb.noteActual('sd15', 450 * MB)!.ratio).toBe(1.5);
    expect(arb.snapshot().models).toMatchObject([{ model: 'sd15', ratio: 1.5, samples: 2 }]);
    expect(arb.noteActual('never-seen', 1)).toBeUndefined();
  });

  it('a preset measurement wins over the estimate', async () => {
    const { arb } = make();
    const l = await arb.reserve({
      ...sdReq('g', 100 * MB, 'p', 200 * MB),
      measuredBytes: 700 * MB,
    });
    expect(l.bytes + l.weightsBytes).toBe(700 * MB);
    l.release();
  });

  it('a shrinking budget is respected by new grants; running leases are not touched', async () => {
    const { arb, evictions } = make();
    arb.noteResident('llm', 'llama', 300 * MB);
    const running = await arb.reserve(sdReq('run', 400 * MB, ''));
    arb.setBudget(600 * MB, 0);
    let granted = false;
    const next = arb.reserve(sdReq('next', 200 * MB, '')).then((l) => {
      granted = true;
      return l;
    });
    await sleep(5);
    expect(evictions).toEqual(['hard:llm:llama']); // idle model unloaded first
    expect(granted).toBe(true); // 400 + 200 = 600
    expect(running.released).toBe(false);
    (await next).release();
    running.release();
  });

  it('snapshot lists budget, leases, resident per worker, queue and the last N decisions', async () => {
    const { arb } = make({ historySize: 3 });
    const a = await arb.reserve(sdReq('a', 600 * MB, 'm', 100 * MB));
    const b = arb.reserve({
      holder: 'b',
      worker: 'llm',
      model: 'llama',
      weightsBytes: 300 * MB,
      computeBytes: 100 * MB,
    });
    await sleep(2);
    const s = arb.snapshot();
    expect(s).toMatchObject({
      budgetBytes: 1000 * MB,
      reserveBytes: 0,
      capacityBytes: 1000 * MB,
      usedBytes: 700 * MB,
    });
    expect(s.leases).toMatchObject([{ holder: 'a', worker: 'sd', bytes: 600 * MB }]);
    expect(s.resident.sd).toMatchObject([{ model: 'm', idle: false }]);
    expect(s.queue).toMatchObject([
      { holder: 'b', reason: 'waiting for VRAM: a holds 600 MB, m (sd, in use) holds 100 MB' },
    ]);
    a.release();
    (await b).release();
    expect(arb.snapshot().decisions.length).toBe(3);
  });
});

export type { Lease };
