/**
 * Owns the llama.cpp state of the LLM worker: one `Llama` binding (prebuilt binary only, never a
 * build or download), at most one resident model and one context with a single sequence.
 * Jobs run one at a time through {@link LlmEngine.exclusive}, so a context is never shared by
 * two generations and unload never disposes what a running job uses.
 */
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import {
  getLlama,
  readGgufFileInfo,
  GgufInsights,
  LlamaLogLevel,
  type Llama,
  type LlamaModel,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
} from 'node-llama-cpp';
import { readGgufHeader, type GgufHeader } from '../../formats/gguf';
import { WorkerJobError } from '../protocol/server';
import { mapEngineError } from './errors';

export type GpuSetting = false | 'auto' | 'cuda' | 'vulkan' | 'metal';

export interface EngineOptions {
  gpu: GpuSetting;
  /** llama.cpp threads for the binding and each context. */
  threads: number;
}

/**
 * Engine settings from the worker's environment.
 * - `MYSTI_LLM_THREADS`: integer ≥ 1; default 1 when ≤ 2 cores are available (llama.cpp's
 *   threads busy-wait on each other and collapse to ~1 token/s on a shared 2-core box,
 *   shared/models/README.md), else half the cores.
 * - `MYSTI_LLM_GPU`: `false` | `auto` | `cuda` | `vulkan` | `metal`; default `auto` on Apple
 *   Silicon or when a GPU device node exists (/dev/nvidia0, /dev/dri/renderD128), else `false`.
 */
export function engineOptionsFromEnv(env: NodeJS.ProcessEnv): EngineOptions {
  const cores =
    typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  const t = Number(env.MYSTI_LLM_THREADS);
  const threads =
    Number.isInteger(t) && t >= 1 ? t : cores <= 2 ? 1 : Math.max(1, Math.floor(cores / 2));
  const g = env.MYSTI_LLM_GPU?.trim().toLowerCase();
  let gpu: GpuSetting;
  if (g === 'false' || g === 'cpu' || g === '0') gpu = false;
  else if (g === 'auto' || g === 'cuda' || g === 'vulkan' || g === 'metal') gpu = g;
  else
    gpu =
      (process.platform === 'darwin' && process.arch === 'arm64') ||
      ['/dev/nvidia0', '/dev/dri/renderD128'].some((d) => fs.existsSync(d))
        ? 'auto'
        : false;
  return { gpu, threads };
}

/** What is resident, for health and the arbiter. */
export interface LoadedInfo {
  modelId: string;
  path: string;
  /** Weights + KV cache estimate (bytes), from GgufInsights before loading. */
  bytes: number;
  weightsBytes: number;
  kvBytes: number;
  /** 0 when the context was dropped by a soft unload. */
  contextSize: number;
  hasChatTemplate: boolean;
}

interface Resident {
  modelId: string;
  path: string;
  model: LlamaModel;
  header: GgufHeader;
  weightsBytes: number;
  ctx?: {
    context: LlamaContext;
    sequence: LlamaContextSequence;
    size: number;
    kvBytes: number;
    /** The conversation whose tokens the sequence holds (see {@link LlmEngine.session}). */
    reuseKey?: string;
  };
  /** Embedding context (issue 17), separate from the generation context; disposed by any unload. */
  embed?: { context: LlamaEmbeddingContext; size: number; kvBytes: number };
}

/** A model + context ready for one job. */
export interface Session {
  model: LlamaModel;
  llama: Llama;
  sequence: LlamaContextSequence;
  contextSize: number;
  hasChatTemplate: boolean;
}

export class LlmEngine {
  private llamaP: Promise<Llama> | null = null;
  private resident: Resident | null = null;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(readonly opts: EngineOptions) {}

