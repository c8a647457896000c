/**
 * Shared pieces of the LLM node executors (llm-enhance, tag): model resolution with a clear
 * "not configured" error, the merged LLM config, and the seed check.
 */
import type { Database } from 'better-sqlite3';
import type { ExecContext, ResolvedModel } from '../engine/executor';
import { UserError, UnexpectedError } from '../errors';
import { mergeLlmConfig, type LlmConfig } from './defaults';

/**
 * Resolves the node's `model` param to a GGUF file through the registry.
 * @throws UserError MODEL_NOT_CONFIGURED when the param is empty (no silent fallback), or what
 *   ctx.resolveModel throws (MODEL_NOT_FOUND, MODEL_INVALID, …)
 */
export function resolveLlm(ctx: ExecContext, ref: string, nodeTitle: string): ResolvedModel {
  if (!ref.trim()) {
    throw new UserError(
      'MODEL_NOT_CONFIGURED',
      `${nodeTitle} needs a language model: pick a GGUF file in the node's Model field. Models are listed from the folders in MYSTI_MODELS (default: <data>/models); put a .gguf file there and rescan.`,
    );
  }
  return ctx.resolveModel(ref, 'llm');
}

/** config.json's `llm` section merged over the defaults. */
export function llmConfig(ctx: ExecContext): LlmConfig {
  return mergeLlmConfig((ctx.config as { llm?: unknown }).llm);
}

/** The runtime resolves `seed: "random"` before execution; anything else here is a bug. */
export function concreteSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0) {
    throw new UnexpectedError(`seed should have been resolved to an integer before execution, got ${JSON.stringify(seed)}`);
  }
  return seed;
}

/** The database executors reach through `ctx.services.db` (or the store facade's `db`). */
export function serviceDb(ctx: ExecContext): Database | undefined {
  const s = ctx.services as { db?: Database; store?: { db?: Database } };
  return s.db ?? s.store?.db;
}
