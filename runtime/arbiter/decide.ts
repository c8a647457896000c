/**
 * THE arbiter decision (design.md §6): a pure function from the ledger and one request to one of
 * proceed / evict / mitigate (possibly with evictions) / wait / refuse, each with a sentence for
 * the UI. No clocks, no I/O: the stateful {@link Arbiter} (leases.ts) feeds it and executes it.
 *
 * Rules, in order:
 * 1. refuse when the request cannot fit even with every other model gone and every available
 *    mitigation on (ComfyUI only learns this from an OOM; we say it up front);
 * 2. proceed when it fits in the free memory;
 * 3. evict idle entries (never the model the request needs) when that is enough: soft (drop an
 *    LLM context) before hard (unload a model), least-recently-used first, fewest hard evictions;
 * 4. mitigate (sd.cpp flags, cheapest first: VAE tiling, text encoders on CPU, VAE on CPU,
 *    offload to CPU, `--max-vram`), with evictions if still needed;
 * 5. otherwise wait: the shortage is held by running nodes, which will release it.
 */
import { formatBytes, joinPhrases, workerNoun } from './format';
import type {
  ArbiterRequest,
  DecideInput,
  Decision,
  Eviction,
  Mitigations,
  MitigationsAvailable,
  ResidentEntry,
} from './types';

const MIB = 1024 * 1024;

/**
 * How much larger than its `--max-vram` budget a job can be: sd.cpp docs/performance.md says
 * offload + max-vram + stream-layers "can run models roughly 3–4x larger than the raw VRAM would
 * allow" (anchors-performance.md §2). We take the low end.
 */
export const MAX_VRAM_STRETCH = 3;

/** Bytes a request needs with the given mitigations (weights not yet resident + compute). */
export function requestNeed(req: ArbiterRequest, m: Mitigations, reusedKvBytes = 0): number {
  const residentWeights = req.alreadyResidentOnWorker;
  if (!req.sd) {
    return (residentWeights ? 0 : req.weightsBytes) + Math.max(0, req.computeBytes - reusedKvBytes);
  }
  const b = req.sd;
  const te = m.clipOnCpu ? 0 : b.textEncoderWeightsBytes;
  const vae = m.vaeOnCpu ? 0 : b.vaeWeightsBytes;
  // --offload-to-cpu keeps weights in RAM and moves one module to the device while it runs.
  const weights = m.offloadToCpu
    ? Math.max(b.diffusionWeightsBytes, te, vae)
    : b.diffusionWeightsBytes + te + vae;
  // sd.cpp frees each phase's compute buffer before the next phase: the peak is the larger phase.
  const plain = Math.max(b.diffusionComputeBytes, b.vaeDecodeBytes) + b.fixedOverheadBytes;
  const vaeCompute = m.vaeOnCpu ? 0 : m.vaeTiling ? b.vaeDecodeTiledBytes : b.vaeDecodeBytes;
  const mitigated = Math.max(b.diffusionComputeBytes, vaeCompute) + b.fixedOverheadBytes;
  // computeBytes may carry a measured correction: keep its ratio to the table estimate.
  const scale = plain > 0 ? req.computeBytes / plain : 1;
  return (residentWeights ? 0 : weights) + Math.round(mitigated * scale);
}

/** Cheapest-first mitigation ladder for what the machine offers (without `--max-vram`). */
function ladder(avail: MitigationsAvailable): Mitigations[] {
  const steps: Mitigations[] = [{}];
  let cur: Mitigations = {};
  for (const key of ['vaeTiling', 'clipOnCpu', 'vaeOnCpu', 'offloadToCpu'] as const) {
    if (!avail[key]) continue;
    cur = { ...cur, [key]: true };
    steps.push(cur);
  }
  return steps;
}

const sum = (xs: { bytes: number }[]) => xs.reduce((a, x) => a + x.bytes, 0);

/**
 * Chooses evictions freeing at least `deficit` bytes from `candidates` (all idle, none needed):
 * soft evictions alone when enough (LRU order); otherwise the fewest hard evictions of the least
 * recently used models, topped up with soft ones. Returns null when everything is not enough.
 */