  /** The binding, created once. `build: 'never'` + `skipDownload`: a missing binary is an error, never a compile. */
  llama(): Promise<Llama> {
    this.llamaP ??= getLlama({
      gpu: this.opts.gpu,
      maxThreads: this.opts.threads,
      build: 'never',
      skipDownload: true,
      usePrebuiltBinaries: true,
      progressLogs: false,
      logLevel: LlamaLogLevel.warn,
      // stdout carries the ready line; engine chatter goes to stderr.
      logger: (level, message) =>
        process.stderr.write(`[llama.cpp ${level}] ${message.trimEnd()}\n`),
    }).catch((err) => {
      this.llamaP = null;
      throw new WorkerJobError(
        'ENGINE_UNAVAILABLE',
        `llama.cpp binding could not start (no build or download is attempted): ${(err as Error).message}`,
      );
    });
    return this.llamaP;
  }

  /** Runs `fn` after every previously queued job/unload finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /**
   * Estimates memory with node-llama-cpp's GgufInsights (no weights loaded).
   * @returns bytes for weights and for a context of `contextSize` tokens (KV cache + compute)
   * @throws MODEL_INVALID / MODEL_NOT_FOUND from the header check
   */
  async estimate(
    modelPath: string,
    contextSize: number,
  ): Promise<{
    weightsBytes: number;
    kvBytes: number;
    contextSize: number;
    trainContextSize: number | null;
  }> {
    const header = await this.validate(modelPath);
    const size = this.capContext(contextSize, header);
    const llama = await this.llama();
    const insights = await GgufInsights.from(await readGgufFileInfo(modelPath), llama);
    const gpuLayers = this.opts.gpu ? insights.totalLayers : 0;
    const w = await insights.estimateModelResourceRequirementsV2({ gpuLayers });
    const c = await insights.estimateContextResourceRequirementsV2({
      contextSize: size,
      modelGpuLayers: gpuLayers,
    });
    return {
      weightsBytes: w.cpuRam + w.gpuVram,
      kvBytes: c.cpuRam + c.gpuVram,
      contextSize: size,
      trainContextSize: header.contextLength,
    };
  }

  /**
   * Returns a session for `modelPath` with a context of exactly `contextSize`
   * tokens (capped to the model's trained context), loading or reusing what is resident.
   * Call only inside {@link exclusive}.
   */
  async session(
    modelPath: string,
    modelId: string | undefined,
    contextSize: number,
    reuseKey?: string,
  ): Promise<Session> {
    const abs = path.resolve(modelPath);
    if (this.resident && this.resident.path !== abs) await this.unloadNow('hard');
    if (!this.resident) await this.loadResident(abs, modelId, contextSize);
    const r = this.resident!;
    if (modelId) r.modelId = modelId;
    const size = this.capContext(contextSize, r.header);
    if ((r.ctx && r.ctx.size !== size) || r.embed) await this.unloadNow('soft');
    if (!r.ctx) {
      const est = await this.estimate(abs, size);
      try {
        const context = await r.model.createContext({
          contextSize: size,
          threads: this.opts.threads,
          sequences: 1,
        });
        r.ctx = { context, sequence: context.getSequence(), size, kvBytes: est.kvBytes };
      } catch (err) {
        throw mapEngineError(err, 'OUT_OF_MEMORY', `could not create a ${size}-token context`);
      }
    }
    // KV reuse (issue 16 §4): the same conversation's next turn keeps the sequence's tokens, so
    // LlamaChat evaluates only what follows the common prefix; anything else starts clean.
    if (!reuseKey || r.ctx.reuseKey !== reuseKey) await r.ctx.sequence.clearHistory();
    r.ctx.reuseKey = reuseKey;
    return {
      model: r.model,
      llama: await this.llama(),
      sequence: r.ctx.sequence,
      contextSize: size,
      hasChatTemplate: r.header.hasChatTemplate,
    };
  }

