/**
 * Wires the VRAM arbiter into the runtime (design.md §6): before a worker node is dispatched the
 * engine asks {@link AdmissionControl.admit}; the estimate comes from the model files in the
 * registry (SD: file sizes + resolution table; LLM: GGUF header → weights + KV cache), the
 * arbiter decides (proceed / evict / mitigate / wait / refuse) and every decision is broadcast as
 * `arbiter.decision` and persisted in event_log. After the job the worker's measured peak
 * corrects later estimates; an engine out-of-memory error gets one retry with conservative
 * settings.
 */
import os from 'node:os';
import { Arbiter } from './leases';
import { resolveBudget, defaultReserveBytes, mitigationsFor } from './budget';
import { estimateSd, estimateLlm } from './estimate';
import { withOomRetry } from './oom';
import type { WorkerKind } from './types';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { EventBus } from '../engine/events';
import type { WorkerSupervisor } from '../workers/supervisor';
import type { AdmissionControl, AdmissionRequest } from '../engine/deps';
import type { ResolvedModel } from '../engine/executor';

const MIB = 1024 * 1024;

export interface AdmissionDeps {
  /** GGUF/registry metadata of a resolved model (architecture, block count, …), null if unknown. */
  modelMeta: (m: ResolvedModel) => Record<string, unknown> | null;
  config: Config;
  supervisor: WorkerSupervisor;
  bus: EventBus;
  logger: Logger;
}

/** Estimate for one node: weights of the models it names + compute for this job. */
export function estimateNode(req: Pick<AdmissionRequest, 'spec' | 'params' | 'models'>, modelMeta: (m: ResolvedModel) => Record<string, unknown> | null) {
  const worker = req.spec.worker as WorkerKind;
  const main = req.models.model;
  const p = req.params as Record<string, number | string | undefined>;
  if (worker === 'llm') {
    const meta = main ? modelMeta(main) : null;
    const ctx = 2048;
    if (main && meta && typeof meta.blockCount === 'number' && typeof meta.embeddingLength === 'number' && typeof meta.headCount === 'number') {
      const e = estimateLlm({
        fileBytes: main.bytes, nLayers: meta.blockCount, contextSize: Math.min(ctx, Number(meta.contextLength ?? ctx)),
        nEmbd: meta.embeddingLength, nHead: meta.headCount, ...(typeof meta.headCountKv === 'number' ? { nHeadKv: meta.headCountKv } : {}),
      });
      return { weightsBytes: e.weightsBytes, computeBytes: e.computeBytes };
    }
    const fallback = req.spec.estimate?.(req.params as never);
    return { weightsBytes: main?.bytes ?? 0, computeBytes: fallback?.computeBytes ?? 64 * MIB };
  }
  const files = [
    ...(main ? [{ role: 'diffusion' as const, bytes: main.bytes }] : []),
    ...(req.models.vae ? [{ role: 'vae' as const, bytes: req.models.vae.bytes }] : []),
  ];
  if (typeof p.width === 'number' && typeof p.height === 'number') {
    const meta = main ? modelMeta(main) : null;
    const e = estimateSd(files, { family: (meta?.architecture as string | undefined) ?? null, width: p.width, height: p.height, batchCount: Number(p.batchCount ?? 1), cfgScale: Number(p.cfgScale ?? 7) });
    return { weightsBytes: e.weightsBytes, computeBytes: e.computeBytes, sd: e.breakdown };
  }
  const fallback = req.spec.estimate?.(req.params as never);
  return { weightsBytes: files.reduce((a, f) => a + f.bytes, 0), computeBytes: fallback?.computeBytes ?? 256 * MIB };
}

