import { describe, expect, it } from 'vitest';
import { decide, planEvictions, requestNeed } from '../../../runtime/arbiter/decide';
import type {
  ArbiterRequest,
  DecideInput,
  ResidentEntry,
  SdBreakdown,
} from '../../../runtime/arbiter/types';

const GB = 1e9;
const MB = 1e6;

function req(over: Partial<ArbiterRequest> = {}): ArbiterRequest {
  return {
    holder: 'run:r1/node:g1',
    worker: 'sd',
    model: 'sdxl',
    label: 'SDXL',
    weightsBytes: 4 * GB,
    computeBytes: 1 * GB,
    alreadyResidentOnWorker: false,
    ...over,
  };
}
function res(over: Partial<ResidentEntry>): ResidentEntry {
  return {
    worker: 'llm',
    model: 'llama',
    label: 'llama-3',
    bytes: 3.1 * GB,
    kind: 'weights',
    idle: true,
    lastUsedAt: 100,
    ...over,
  };
}
function input(over: Partial<DecideInput> = {}): DecideInput {
  return {
    budgetBytes: 8 * GB,
    reserveBytes: 0,
    request: req(),
    resident: [],
    leases: [],
    mitigationsAvailable: {},
    ...over,
  };
}
// An SDXL-like breakdown: 5 GB weights (4.2 diffusion + 0.3 vae + 0.5 TE), compute 1 GB (vae 0.9 full, 0.2 tiled).
const sdxl: SdBreakdown = {
  diffusionWeightsBytes: 4.2 * GB,
  vaeWeightsBytes: 0.3 * GB,
  textEncoderWeightsBytes: 0.5 * GB,
  diffusionComputeBytes: 0.5 * GB,
  vaeDecodeBytes: 0.9 * GB,
  vaeDecodeTiledBytes: 0.2 * GB,
  fixedOverheadBytes: 0.1 * GB,
};
const sdReq = (over: Partial<ArbiterRequest> = {}) =>
  req({ weightsBytes: 5 * GB, computeBytes: 1 * GB, sd: sdxl, ...over });
const allMit = { vaeTiling: true, clipOnCpu: true, vaeOnCpu: true, offloadToCpu: true };

