/**
 * Text embeddings for search (issue 17): the configured embedding model
 * (`config.json` → `"search": {"embeddingModel": "<llm registry id or file>", "contextSize"?, "batch"?}`)
 * run by the LLM worker's `embed` job (workers/llm/embed.ts), each batch under the VRAM arbiter
 * like every LLM job. Vectors come back L2-normalized.
 */
import type { ResolvedModel } from '../engine/executor';
import { UserError } from '../errors';

export interface SearchConfig {
  /** Registry reference of the embedding model; null = semantic search off. */
  embeddingModel: string | null;
  /** Tokens per embedded text (longer texts are truncated by the worker). Default 512. */
  contextSize: number;
  /** Texts per worker call. Default 32. */
  batch: number;
}

/** Reads `search` from the raw config.json; wrong types fall back to the defaults field by field. */
export function searchConfig(raw: Record<string, unknown>): SearchConfig {
  const s = (raw.search && typeof raw.search === 'object' ? raw.search : {}) as Record<
    string,
    unknown
  >;
  const m =
    typeof s.embeddingModel === 'string' && s.embeddingModel.trim()
      ? s.embeddingModel.trim()
      : null;
  const cs = Number(s.contextSize);
  const b = Number(s.batch);
  return {
    embeddingModel: m,
    contextSize: Number.isInteger(cs) && cs >= 64 ? cs : 512,
    batch: Number.isInteger(b) && b >= 1 ? Math.min(512, b) : 32,
  };
}

export interface LlmAccess {
  resolve(ref: string): ResolvedModel;
  /** Reserves memory through the VRAM arbiter; returns the release function. */
  reserve(
    r: { model: ResolvedModel; contextSize: number },
    signal: AbortSignal,
  ): Promise<() => void>;
  call(
    job: string,
    payload: Record<string, unknown>,
    opts: { signal: AbortSignal },
  ): Promise<{ output: Record<string, unknown> }>;
}

export interface EmbedResult {
  vectors: number[][];
  dimension: number;
  /** Tokens per input. */
  tokens: number[];
}

export interface Embedder {
  /** The resolved model and its space key `'<id>@<identity>'`. @throws UserError when not configured / not found */
  model(): { model: ResolvedModel; key: string };
  /**
   * Embeds `texts` in batches of `cfg.batch`, in order.
   * @throws UserError EMBEDDINGS_OFF when no embedding model is configured; what the worker throws
   */
  embed(
    texts: readonly string[],
    signal: AbortSignal,
    ref?: string,
  ): Promise<EmbedResult & { key: string; modelId: string }>;
}

/**
 * The space key of a model: registry id and file size. Not `identity`: that turns from
 * size:mtime into the sha256 once background hashing finishes, which would re-embed everything.
 */
export const spaceKey = (m: ResolvedModel): string => `${m.id}@${m.bytes}`;

export function createEmbedder(cfg: SearchConfig, llm: LlmAccess): Embedder {
  const model = (ref = cfg.embeddingModel) => {
    if (!ref)
      throw new UserError(
        'EMBEDDINGS_OFF',
        'semantic search needs an embedding model: set "search": {"embeddingModel": "<gguf>"} in config.json',
        undefined,
        409,
      );
    const m = llm.resolve(ref);
    return { model: m, key: spaceKey(m) };
  };
  return {
    model: () => model(),
    async embed(texts, signal, ref) {
      const { model: m, key } = model(ref);
      const vectors: number[][] = [];
      const tokens: number[] = [];
      let dimension = 0;
      for (let i = 0; i < texts.length; i += cfg.batch) {
        const input = texts.slice(i, i + cfg.batch);
        const release = await llm.reserve({ model: m, contextSize: cfg.contextSize }, signal);
        try {
          const { output } = await llm.call(
            'embed',
            { modelPath: m.path, modelId: m.id, contextSize: cfg.contextSize, input },
            { signal },
          );
          vectors.push(...(output.vectors as number[][]));
          tokens.push(...(output.tokens as number[]));
          dimension = output.dimension as number;
        } finally {
          release();
        }
      }
      return { vectors, dimension, tokens, key, modelId: m.id };
    },
  };
}