  /**
   * Returns an embedding context for `modelPath` (node-llama-cpp `model.createEmbeddingContext`),
   * loading the model or reusing what is resident; a generation context of the same model is
   * dropped first so only one KV cache is ever resident. Call only inside {@link exclusive}.
   * @throws WorkerJobError OUT_OF_MEMORY when the context cannot be allocated, MODEL_* from loading
   */
  async embeddingContext(
    modelPath: string,
    modelId: string | undefined,
    contextSize: number,
  ): Promise<{ context: LlamaEmbeddingContext; contextSize: number }> {
    const abs = path.resolve(modelPath);
    if (this.resident && this.resident.path !== abs) await this.unloadNow('hard');
    if (!this.resident) await this.loadResident(abs, modelId, contextSize);
    const r = this.resident!;
    if (modelId) r.modelId = modelId;
    const size = this.capContext(contextSize, r.header);
    if (r.embed && r.embed.size !== size) await this.unloadNow('soft');
    if (r.ctx) await this.unloadNow('soft');
    if (!r.embed) {
      const est = await this.estimate(abs, size);
      try {
        const context = await r.model.createEmbeddingContext({
          contextSize: size,
          batchSize: size,
          threads: this.opts.threads,
        });
        r.embed = { context, size, kvBytes: est.kvBytes };
      } catch (err) {
        throw mapEngineError(
          err,
          'OUT_OF_MEMORY',
          `could not create a ${size}-token embedding context`,
        );
      }
    }
    return { context: r.embed.context, contextSize: size };
  }

  private async loadResident(
    abs: string,
    modelId: string | undefined,
    contextSize: number,
  ): Promise<void> {
    const header = await this.validate(abs);
    const est = await this.estimate(abs, contextSize);
    const llama = await this.llama();
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: abs, gpuLayers: this.opts.gpu ? 'auto' : 0 });
    } catch (err) {
      throw mapEngineError(err, 'MODEL_LOAD_FAILED', `could not load ${abs}`);
    }
    this.resident = {
      modelId: modelId || path.basename(abs),
      path: abs,
      model,
      header,
      weightsBytes: est.weightsBytes,
    };
  }

  /** Drops the context after a cancelled/failed generation so its KV cache is freed now. */
  async dropContext(): Promise<void> {
    await this.unloadNow('soft');
  }

  /** Serialized unload: `soft` disposes the context (KV cache), `hard` the model too. */
  unload(mode: 'soft' | 'hard'): Promise<void> {
    return this.exclusive(() => this.unloadNow(mode));
  }

  private async unloadNow(mode: 'soft' | 'hard'): Promise<void> {
    const r = this.resident;
    if (!r) return;
    if (r.ctx) {
      const c = r.ctx;
      r.ctx = undefined;
      await c.context.dispose();
    }
    if (r.embed) {
      const e = r.embed;
      r.embed = undefined;
      await e.context.dispose();
    }
    if (mode === 'hard') {
      this.resident = null;
      await r.model.dispose();
    }
  }

  /** Health's `loaded` field. */
  loaded(): LoadedInfo | null {
    const r = this.resident;
    if (!r) return null;
    const kvBytes = r.ctx?.kvBytes ?? r.embed?.kvBytes ?? 0;
    return {
      modelId: r.modelId,
      path: r.path,
      bytes: r.weightsBytes + kvBytes,
      weightsBytes: r.weightsBytes,
      kvBytes,
      contextSize: r.ctx?.size ?? r.embed?.size ?? 0,
      hasChatTemplate: r.header.hasChatTemplate,
    };
  }

  private validate(modelPath: string): Promise<GgufHeader> {
    if (!path.isAbsolute(modelPath))
      throw new WorkerJobError('BAD_REQUEST', `modelPath must be absolute, got "${modelPath}"`);
    return readGgufHeader(modelPath);
  }

  private capContext(requested: number, header: GgufHeader): number {
    const want = Number.isInteger(requested) && requested >= 64 ? requested : 2048;
    return header.contextLength ? Math.min(want, header.contextLength) : want;
  }
}