describe('decide: outcome table', () => {
  const cases: { name: string; in: DecideInput; action: string; check?: (d: any) => void }[] = [
    {
      name: 'empty ledger, fits → proceed',
      in: input(),
      action: 'proceed',
      check: (d) => expect(d.projectedBytes).toBe(5 * GB),
    },
    {
      name: 'exact fit (need == budget − reserve) → proceed',
      in: input({ budgetBytes: 6 * GB, reserveBytes: 1 * GB }),
      action: 'proceed',
    },
    {
      name: 'one byte over with nothing resident and no mitigations → refuse',
      in: input({ budgetBytes: 6 * GB + 1, reserveBytes: 1 * GB + 2 }),
      action: 'refuse',
    },
    {
      name: 'already resident: only compute counts',
      in: input({
        budgetBytes: 5 * GB,
        request: req({ alreadyResidentOnWorker: true }),
        resident: [res({ worker: 'sd', model: 'sdxl', bytes: 4 * GB, idle: true })],
      }),
      action: 'proceed',
      check: (d) => expect(d.projectedBytes).toBe(1 * GB),
    },
    {
      name: 'idle LLM must go → hard eviction with the UI sentence',
      in: input({ resident: [res({})] }),
      action: 'evict',
      check: (d) => {
        expect(d.evictions).toEqual([
          { worker: 'llm', model: 'llama', mode: 'hard', bytes: 3.1 * GB },
        ]);
        expect(d.message).toBe('Unloaded the LLM llama-3 (3.1 GB) to make room for SDXL.');
      },
    },
    {
      name: 'soft eviction preferred when dropping the KV cache is enough',
      in: input({ resident: [res({ bytes: 2 * GB }), res({ kind: 'kv', bytes: 1.5 * GB })] }),
      action: 'evict',
      check: (d) => {
        expect(d.evictions).toEqual([
          { worker: 'llm', model: 'llama', mode: 'soft', bytes: 1.5 * GB },
        ]);
        expect(d.message).toMatch(/^Dropped the context of llama-3 \(1\.5 GB\)/);
      },
    },
    {
      name: 'soft not enough → hard eviction of the model, which takes its context with it',
      in: input({
        request: req({ weightsBytes: 5.5 * GB }),
        resident: [res({ bytes: 2.5 * GB }), res({ kind: 'kv', bytes: 0.5 * GB })],
      }),
      action: 'evict',
      check: (d) =>
        expect(d.evictions).toEqual([
          { worker: 'llm', model: 'llama', mode: 'hard', bytes: 3 * GB },
        ]),
    },
    {
      name: 'LRU: the least recently used idle model goes first, only as many as needed',
      in: input({
        budgetBytes: 10 * GB,
        resident: [
          res({ model: 'newer', bytes: 3 * GB, lastUsedAt: 300 }),
          res({ model: 'older', bytes: 3 * GB, lastUsedAt: 100 }),
          res({ worker: 'sd', model: 'sd15', bytes: 2 * GB, lastUsedAt: 200 }),
        ],
      }),
      action: 'evict',
      check: (d) => expect(d.evictions.map((e: any) => e.model)).toEqual(['older']),
    },
    {
      name: 'LRU across two: older then next-older',
      in: input({
        budgetBytes: 10 * GB,
        request: req({ weightsBytes: 6 * GB }),
        resident: [
          res({ model: 'newer', bytes: 3 * GB, lastUsedAt: 300 }),
          res({ model: 'older', bytes: 3 * GB, lastUsedAt: 100 }),
          res({ worker: 'sd', model: 'sd15', bytes: 2 * GB, lastUsedAt: 200 }),
        ],
      }),
      action: 'evict',
      check: (d) => expect(d.evictions.map((e: any) => e.model)).toEqual(['older', 'sd15']),
    },
    {
      name: 'never evicts the model the request needs, even when it is the LRU one',
      in: input({
        budgetBytes: 8 * GB,
        request: req({
          worker: 'llm',
          model: 'llama',
          weightsBytes: 3.1 * GB,
          computeBytes: 1 * GB,
          alreadyResidentOnWorker: true,
          label: 'llama-3',
        }),
        resident: [
          res({ lastUsedAt: 1 }),
          res({ worker: 'sd', model: 'sdxl', label: 'SDXL', bytes: 4.5 * GB, lastUsedAt: 50 }),
        ],
      }),
      action: 'evict',
      check: (d) => {
        expect(d.evictions).toEqual([
          { worker: 'sd', model: 'sdxl', mode: 'hard', bytes: 4.5 * GB },
        ]);
        expect(d.message).toBe(
          'Unloaded the image model SDXL (4.5 GB, its sd-server stopped) to make room for llama-3.',
        );
      },
    },
    {
      name: 'a busy (non-idle) model is not evicted: wait for it',
      in: input({
        resident: [res({ idle: false })],
        leases: [{ holder: 'run:r0/node:e1', worker: 'llm', bytes: 0.5 * GB }],
      }),
      action: 'wait',
      check: (d) => {
        expect(d.reason).toMatch(/^waiting for VRAM: run:r0\/node:e1 holds 500 MB/);
        expect(d.blockers).toContain('run:r0/node:e1');
      },
    },
    {
      name: 'nothing idle, memory held by a running node → wait',
      in: input({ leases: [{ holder: 'run:r2/node:g1', worker: 'sd', bytes: 5 * GB }] }),
      action: 'wait',
      check: (d) => expect(d.reason).toBe('waiting for VRAM: run:r2/node:g1 holds 5.0 GB'),
    },
    {
      name: 'eviction preferred over mitigation when eviction alone is enough',
      in: input({
        budgetBytes: 8 * GB,
        request: sdReq(),
        resident: [res({ bytes: 2.5 * GB })],
        mitigationsAvailable: allMit,
      }),
      action: 'evict',
    },
    {
      name: 'no eviction possible, mitigation fits → mitigate with the cheapest step',
      in: input({ budgetBytes: 5.4 * GB, request: sdReq(), mitigationsAvailable: allMit }),
      action: 'mitigate',
      check: (d) => {
        // tiling: compute max(0.5, 0.2)+0.1 = 0.6 → 5.6 > 5.4; + TE on CPU: 5.1 ≤ 5.4
        expect(d.mitigations).toEqual({ vaeTiling: true, clipOnCpu: true });
        expect(d.evictions).toEqual([]);
        expect(d.projectedBytes).toBe(4.5 * GB + 0.6 * GB);
        expect(d.message).toBe(
          'Running SDXL with VAE tiling and the text encoders on the CPU to fit in 5.4 GB.',
        );
      },
    },
    {
      name: 'evict + mitigate combined',
      in: input({
        budgetBytes: 5.4 * GB,
        request: sdReq(),
        resident: [res({ bytes: 0.5 * GB })],
        mitigationsAvailable: allMit,
      }),
      action: 'mitigate',
      check: (d) => {
        expect(d.mitigations).toEqual({ vaeTiling: true, clipOnCpu: true });
        expect(d.evictions.map((e: any) => e.model)).toEqual(['llama']);
        expect(d.message).toMatch(/; unloaded the LLM llama-3 \(500 MB\) first\.$/);
      },
    },
    {
      name: '--max-vram when every flag is not enough but a third of the need fits',
      in: input({
        budgetBytes: 2 * GB,
        request: sdReq(),
        mitigationsAvailable: { ...allMit, maxVram: true },
      }),
      action: 'mitigate',
      check: (d) => {
        expect(d.mitigations.maxVramMb).toBe(Math.floor((2 * GB) / (1024 * 1024)));
        expect(d.projectedBytes).toBe(2 * GB);
        expect(d.message).toMatch(/--max-vram/);
      },
    },
    {
      name: 'request alone > budget even with mitigations → refuse',
      in: input({ budgetBytes: 4 * GB, request: sdReq(), mitigationsAvailable: allMit }),
      action: 'refuse',
      check: (d) => {
        expect(d.reason).toMatch(/even with every memory saving on/);
        expect(d.message).toMatch(
          /^Cannot run SDXL: it needs 4\.8 GB even with every memory saving on, more than the 4\.0 GB budget/,
        );
      },
    },
    {
      name: 'refuse even when other models could be evicted (the alone check ignores them)',
      in: input({ budgetBytes: 4 * GB, resident: [res({ bytes: 1 * GB })] }),
      action: 'refuse',
    },
    {
      name: 'reserve counts: fits in budget but not in budget − reserve → refuse',
      in: input({ budgetBytes: 5.5 * GB, reserveBytes: 1 * GB }),
      action: 'refuse',
      check: (d) => expect(d.reason).toMatch(/minus a 1\.0 GB reserve/),
    },
    {
      name: 'LLM reuses its idle context: KV bytes are not needed twice',
      in: input({
        budgetBytes: 4 * GB,
        request: req({
          worker: 'llm',
          model: 'llama',
          weightsBytes: 3 * GB,
          computeBytes: 0.6 * GB,
          alreadyResidentOnWorker: true,
        }),
        resident: [res({ bytes: 3 * GB }), res({ kind: 'kv', bytes: 0.5 * GB })],
      }),
      action: 'proceed',
      check: (d) => expect(d.projectedBytes).toBeCloseTo(0.1 * GB, -3),
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const d = decide(c.in);
      expect(d.action).toBe(c.action);
      expect(typeof d.message).toBe('string');
      expect(d.message.length).toBeGreaterThan(10);
      c.check?.(d);
    });
  }

  it('every outcome is covered by the table', () => {
    const seen = new Set(cases.map((c) => decide(c.in).action));
    expect([...seen].sort()).toEqual(['evict', 'mitigate', 'proceed', 'refuse', 'wait']);
  });
});

