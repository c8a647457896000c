/**
 * The LLM worker's jobs (`POST /internal/jobs/<name>`): payloads are validated with zod; every
 * job that touches the model runs through `engine.exclusive` (one generation at a time).
 *
 * - `complete` {modelPath, modelId?, contextSize?, system?, prompt, maxTokens?, temperature?, seed?}
 *     → {text, tokens, promptTokens, finishReason, mode}
 * - `tag` {modelPath, modelId?, contextSize?, system?, text, maxTags?, categories[], temperature?, seed?}
 *     → {tags: [{name, category, confidence}], raw, tokens, truncated}  (raw names; the runtime normalizes)
 * - `chat` {modelPath, modelId?, contextSize?, messages[], max_tokens?, temperature?, seed?,
 *     tools?, tool_choice?, reuseKey?}  (OpenAI shapes, wire/tools.ts; workers/llm/tools.ts)
 *     → {text, finishReason ('stop'|'length'|'tool_calls'), toolCalls?: ToolCall[],
 *        usage: {prompt_tokens, completion_tokens, total_tokens}, chatWrapper}
 * - `embed` {modelPath, modelId?, contextSize?, input: string[]} → {vectors, dimension, tokens, truncated} (embed.ts)
 * - `insights` {modelPath, contextSize?} → {weightsBytes, kvBytes, contextSize, trainContextSize}
 */
import { z } from 'zod';
import type { JobHandler, JobContext } from '../protocol/server';
import { WorkerJobError } from '../protocol/server';
import type { LlmEngine } from './engine';
import { generate } from './generate';
import { embed, embedPayload } from './embed';
import { toolChoiceSchema, toolCallSchema, toolsSchema } from '../protocol/tools';
import { autoCalls, forcedCall, toHistory, toolMode, type ToolChatMessage } from './tools';

const common = {
  /** Absolute path of the GGUF file (resolved by the runtime's registry). */
  modelPath: z.string().min(1),
  modelId: z.string().optional(),
  /** Tokens; default 2048, capped to the model's trained context. */
  contextSize: z
    .number()
    .int()
    .min(64)
    .max(1 << 20)
    .default(2048),
};
const seed = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1)
  .optional();

export const completePayload = z.object({
  ...common,
  system: z.string().max(100_000).default(''),
  prompt: z.string().max(1_000_000),
  maxTokens: z.number().int().min(1).max(32_768).default(200),
  temperature: z.number().min(0).max(2).default(0.7),
  seed,
});

export const tagPayload = z.object({
  ...common,
  system: z.string().max(100_000).default(''),
  text: z.string().min(1).max(1_000_000),
  maxTags: z.number().int().min(1).max(64).default(12),
  categories: z.array(z.string().min(1).max(64)).min(1).max(64),
  temperature: z.number().min(0).max(2).default(0),
  seed,
  /** Token budget; default grows with maxTags (~96 tokens per tag; small vocabularies spell names out). */
  maxTokens: z.number().int().min(16).max(32_768).optional(),
});

const contentPart = z.object({ type: z.string(), text: z.string().optional() });
export const chatPayload = z.object({
  ...common,
  messages: z
    .array(
      z
        .object({
          role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
          content: z.union([z.string(), z.array(contentPart), z.null()]).optional(),
          tool_calls: z.array(toolCallSchema).max(128).optional(),
          tool_call_id: z.string().max(200).optional(),
        })
        .passthrough(),
    )
    .min(1)
    .max(1000),
  max_tokens: z.number().int().min(1).max(32_768).default(512),
  temperature: z.number().min(0).max(2).default(0.7),
  seed,
  /** OpenAI `tools` / `tool_choice` (wire/tools.ts). */
  tools: toolsSchema.optional(),
  tool_choice: toolChoiceSchema.optional(),
  /** How much of the tools a forced call's system prompt describes (small contexts: brief/none). */
  tool_docs: z.enum(['full', 'brief', 'none']).default('full'),
  /** Keep the KV cache between calls with the same key (one conversation), engine.session. */
  reuseKey: z.string().max(200).optional(),
});