export function planEvictions(candidates: ResidentEntry[], deficit: number): Eviction[] | null {
  if (deficit <= 0) return [];
  const lru = [...candidates].sort((a, b) => a.lastUsedAt - b.lastUsedAt);
  const softs = lru.filter((e) => e.kind === 'kv');
  const takeSofts = (pool: ResidentEntry[], need: number): Eviction[] | null => {
    const out: Eviction[] = [];
    let freed = 0;
    for (const e of pool) {
      if (freed >= need) break;
      out.push({ worker: e.worker, model: e.model, mode: 'soft', bytes: e.bytes });
      freed += e.bytes;
    }
    return freed >= need ? out : null;
  };
  const softOnly = takeSofts(softs, deficit);
  if (softOnly) return softOnly;

  // Models that can be unloaded: an idle weights entry; LRU by that entry's last use.
  const hardGroups = lru
    .filter((e) => e.kind === 'weights')
    .map((w) => ({
      w,
      kv: lru.filter((e) => e.kind === 'kv' && e.worker === w.worker && e.model === w.model),
    }));
  for (let k = 1; k <= hardGroups.length; k++) {
    const hard = hardGroups.slice(0, k);
    const freedHard = hard.reduce((a, g) => a + g.w.bytes + sum(g.kv), 0);
    const covered = new Set(hard.flatMap((g) => g.kv));
    const rest = takeSofts(
      softs.filter((s) => !covered.has(s)),
      deficit - freedHard,
    );
    if (rest) {
      return [
        ...hard.map((g): Eviction => ({
          worker: g.w.worker,
          model: g.w.model,
          mode: 'hard',
          bytes: g.w.bytes + sum(g.kv),
        })),
        ...rest,
      ];
    }
  }
  return null;
}

function describeEvictions(evictions: Eviction[], resident: ResidentEntry[]): string {
  const name = (e: Eviction) =>
    resident.find((r) => r.worker === e.worker && r.model === e.model)?.label ?? e.model;
  return joinPhrases(
    evictions.map((e) =>
      e.mode === 'hard'
        ? `unloaded ${workerNoun(e.worker)} ${name(e)} (${formatBytes(e.bytes)}${e.worker === 'sd' ? ', its sd-server stopped' : ''})`
        : `dropped the context of ${name(e)} (${formatBytes(e.bytes)})`,
    ),
  );
}

function describeMitigations(m: Mitigations): string {
  const parts: string[] = [];
  if (m.vaeTiling) parts.push('VAE tiling');
  if (m.clipOnCpu) parts.push('the text encoders on the CPU');
  if (m.vaeOnCpu) parts.push('the VAE on the CPU');
  if (m.offloadToCpu) parts.push('weights offloaded to the CPU');
  if (m.maxVramMb !== undefined)
    parts.push(`a ${formatBytes(m.maxVramMb * MIB)} device budget (--max-vram)`);
  return joinPhrases(parts);
}

/**
 * sd-server takes VAE tiling, CPU placement and offload only at start-up (sdcpp.md §2): a resident
 * stack of this model is restarted with the new flags (workers/sd/server/manager.ts).
 */
