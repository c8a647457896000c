/**
 * Shared pieces of the LLM node executors (llm-enhance, tag): model resolution with a clear
 * "not configured" error, the merged LLM config, the context size, progress forwarding, and the
 * seed check.
 */
import type { ExecContext, ResolvedModel } from '../engine/executor';
import { UserError, UnexpectedError } from '../errors';
import { sentences } from '../../wire/errors';
import type { ProgressMsg } from '../../workers/protocol/messages';
import { mergeLlmConfig, type LlmConfig } from '../llm/defaults';
import { preparedModel } from './models';
import { canonicalSeed, seedToUint32 } from '../../nodes/core/seed';

/**
 * The GGUF file of the node's `model` param, as preparation resolved it (`ctx.models.model`).
 * @throws UserError MODEL_NOT_CONFIGURED when the param is empty (no silent fallback)
 */
export function resolveLlm(
  ctx: Pick<ExecContext, 'models'>,
  ref: string,
  nodeTitle: string,
): ResolvedModel {
  if (!ref.trim()) {
    throw new UserError('MODEL_NOT_CONFIGURED', sentences.modelNotConfigured(nodeTitle, 'llm'));
  }
  return preparedModel(ctx, 'model');
}

/** config.json's `llm` section merged over the defaults. */
export function llmConfig(ctx: ExecContext): LlmConfig {
  return mergeLlmConfig((ctx.config as { llm?: unknown }).llm);
}

/**
 * The context size (tokens) of an LLM job: the arbiter's out-of-memory retry asks for a smaller
 * one through `ctx.mitigations.contextSize` (runtime/arbiter/oom.ts), which wins over the LLM
 * preset's, which wins over config.json's `llm.contextSize`.
 */
export function llmContextSize(
  ctx: ExecContext,
  presetContextSize: number | undefined,
  cfg: LlmConfig,
): number {
  const retry = ctx.mitigations.contextSize;
  return typeof retry === 'number' ? retry : (presetContextSize ?? cfg.contextSize);
}

/**
 * A worker-call `onProgress` that re-emits the llm worker's progress as `node.progress` with phase
 * 'generating': step/steps (tokens so far / maximum) and, with `withText`, the partial text.
 */
export function forwardLlmProgress(
  ctx: ExecContext,
  o: { withText: boolean },
): (p: ProgressMsg) => void {
  return (p) =>
    ctx.progress({
      phase: 'generating',
      ...(p.step !== undefined ? { step: p.step } : {}),
      ...(p.steps !== undefined ? { steps: p.steps } : {}),
      ...(o.withText && p.text !== undefined ? { text: p.text } : {}),
    });
}

/**
 * The runtime resolves `seed: "random"` before execution; anything else here is a bug. llama.cpp's
 * sampler seed is 32-bit, so a 64-bit seed is reduced to its low 32 bits (documented, deterministic;
 * nodes/core/seed.ts `seedToUint32`).
 */
export function concreteSeed(seed: unknown): number {
  const s = canonicalSeed(seed);
  if (s === undefined) {
    throw new UnexpectedError(
      `seed should have been resolved to an integer before execution, got ${JSON.stringify(seed)}`,
    );
  }
  return seedToUint32(s);
}