describe('planEvictions', () => {
  it('returns null when everything together is not enough', () => {
    expect(planEvictions([res({ bytes: 1 * GB })], 2 * GB)).toBeNull();
  });
  it('needs nothing for a non-positive deficit', () => {
    expect(planEvictions([res({})], 0)).toEqual([]);
  });
  it('tops up a hard eviction with soft ones instead of a second hard one', () => {
    const plan = planEvictions(
      [
        res({ model: 'a', bytes: 2 * GB, lastUsedAt: 1 }),
        res({ model: 'b', bytes: 2 * GB, lastUsedAt: 2 }),
        res({ model: 'b', kind: 'kv', bytes: 0.5 * GB, lastUsedAt: 2 }),
      ],
      2.4 * GB,
    );
    expect(plan).toEqual([
      { worker: 'llm', model: 'a', mode: 'hard', bytes: 2 * GB },
      { worker: 'llm', model: 'b', mode: 'soft', bytes: 0.5 * GB },
    ]);
  });
  it('soft evictions in LRU order, stopping when enough', () => {
    const plan = planEvictions(
      [
        res({ model: 'x', kind: 'kv', bytes: 300 * MB, lastUsedAt: 5 }),
        res({ model: 'y', kind: 'kv', bytes: 300 * MB, lastUsedAt: 1 }),
        res({ model: 'z', kind: 'kv', bytes: 300 * MB, lastUsedAt: 3 }),
      ],
      500 * MB,
    );
    expect(plan!.map((e) => e.model)).toEqual(['y', 'z']);
  });
});

describe('requestNeed', () => {
  it('offload keeps only the largest module on the device; VAE on CPU removes its decode', () => {
    const r = sdReq();
    expect(requestNeed(r, {})).toBe(6 * GB);
    expect(requestNeed(r, { offloadToCpu: true })).toBeCloseTo(4.2 * GB + 1 * GB, -3);
    expect(requestNeed(r, { vaeOnCpu: true })).toBeCloseTo(4.7 * GB + 0.6 * GB, -3);
  });
  it('keeps a measured correction of computeBytes proportionally under mitigations', () => {
    const r = sdReq({ computeBytes: 2 * GB }); // twice the table's 1 GB
    expect(requestNeed(r, { vaeTiling: true })).toBeCloseTo(5 * GB + 1.2 * GB, -3);
  });
});