function restartNote(req: ArbiterRequest, keptForRequest: number): string {
  return req.worker === 'sd' && keptForRequest > 0
    ? ' (sd-server takes these flags only at start-up: the resident stack restarts with them)'
    : '';
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * Decides what to do with one request. Pure and total: never throws for well-formed numbers.
 * See the module comment for the rules; see types.ts for the shapes.
 */
export function decide(input: DecideInput): Decision {
  const { request: req, resident, leases } = input;
  const label = req.label ?? (req.model || req.holder);
  const capacity = Math.max(0, input.budgetBytes - input.reserveBytes);
  const needed = (e: ResidentEntry) =>
    e.worker === req.worker && e.model === req.model && req.model !== '';
  // An idle context of the same LLM is reused by the job: its KV bytes are already counted.
  const reusedKv =
    req.worker === 'llm' ? sum(resident.filter((e) => needed(e) && e.kind === 'kv' && e.idle)) : 0;
  const keptForRequest = sum(resident.filter(needed));
  const used = sum(resident) + sum(leases);
  const free = capacity - used;
  const evictable = resident.filter((e) => e.idle && !needed(e));
  const reachable = free + sum(evictable);

  const steps = req.sd ? ladder(input.mitigationsAvailable) : [{}];
  const strongest = steps[steps.length - 1]!;
  const useMaxVram = Boolean(req.sd && input.mitigationsAvailable.maxVram);
  const strongestNeed = requestNeed(req, strongest, reusedKv);
  const minimalAlone = useMaxVram ? Math.ceil(strongestNeed / MAX_VRAM_STRETCH) : strongestNeed;
  const plainNeed = requestNeed(req, {}, reusedKv);

  if (minimalAlone + keptForRequest > capacity) {
    const savings = steps.length > 1 || useMaxVram ? ' even with every memory saving on' : '';
    const reason =
      `${label} needs ${formatBytes(minimalAlone + keptForRequest)}${savings}, more than the ${formatBytes(capacity)} budget ` +
      `(${formatBytes(input.budgetBytes)} minus a ${formatBytes(input.reserveBytes)} reserve)`;
    return {
      action: 'refuse',
      reason,
      projectedBytes: plainNeed,
      message: `Cannot run ${label}: it ${reason.slice(label.length + 1)}. Lower the resolution, pick a smaller or quantized model, or raise vram.budgetMb.`,
    };
  }

  for (const m of steps) {
    const need = requestNeed(req, m, reusedKv);
    const evictions = need <= free ? [] : planEvictions(evictable, need - free);
    if (!evictions) continue;
    const isPlain = Object.keys(m).length === 0;
    const evicted = evictions.length ? describeEvictions(evictions, resident) : '';
    if (isPlain && evictions.length === 0) {
      return {
        action: 'proceed',
        projectedBytes: need,
        message: `${label} fits: ${formatBytes(used + need)} of ${formatBytes(capacity)} in use.`,
      };
    }
    if (isPlain) {
      return {
        action: 'evict',
        evictions,
        projectedBytes: need,
        message: `${cap(evicted)} to make room for ${label}.`,
      };
    }
    const how = describeMitigations(m);
    const tail = evicted ? `; ${evicted} first` : '';
    return {
      action: 'mitigate',
      mitigations: m,
      evictions,
      projectedBytes: need,
      message: `Running ${label} with ${how} to fit in ${formatBytes(capacity)}${tail}${restartNote(req, keptForRequest)}.`,
    };
  }

  if (useMaxVram) {
    // --max-vram: give sd.cpp what is reachable (at least a third of the need), evicting for it.
    const target = Math.max(minimalAlone, Math.min(strongestNeed, free));
    const evictions = target <= free ? [] : planEvictions(evictable, target - free);
    if (evictions && target <= reachable) {
      const m: Mitigations = { ...strongest, maxVramMb: Math.floor(target / MIB) };
      const evicted = evictions.length ? `; ${describeEvictions(evictions, resident)} first` : '';
      return {
        action: 'mitigate',
        mitigations: m,
        evictions,
        projectedBytes: target,
        message: `Running ${label} with ${describeMitigations(m)} to fit in ${formatBytes(capacity)}${evicted}${restartNote(req, keptForRequest)}.`,
      };
    }
  }

  const blockers = [
    ...leases.map((l) => ({ who: l.holder, bytes: l.bytes })),
    ...resident
      .filter((e) => !e.idle && !needed(e))
      .map((e) => ({ who: `${e.label ?? e.model} (${e.worker}, in use)`, bytes: e.bytes })),
  ];
  if (blockers.length === 0) {
    // Unreachable when the ledger is consistent (the alone check passed); refuse rather than hang.
    const reason = `${label} does not fit and nothing holds memory that will be released`;
    return {
      action: 'refuse',
      reason,
      projectedBytes: plainNeed,
      message: `Cannot run ${label}: ${reason}.`,
    };
  }
  const reason = `waiting for VRAM: ${blockers.map((b) => `${b.who} holds ${formatBytes(b.bytes)}`).join(', ')}`;
  return {
    action: 'wait',
    reason,
    blockers: blockers.map((b) => b.who),
    projectedBytes: plainNeed,
    message: `${label} is ${reason}.`,
  };
}
