/**
 * Wires the VRAM arbiter into the runtime (design.md §6): before a worker node is dispatched the
 * engine asks {@link AdmissionControl.admit}; the estimate comes from the model files in the
 * registry or the node's preset (node-estimate.ts), the arbiter decides (proceed / evict /
 * mitigate / wait / refuse) and every decision is broadcast as `arbiter.decision` — and so
 * persisted in event_log — with its sentence for the UI. After the job:
 * - the worker's measured peak (result `memory`) corrects later estimates for the model
 *   (projected vs actual, persisted in `model_vram_peaks` when a VramPeakStore is given) and
 *   becomes the preset's measured footprint;
 * - an LLM job leaves its model and context resident: the ledger is re-read from the worker's
 *   health before the lease is given back (ledger-sync.ts);
 * - an engine out-of-memory error gets one retry with conservative settings, announced as
 *   `arbiter.decision` events `oom-retry` and `oom-retry-outcome`.
 * A crashed or stopped worker's leases and resident entries leave the ledger (worker.status).
 */
import os from 'node:os';
import { Arbiter, type DecisionEvent } from './leases';
import { Corrections, type CorrectionsPersistence } from './corrections';
import { resolveBudget, defaultReserveBytes, mitigationsFor } from './budget';
import { estimateNode, type ModelFacts, type NodeEstimate } from './node-estimate';
import { withOomRetry } from './oom';
import { LlmFootprints, evictOnWorker, syncLlmLedger, syncSdLedger } from './ledger-sync';
import { vramView } from './vram-view';
import { formatBytes } from './format';
import { estimateLlm } from './estimate';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { EventBus } from '../engine/events';
import type { WorkerSupervisor } from '../workers/supervisor';
import type { Admission, AdmissionControl } from '../engine/deps';
import type { ResolvedModel } from '../engine/executor';
import type { PresetStore } from '../store/presets';

const MIB = 1024 * 1024;

export interface AdmissionDeps {
  /** GGUF/registry metadata of a resolved model (blockCount, embeddingLength, …), null if unknown. */
  modelMeta: (m: ResolvedModel) => Record<string, unknown> | null;
  /** Registry family of a model ("sdxl", "llama", …); picks the SD compute table row. */
  modelFamily?: (m: ResolvedModel) => string | null;
  /** Presets' measured footprints, updated with each measured peak. */
  presets?: PresetStore;
  /** Persistence of projected vs actual (runtime/store/arbiter.ts VramPeakStore). */
  peaks?: CorrectionsPersistence;
  config: Config;
  supervisor: WorkerSupervisor;
  bus: EventBus;
  logger: Logger;
}

/** `run:<runId>/node:<nodeId>` → ids for the event, so decisions show up in the run's events. */
function holderIds(holder: string): { runId?: string; nodeId?: string } {
  const m = /^run:([^/]+)\/node:(.+)$/.exec(holder);
  return m ? { runId: m[1], nodeId: m[2] } : {};
}

/** The flat `arbiter.decision` event payload for one decision. */
export function decisionPayload(e: DecisionEvent): Record<string, unknown> {
  const { decision: d } = e;
  return {
    ...holderIds(e.holder),
    holder: e.holder,
    worker: e.worker,
    model: e.model,
    at: e.at,
    action: d.action,
    message: d.message,
    projectedBytes: d.projectedBytes,
    ...('evictions' in d && d.evictions.length ? { evictions: d.evictions } : {}),
    ...('mitigations' in d ? { mitigations: d.mitigations } : {}),
    ...('reason' in d ? { reason: d.reason } : {}),
    ...('blockers' in d ? { blockers: d.blockers } : {}),
  };
}