export const insightsPayload = z.object({
  modelPath: common.modelPath,
  contextSize: common.contextSize,
});

function parse<T extends z.ZodType>(schema: T, payload: unknown): z.infer<T> {
  const r = schema.safeParse(payload);
  if (!r.success) {
    throw new WorkerJobError(
      'BAD_PARAMS',
      `invalid job payload: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return r.data;
}

/** JSON schema of the tag output; names non-empty and short so a rambling model still terminates. */
export function tagSchema(categories: string[], maxTags: number) {
  return {
    type: 'object',
    properties: {
      tags: {
        type: 'array',
        minItems: 1,
        maxItems: maxTags,
        items: {
          type: 'object',
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 40 },
            category: { enum: categories },
            confidence: { type: 'number' },
          },
        },
      },
    },
  } as const;
}

/**
 * Parses the grammar-constrained output. When the token budget ended mid-JSON, keeps the tags
 * that were complete (the grammar guarantees everything before the cut is valid JSON).
 * @returns null when not even one tag object was complete
 */
export function parseTagOutput(
  raw: string,
): { tags: { name: string; category: string; confidence: number }[]; truncated: boolean } | null {
  try {
    const v = JSON.parse(raw) as { tags: { name: string; category: string; confidence: number }[] };
    return { tags: v.tags, truncated: false };
  } catch {
    // Cut after the last closed item object: items are flat, so their `}` is the only one at depth 3.
    let depth = 0;
    let inString = false;
    let lastItemEnd = -1;
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        if (ch === '}' && depth === 3) lastItemEnd = i;
        depth--;
      }
    }
    if (lastItemEnd < 0) return null;
    try {
      const v = JSON.parse(`${raw.slice(0, lastItemEnd + 1)}]}`) as {
        tags: { name: string; category: string; confidence: number }[];
      };
      return v.tags.length ? { tags: v.tags, truncated: true } : null;
    } catch {
      return null;
    }
  }
}

/** Builds the job table over one engine. */
export function llmJobs(engine: LlmEngine): Record<string, JobHandler> {
  return {
    complete: async (payload, ctx: JobContext) => {
      const p = parse(completePayload, payload);
      return engine.exclusive(async () => {
        const s = await engine.session(p.modelPath, p.modelId, p.contextSize);
        const messages = [
          ...(p.system ? [{ role: 'system' as const, content: p.system }] : []),
          { role: 'user' as const, content: p.prompt },
        ];
        const r = await generate(
          engine,
          s,
          {
            messages,
            mode: 'auto',
            maxTokens: p.maxTokens,
            temperature: p.temperature,
            ...(p.seed !== undefined ? { seed: p.seed } : {}),
          },
          ctx,
        );
        return {
          output: {
            text: r.text,
            tokens: r.tokens,
            promptTokens: r.promptTokens,
            finishReason: r.finishReason,
            mode: r.mode,
          },
        };
      });
    },

    tag: async (payload, ctx) => {
      const p = parse(tagPayload, payload);
      return engine.exclusive(async () => {
        const s = await engine.session(p.modelPath, p.modelId, p.contextSize);
        // The schema is built at run time (categories from config), so it cannot match node-llama-cpp's literal GbnfJsonSchema type.
        const grammar = await s.llama.createGrammarForJsonSchema(
          tagSchema(p.categories, p.maxTags) as never,
        );
        const user = `Text:\n${p.text}\n\nAnswer with JSON {"tags":[{"name","category","confidence"}]}. Categories: ${p.categories.join(', ')}.`;
        const messages = [
          ...(p.system ? [{ role: 'system' as const, content: p.system }] : []),
          { role: 'user' as const, content: user },
        ];
        const r = await generate(
          engine,
          s,
          {
            messages,
            mode: 'auto',
            maxTokens: p.maxTokens ?? 32 + 96 * p.maxTags,
            temperature: p.temperature,
            seed: p.seed ?? 0,
            grammar,
          },
          ctx,
        );
        const parsed = parseTagOutput(r.text);
        if (!parsed) {
          throw new WorkerJobError(
            'ENGINE_FAILED',
            'the model produced no complete tag before its token budget ran out; raise maxTokens',
            { raw: r.text.slice(0, 2000) },
          );
        }
        const tags = parsed.tags.map((t) => ({
          name: t.name,
          category: t.category,
          confidence: Number.isFinite(t.confidence) ? Math.min(1, Math.max(0, t.confidence)) : 0,
        }));
        return { output: { tags, raw: r.text, tokens: r.tokens, truncated: parsed.truncated } };
      });
    },

    chat: async (payload, ctx) => {
      const p = parse(chatPayload, payload);
      const messages: ToolChatMessage[] = p.messages.map((m) => ({
        role: m.role === 'developer' ? ('system' as const) : m.role,
        content:
          typeof m.content === 'string'
            ? m.content
            : (m.content ?? []).map((c) => c.text ?? '').join(''),
        ...(m.tool_calls ? { tool_calls: m.tool_calls } : {}),
        ...(m.tool_call_id ? { tool_call_id: m.tool_call_id } : {}),
      }));
      let mode;
      try {
        mode = toolMode(p.tools, p.tool_choice, p.tool_docs);
      } catch (e) {
        throw new WorkerJobError('BAD_PARAMS', (e as Error).message);
      }
      const history = toHistory(
        mode.kind === 'forced' ? [{ role: 'system', content: mode.system }, ...messages] : messages,
      );
      // Token estimate only (generate's PROMPT_TOO_LONG check): every text the template renders.
      const estimate = messages.map((m) => ({
        role: 'user' as const,
        content: `${m.content} ${(m.tool_calls ?? []).map((c) => `${c.function.name} ${c.function.arguments}`).join(' ')}`,
      }));
      if (mode.kind === 'forced') estimate.unshift({ role: 'user', content: mode.system });
      return engine.exclusive(async () => {
        const s = await engine.session(p.modelPath, p.modelId, p.contextSize, p.reuseKey);
        const grammar =
          mode.kind === 'forced'
            ? await s.llama.createGrammarForJsonSchema(mode.schema as never)
            : undefined;
        const r = await generate(
          engine,
          s,
          {
            messages: estimate,
            history,
            mode: 'chat',
            maxTokens: p.max_tokens,
            temperature: p.temperature,
            ...(p.seed !== undefined ? { seed: p.seed } : {}),
            ...(grammar ? { grammar } : {}),
            ...(mode.kind === 'auto' ? { functions: mode.functions } : {}),
          },
          ctx,
        );
        let toolCalls = r.functionCalls ? autoCalls(r.functionCalls) : undefined;
        let text = r.text;
        if (mode.kind === 'forced') {
          try {
            toolCalls = [forcedCall(r.text)];
            text = '';
          } catch {
            throw new WorkerJobError(
              'TOOL_CALL_TRUNCATED',
              `the tool call was cut off after ${r.tokens} tokens (max_tokens ${p.max_tokens}); raise max_tokens`,
              { raw: r.text.slice(0, 2000) },
            );
          }
        }
        return {
          output: {
            text,
            finishReason: toolCalls?.length ? 'tool_calls' : r.finishReason,
            ...(toolCalls?.length ? { toolCalls } : {}),
            usage: {
              prompt_tokens: r.promptTokens,
              completion_tokens: r.tokens,
              total_tokens: r.promptTokens + r.tokens,
            },
            chatWrapper: r.chatWrapper ?? null,
          },
        };
      });
    },

    embed: async (payload, ctx) => ({
      output: { ...(await embed(engine, parse(embedPayload, payload), ctx)) },
    }),

    insights: async (payload) => {
      const p = parse(insightsPayload, payload);
      return { output: await engine.estimate(p.modelPath, p.contextSize) };
    },
  };
}