/** Builds the admission control, the LLM pass-through hook and the /api/vram snapshot. */
export function createAdmission(deps: AdmissionDeps) {
  const { config, supervisor, bus, logger } = deps;
  // Start on the RAM budget synchronously; nvidia-smi (if any) refines it a moment later.
  const ramBudget = config.vram.budgetMb ? config.vram.budgetMb * MIB : os.totalmem();
  const arbiter = new Arbiter({
    budgetBytes: ramBudget,
    reserveBytes: config.vram.reserveMb !== undefined ? config.vram.reserveMb * MIB : defaultReserveBytes(ramBudget, config.vram.budgetMb ? 'config' : 'system-ram'),
    mitigationsAvailable: mitigationsFor(false),
    transientWorkers: ['sd'],
    evict: async (worker, _model, mode) => {
      if (mode === 'hard') await supervisor.stop(worker);
      else await supervisor.unload(worker, 'soft');
    },
    onDecision: (e) => {
      bus.emit('arbiter.decision', { ...(e as unknown as Record<string, unknown>) });
      logger.info({ arbiter: e }, String((e as { message?: string }).message ?? 'arbiter decision'));
    },
  });
  let budgetSource = config.vram.budgetMb ? 'config' : 'system-ram';
  void resolveBudget({ config: config.vram, preferEnv: true }).then((b) => {
    arbiter.setBudget(b.budgetBytes, b.reserveBytes);
    budgetSource = b.source;
  }).catch(() => {});

  const off = bus.on((e) => {
    // A crashed or stopped worker holds nothing any more.
    if (e.type === 'worker.status' && (e.state === 'crashed' || e.state === 'stopped' || e.state === 'broken')) arbiter.releaseWorker(e.worker as WorkerKind);
  });

  const control: AdmissionControl = {
    async admit(req, signal) {
      const worker = req.spec.worker as WorkerKind;
      const est = estimateNode(req, deps.modelMeta);
      const model = req.models.model?.id ?? '';
      const lease = await arbiter.reserve(
        { holder: `run:${req.runId}/node:${req.nodeId}`, worker, model, label: model || req.spec.title, weightsBytes: est.weightsBytes, computeBytes: est.computeBytes, ...(est.sd ? { sd: est.sd } : {}) },
        { signal },
      );
      return {
        mitigations: { ...lease.mitigations },
        release(actual) {
          lease.release();
          // The worker's measured peak corrects the next estimate for this model (projected vs actual).
          if (model && actual?.peakBytes) arbiter.noteActual(model, actual.peakBytes, est.weightsBytes + est.computeBytes);
        },
        withRetry: (attempt, ctx) =>
          withOomRetry(
            (settings) => {
              if (settings?.sd) Object.assign(ctx.mitigations, settings.sd);
              return attempt();
            },
            {
              worker,
              signal,
              onRetry: ({ settings }) => {
                const message = `Out of memory on ${req.spec.title}: retrying once with conservative settings`;
                bus.emit('arbiter.decision', { action: 'oom-retry', message, runId: req.runId, nodeId: req.nodeId, settings });
                logger.warn({ runId: req.runId, nodeId: req.nodeId, settings }, message);
              },
              onOutcome: (r) => {
                if (r.attempt === 2) bus.emit('arbiter.decision', { action: 'oom-retry-outcome', outcome: r.outcome, message: `The retry with conservative settings ${r.outcome === 'ok' ? 'succeeded' : 'failed too'}`, runId: req.runId, nodeId: req.nodeId });
              },
            },
          ),
      };
    },
  };

  return {
    control,
    arbiter,
    /** For the OpenAI pass-through: reserve like a node would. */
    reserveLlm: async (r: { model: ResolvedModel; contextSize: number }, signal: AbortSignal) => {
      const lease = await arbiter.reserve({ holder: `openai:${Date.now()}`, worker: 'llm', model: r.model.id, weightsBytes: r.model.bytes, computeBytes: 64 * MIB }, { signal });
      return () => lease.release();
    },
    snapshot: () => ({ ...arbiter.snapshot(), budgetSource, workers: supervisor.status() }),
    close: () => off(),
  };
}
