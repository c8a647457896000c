/**
 * The `embed` job (issue 17): text → embedding vectors with node-llama-cpp's embedding context
 * (`model.createEmbeddingContext()` + `getEmbeddingFor()`, node-llama-cpp.withcat.ai/guide/embedding).
 * A batch is embedded in one exclusive slot so a back-fill of hundreds of prompts pays the model
 * load once; the job's AbortSignal is honoured between inputs.
 */
import { z } from 'zod';
import type { JobContext } from '../protocol/server';
import { WorkerJobError } from '../protocol/server';
import type { LlmEngine } from './engine';
import { mapEngineError } from './errors';

/** At most this many inputs per job (OpenAI's limit is 2048; ours keeps one job short enough to cancel). */
export const MAX_EMBED_BATCH = 512;

export const embedPayload = z.object({
  modelPath: z.string().min(1),
  modelId: z.string().optional(),
  /** Tokens per input; longer inputs are truncated to fit (reported in `truncated`). */
  contextSize: z
    .number()
    .int()
    .min(64)
    .max(1 << 20)
    .default(512),
  input: z.array(z.string().max(1_000_000)).min(1).max(MAX_EMBED_BATCH),
});

export interface EmbedOutput {
  /** One L2-normalized vector per input, in input order (cosine similarity = dot product). */
  vectors: number[][];
  dimension: number;
  /** Tokens evaluated per input (after truncation). */
  tokens: number[];
  /** Indexes of inputs cut to the context size. */
  truncated: number[];
}

/** Scales `v` to unit length; a zero vector stays zero. */
export function l2normalize(v: readonly number[]): number[] {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return n > 0 ? v.map((x) => x / n) : v.map(() => 0);
}

/**
 * Embeds `p.input`. Call through the job table (it takes `engine.exclusive`).
 * @throws WorkerJobError CANCELLED when the signal fires, OUT_OF_MEMORY, MODEL_*; ENGINE_FAILED
 *   when the model returns an empty vector (not an embedding-capable model)
 */
export async function embed(
  engine: LlmEngine,
  p: z.infer<typeof embedPayload>,
  ctx: JobContext,
): Promise<EmbedOutput> {
  return engine.exclusive(async () => {
    const { context, contextSize } = await engine.embeddingContext(
      p.modelPath,
      p.modelId,
      p.contextSize,
    );
    const vectors: number[][] = [];
    const tokens: number[] = [];
    const truncated: number[] = [];
    let dimension = 0;
    for (let i = 0; i < p.input.length; i++) {
      if (ctx.signal.aborted) throw new WorkerJobError('CANCELLED', 'embedding cancelled');
      let toks = context.model.tokenize(p.input[i]!);
      // Empty text still gets a vector (the BOS token's): callers index every generation, even prompt-less ones.
      if (toks.length === 0)
        toks =
          context.model.tokens.bos !== null
            ? [context.model.tokens.bos]
            : context.model.tokenize(' ');
      if (toks.length > contextSize) {
        toks = toks.slice(0, contextSize);
        truncated.push(i);
      }
      let vector: readonly number[];
      try {
        vector = (await context.getEmbeddingFor(toks)).vector;
      } catch (err) {
        throw mapEngineError(err, 'ENGINE_FAILED', `could not embed input ${i}`);
      }
      if (!vector.length)
        throw new WorkerJobError(
          'ENGINE_FAILED',
          `${p.modelId ?? p.modelPath} returned an empty embedding`,
        );
      if (dimension && vector.length !== dimension)
        throw new WorkerJobError(
          'ENGINE_FAILED',
          `embedding dimension changed within a batch (${dimension} → ${vector.length})`,
        );
      dimension = vector.length;
      vectors.push(l2normalize(vector));
      tokens.push(toks.length);
      if ((i + 1) % 16 === 0 || i + 1 === p.input.length)
        ctx.progress({ phase: 'encoding', step: i + 1, steps: p.input.length });
    }
    return { vectors, dimension, tokens, truncated };
  });
}