/** Builds the admission control, the LLM pass-through hook and the /api/vram snapshot. */
export function createAdmission(deps: AdmissionDeps) {
  const { config, supervisor, bus, logger } = deps;
  // Start on the configured or RAM budget synchronously; nvidia-smi (if any) refines it a moment later.
  const configured = config.vram.budgetMb ? Math.round(config.vram.budgetMb * MIB) : undefined;
  const startBudget = configured ?? os.totalmem();
  let budgetSource = configured ? 'config' : 'system-ram';
  let device = configured ? 'configured budget' : 'system RAM';
  const reserveFor = (budget: number, source: 'config' | 'system-ram') =>
    Math.min(
      config.vram.reserveMb !== undefined
        ? Math.round(config.vram.reserveMb * MIB)
        : defaultReserveBytes(budget, source),
      Math.floor(budget / 2),
    );
  const labels = new Map<string, string>();
  const footprints = new LlmFootprints();

  const arbiter = new Arbiter({
    budgetBytes: startBudget,
    reserveBytes: reserveFor(startBudget, configured ? 'config' : 'system-ram'),
    mitigationsAvailable: mitigationsFor(false),
    transientWorkers: ['sd'],
    corrections: new Corrections(deps.peaks),
    evict: async (worker, model, mode) => {
      await evictOnWorker(supervisor, worker, model, mode);
      if (worker === 'llm') await syncLlmLedger(arbiter, supervisor, labels, footprints);
      if (worker === 'sd') arbiter.noteUnloaded('sd');
    },
    onDecision: (e) => {
      const payload = decisionPayload(e);
      bus.emit('arbiter.decision', payload);
      if (e.decision.action === 'proceed') logger.debug({ arbiter: payload }, e.decision.message);
      else logger.info({ arbiter: payload }, e.decision.message);
    },
  });
  // config.vram already has MYSTI_VRAM_MB merged (runtime/config.ts): no second env lookup.
  void resolveBudget({ config: config.vram, env: {} })
    .then((b) => {
      arbiter.setBudget(b.budgetBytes, b.reserveBytes);
      arbiter.setMitigationsAvailable(mitigationsFor(b.gpu !== null));
      budgetSource = b.source;
      device = b.gpu ? `${b.gpu.name ?? 'GPU'} (${formatBytes(b.gpu.totalMb * MIB)})` : device;
    })
    .catch((err: unknown) =>
      logger.warn(
        { err: String(err) },
        'VRAM budget detection failed; keeping the start-up budget',
      ),
    );

  const off = bus.on((e) => {
    // A crashed or stopped worker holds nothing any more (its leases end, its models are gone).
    if (
      e.type === 'worker.status' &&
      (e.state === 'crashed' || e.state === 'stopped' || e.state === 'broken')
    ) {
      arbiter.releaseWorker(e.worker as 'sd' | 'llm');
    }
  });

  // Resident sd stacks (sd-server) are stopped after `sd.idleUnloadS` without an sd job.
  let sdIdleTimer: NodeJS.Timeout | undefined;
  let sdJobs = 0;
  const idleMs = (config.sd?.idleUnloadS ?? 600) * 1000;
  const scheduleSdIdle = (model: string, label: string) => {
    clearTimeout(sdIdleTimer);
    if (idleMs <= 0) return;
    sdIdleTimer = setTimeout(() => {
      if (sdJobs > 0) return;
      const entry = arbiter.snapshot().resident.sd.find((e) => e.model === model);
      if (!entry) return;
      void supervisor
        .unload('sd', 'hard')
        .then(() => {
          arbiter.noteUnloaded('sd');
          const message = `Unloaded the image model ${label} (${formatBytes(entry.bytes)}) and stopped its sd-server: idle for ${idleMs / 1000} s (sd.idleUnloadS)`;
          bus.emit('arbiter.decision', {
            action: 'idle-unload',
            worker: 'sd',
            model,
            message,
            at: Date.now(),
            evictions: [{ worker: 'sd', model, mode: 'hard', bytes: entry.bytes }],
          });
          logger.info({ model }, message);
        })
        .catch((err: unknown) =>
          logger.warn({ err: String(err) }, 'idle unload of the sd stack failed'),
        );
    }, idleMs);
    sdIdleTimer.unref();
  };

  const facts = (m: ResolvedModel): ModelFacts => ({
    metadata: deps.modelMeta(m),
    family: deps.modelFamily?.(m) ?? null,
  });

  /** Records a measured peak: projected vs actual per model, and the preset's measured footprint. */
  const noteMeasured = (est: NodeEstimate, peakBytes: number) => {
    if (est.model) arbiter.noteActual(est.model, peakBytes, est.weightsBytes + est.computeBytes);
    if (est.preset?.kind === 'image')
      deps.presets?.setImageMeasured(est.preset.value.id, peakBytes);
    if (est.preset?.kind === 'llm') deps.presets?.setLlmMeasured(est.preset.value.id, peakBytes);
  };

  /**
   * Gives a lease back. LLM: the worker keeps the model and its context resident, so the ledger
   * books them before the lease goes — at once when the worker already reported this model at
   * this context size, else after re-reading its health — and the memory never shows as free
   * while the worker still holds it. The health read then confirms (or corrects) the booking.
   */
  const finish = (est: NodeEstimate, release: () => void, peakBytes: number | undefined) => {
    if (peakBytes) noteMeasured(est, peakBytes);
    if (est.worker === 'sd') {
      // Resident mode: the stack stays in sd-server after the job; book it (else nothing stays).
      release();
      sdJobs--;
      void syncSdLedger(arbiter, supervisor, est.model, est.label).then((kept) => {
        if (kept) scheduleSdIdle(est.model, est.label);
      });
      return;
    }
    if (est.worker !== 'llm') return release();
    const known =
      est.model && est.contextSize ? footprints.get(est.model, est.contextSize) : undefined;
    if (known) {
      arbiter.noteResident('llm', est.model, known.weightsBytes, 'weights', est.label);
      arbiter.noteResident('llm', est.model, known.kvBytes, 'kv', est.label);
      release();
      release = () => undefined;
    }
    void syncLlmLedger(arbiter, supervisor, labels, footprints)
      .then((loaded) => {
        // The worker's own figure for what it holds is the LLM preset's footprint when no peak was reported.
        if (!peakBytes && loaded && loaded.modelId === est.model && est.preset?.kind === 'llm') {
          deps.presets?.setLlmMeasured(est.preset.value.id, loaded.bytes);
        }
      })
      .catch((err: unknown) =>
        logger.warn({ err: String(err) }, "could not read the llm worker's resident memory"),
      )
      .finally(release);
  };

  const control: AdmissionControl = {
    async admit(req, signal): Promise<Admission> {
      // Runtime-side nodes (prompt, save, upscale with Lanczos, …) use no worker memory.
      if (!req.node.spec.worker) return { mitigations: {}, release: () => undefined };
      const est = estimateNode(req, { facts, rawConfig: config.raw });
      if (est.model) labels.set(est.model, est.label);
      const lease = await arbiter.reserve(
        {
          holder: `run:${req.runId}/node:${req.nodeId}`,
          worker: est.worker,
          model: est.model,
          label: est.label,
          weightsBytes: est.weightsBytes,
          computeBytes: est.computeBytes,
          ...(est.sd ? { sd: est.sd } : {}),
          ...(est.measuredBytes ? { measuredBytes: est.measuredBytes } : {}),
        },
        { signal },
      );
      let done = false;
      if (est.worker === 'sd') {
        sdJobs++;
        clearTimeout(sdIdleTimer);
      }
      return {
        mitigations: { ...lease.mitigations },
        release(actual) {
          if (done) return;
          done = true;
          finish(est, () => lease.release(), actual?.peakBytes);
        },
        withRetry: (attempt, ctx) =>
          withOomRetry(
            (settings) => {
              if (settings?.sd) Object.assign(ctx.mitigations, settings.sd);
              if (settings?.llm) ctx.mitigations.contextSize = settings.llm.contextSize;
              return attempt();
            },
            {
              worker: est.worker,
              signal,
              ...(est.contextSize ? { current: { contextSize: est.contextSize } } : {}),
              onRetry: ({ error, settings }) => {
                const code = (error as { code?: string }).code;
                const message =
                  `${est.label} ran out of memory; retrying once with conservative settings` +
                  (settings.sd
                    ? ' (VAE tiling, VAE and text encoders on the CPU, weights offloaded)'
                    : settings.llm
                      ? ` (a ${settings.llm.contextSize}-token context)`
                      : '');
                bus.emit('arbiter.decision', {
                  action: 'oom-retry',
                  attempt: 2,
                  message,
                  runId: req.runId,
                  nodeId: req.nodeId,
                  worker: est.worker,
                  model: est.model,
                  settings,
                  error: {
                    code,
                    message: error instanceof Error ? error.message : String(error),
                    details: (error as { details?: unknown }).details,
                  },
                });
                logger.warn({ runId: req.runId, nodeId: req.nodeId, settings, code }, message);
              },
              onOutcome: (r) => {
                if (r.attempt !== 2) return;
                const message =
                  r.outcome === 'ok'
                    ? `The retry of ${est.label} with conservative settings succeeded`
                    : `The retry of ${est.label} with conservative settings failed too`;
                bus.emit('arbiter.decision', {
                  action: 'oom-retry-outcome',
                  attempt: 2,
                  outcome: r.outcome,
                  message,
                  runId: req.runId,
                  nodeId: req.nodeId,
                  worker: est.worker,
                  model: est.model,
                  ...(r.error
                    ? {
                        error: {
                          code: (r.error as { code?: string }).code,
                          message: r.error instanceof Error ? r.error.message : String(r.error),
                        },
                      }
                    : {}),
                });
                logger[r.outcome === 'ok' ? 'info' : 'warn'](
                  { runId: req.runId, nodeId: req.nodeId, outcome: r.outcome },
                  message,
                );
              },
            },
          ),
      };
    },
  };

  /**
   * Applies a changed `vram` config (the Settings panel, issue 15 §7) to the running arbiter:
   * the budget and reserve are resolved as at start-up (budget.ts) and set at once.
   */
  const applyVram = async (vram: { budgetMb?: number; reserveMb?: number }): Promise<void> => {
    const b = await resolveBudget({ config: vram, env: {} });
    arbiter.setBudget(b.budgetBytes, b.reserveBytes);
    budgetSource = b.source;
    if (b.source === 'config') device = 'configured budget';
  };

  return {
    control,
    arbiter,
    applyVram,
    /**
     * For the OpenAI pass-through and gallery auto-tagging: reserve like an LLM node would;
     * the returned function gives the lease back (after re-reading what the worker keeps).
     */
    reserveLlm: async (r: { model: ResolvedModel; contextSize: number }, signal: AbortSignal) => {
      const meta = deps.modelMeta(r.model);
      const num = (k: string) =>
        meta && typeof meta[k] === 'number' ? (meta[k] as number) : undefined;
      const blocks = num('blockCount'),
        embd = num('embeddingLength'),
        heads = num('headCount'),
        kvHeads = num('headCountKv');
      const contextSize = Math.min(r.contextSize, num('contextLength') ?? r.contextSize);
      const e =
        blocks !== undefined && embd !== undefined && heads !== undefined
          ? estimateLlm({
              fileBytes: r.model.bytes,
              nLayers: blocks,
              contextSize,
              nEmbd: embd,
              nHead: heads,
              ...(kvHeads !== undefined ? { nHeadKv: kvHeads } : {}),
            })
          : { weightsBytes: r.model.bytes, computeBytes: 64 * MIB };
      const label = r.model.id.split('/').pop() ?? r.model.id;
      const lease = await arbiter.reserve(
        {
          holder: `openai:${Date.now()}`,
          worker: 'llm',
          model: r.model.id,
          label,
          weightsBytes: e.weightsBytes,
          computeBytes: e.computeBytes,
        },
        { signal },
      );
      const est: NodeEstimate = {
        worker: 'llm',
        model: r.model.id,
        label,
        weightsBytes: e.weightsBytes,
        computeBytes: e.computeBytes,
        contextSize,
      };
      let done = false;
      return () => {
        if (done) return;
        done = true;
        finish(est, () => lease.release(), undefined);
      };
    },
    /** The `GET /api/vram` body (vram-view.ts). */
    snapshot: () =>
      vramView(arbiter.snapshot(), { budgetSource, device, workers: supervisor.status() }),
    close: () => {
      clearTimeout(sdIdleTimer);
      off();
    },
  };
}
