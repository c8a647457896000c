/**
 * OpenAI-compatible endpoints over the local LLM worker (issue 3 §4), so other local tools can
 * use the loaded model:
 * - `POST /v1/chat/completions`: a `chat.completion` object, or with `stream: true` server-sent
 *   events of `chat.completion.chunk` objects ending in `data: [DONE]` (OpenAI's wire format,
 *   platform.openai.com/docs/api-reference/chat-streaming). With `tools` (+ `tool_choice`,
 *   wire/tools.ts) the answer may carry `message.tool_calls` (JSON-text `arguments`,
 *   finish_reason `tool_calls`), streamed as `delta.tool_calls`; a malformed `tools` → 400.
 * - `GET /v1/models`: `{object: 'list', data: [{id, object: 'model', created, owned_by}]}`.
 * Errors use design.md §2's shape `{error: {code, message, details?}}`.
 */
import { Hono, type Context } from 'hono';
import { stream } from 'hono/streaming';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UserError, toMystiError } from '../../errors';
import type { ResolvedModel } from '../../engine/executor';
import type { ProgressMsg } from '../../../workers/protocol/messages';
import type { ToolCall } from '../../../wire/tools';
import { toolCallSchema, toolChoiceSchema, toolsSchema } from '../../../workers/protocol/tools';

export interface OpenAiDeps {
  /** Runs a job on the LLM worker (through the supervisor). */
  call: (
    job: string,
    payload: Record<string, unknown>,
    opts: { signal: AbortSignal; onProgress?: (p: ProgressMsg) => void },
  ) => Promise<{ output: Record<string, unknown> }>;
  /** Registry lookup: `resolve(ref, 'llm')`. */
  resolveModel: (ref: string, kind: 'llm') => ResolvedModel;
  /** LLM models to list (registry rows of kind llm). */
  listModels: () => { id: string; addedAt?: number }[];
  /**
   * Arbiter hook (design.md §6): called before dispatch; resolves with a release function once
   * the memory is granted, rejects (e.g. UserError/OperationalError) when refused.
   */
  reserve?: (
    req: { model: ResolvedModel; contextSize: number },
    signal: AbortSignal,
  ) => Promise<() => void>;
  /** Context size requested from the worker (tokens). Default 2048. */
  contextSize?: number;
}

const chatRequest = z
  .object({
    model: z.string().default(''),
    messages: z
      .array(
        z
          .object({
            role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
            content: z
              .union([
                z.string(),
                z.array(z.object({ type: z.string(), text: z.string().optional() }).passthrough()),
                z.null(),
              ])
              .optional(),
            tool_calls: z.array(toolCallSchema).max(128).optional(),
            tool_call_id: z.string().max(200).optional(),
          })
          .passthrough(),
      )
      .min(1),
    max_tokens: z.number().int().min(1).max(32_768).optional(),
    max_completion_tokens: z.number().int().min(1).max(32_768).optional(),
    temperature: z.number().min(0).max(2).optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional(),
    stream: z.boolean().optional(),
    tools: toolsSchema.optional(),
    tool_choice: toolChoiceSchema.optional(),
  })
  .passthrough()
  .superRefine((b, ctx) => {
    if (b.tool_choice === undefined || b.tool_choice === 'none') return;
    if (!b.tools)
      ctx.addIssue({
        code: 'custom',
        path: ['tool_choice'],
        message: 'tool_choice is only allowed when tools are given',
      });
    else if (
      typeof b.tool_choice === 'object' &&
      !b.tools.some(
        (t) => t.function.name === (b.tool_choice as { function: { name: string } }).function.name,
      )
    )
      ctx.addIssue({
        code: 'custom',
        path: ['tool_choice', 'function', 'name'],
        message: `"${b.tool_choice.function.name}" is not one of the tools`,
      });
  });

function errorResponse(c: Context, err: unknown): Response {
  const e = toMystiError(err);
  return c.json(e.toJSON(), e.status as 400);
}

/**
 * Builds the sub-app; mount it at the root (`app.route('/', openaiRoutes(deps))`).
 * @param deps worker call, registry resolve/list, optional arbiter hook
 */
export function openaiRoutes(deps: OpenAiDeps): Hono {
  const app = new Hono();
  const contextSize = deps.contextSize ?? 2048;

  app.get('/v1/models', (c) => {
    const data = deps.listModels().map((m) => ({
      id: m.id,
      object: 'model',
      created: Math.floor((m.addedAt ?? 0) / 1000),
      owned_by: 'local',
    }));
    return c.json({ object: 'list', data });
  });

  app.post('/v1/chat/completions', async (c) => {
    let body: z.infer<typeof chatRequest>;
    let model: ResolvedModel;
    try {
      const raw = await c.req.json().catch(() => {
        throw new UserError('BAD_REQUEST', 'the request body must be JSON');
      });
      const r = chatRequest.safeParse(raw);
      if (!r.success)
        throw new UserError(
          'BAD_REQUEST',
          r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
        );
      body = r.data;
      const ref = body.model.trim() || deps.listModels()[0]?.id || '';
      if (!ref)
        throw new UserError(
          'MODEL_NOT_CONFIGURED',
          'no language model available: put a .gguf file in a model folder (MYSTI_MODELS) and rescan, then pass its id as "model"',
        );
      model = deps.resolveModel(ref, 'llm');
    } catch (err) {
      return errorResponse(c, err);
    }
    const id = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    const payload = {
      modelPath: model.path,
      modelId: model.id,
      contextSize,
      messages: body.messages,
      max_tokens: body.max_completion_tokens ?? body.max_tokens ?? 512,
      ...(body.temperature !== undefined ? { temperature: body.temperature } : {}),
      ...(body.seed !== undefined ? { seed: body.seed } : {}),
      ...(body.tools ? { tools: body.tools } : {}),
      ...(body.tool_choice !== undefined ? { tool_choice: body.tool_choice } : {}),
    };
    // Forced calls are grammar-constrained JSON, not prose: stream them as tool_calls, not content.
    const forced =
      body.tools &&
      body.tool_choice !== undefined &&
      body.tool_choice !== 'none' &&
      body.tool_choice !== 'auto';
    const ac = new AbortController();
    // Client went away (curl ^C, tool cancelled): stop the generation on the worker.
    c.req.raw.signal?.addEventListener('abort', () => ac.abort(), { once: true });

    const run = async (onProgress?: (p: ProgressMsg) => void) => {
      const release = deps.reserve
        ? await deps.reserve({ model, contextSize }, ac.signal)
        : undefined;
      try {
        return (
          await deps.call('chat', payload, {
            signal: ac.signal,
            ...(onProgress ? { onProgress } : {}),
          })
        ).output;
      } finally {
        release?.();
      }
    };

    if (!body.stream) {
      try {
        const out = await run();
        const toolCalls = (out.toolCalls as ToolCall[] | undefined) ?? [];
        const text = String(out.text ?? '');
        return c.json({
          id,
          object: 'chat.completion',
          created,
          model: model.id,
          choices: [
            {
              index: 0,
              message: toolCalls.length
                ? { role: 'assistant', content: text || null, tool_calls: toolCalls }
                : { role: 'assistant', content: text },
              finish_reason: out.finishReason ?? 'stop',
              logprobs: null,
            },
          ],
          usage: out.usage ?? null,
        });
      } catch (err) {
        return errorResponse(c, err);
      }
    }

    c.header('Content-Type', 'text/event-stream; charset=utf-8');
    c.header('Cache-Control', 'no-cache');
    c.header('Connection', 'keep-alive');
    return stream(c, async (s) => {
      s.onAbort(() => ac.abort());
      const chunk = (delta: Record<string, unknown>, finish: string | null) =>
        s.write(
          `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: model.id, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] })}\n\n`,
        );
      await chunk({ role: 'assistant', content: '' }, null);
      let sent = 0;
      let writes = Promise.resolve();
      try {
        const out = await run((p) => {
          if (forced || typeof p.text !== 'string' || p.text.length <= sent) return;
          const delta = p.text.slice(sent);
          sent = p.text.length;
          writes = writes.then(() => chunk({ content: delta }, null).then(() => undefined));
        });
        await writes;
        const text = String(out.text ?? '');
        // The final text may differ from the last progress (e.g. trimmed); send what is missing.
        if (text.length > sent && text.startsWith(text.slice(0, sent)))
          await chunk({ content: text.slice(sent) }, null);
        // OpenAI streams each call as a head (index, id, name, empty arguments) and then argument
        // fragments the client concatenates; the worker returns whole calls, so one fragment each.
        const toolCalls = (out.toolCalls as ToolCall[] | undefined) ?? [];
        for (const [index, call] of toolCalls.entries()) {
          await chunk(
            {
              tool_calls: [
                {
                  index,
                  id: call.id,
                  type: 'function',
                  function: { name: call.function.name, arguments: '' },
                },
              ],
            },
            null,
          );
          await chunk(
            { tool_calls: [{ index, function: { arguments: call.function.arguments } }] },
            null,
          );
        }
        await chunk({}, String(out.finishReason ?? 'stop'));
        if (out.usage)
          await s.write(
            `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: model.id, choices: [], usage: out.usage })}\n\n`,
          );
      } catch (err) {
        await writes.catch(() => undefined);
        if (!ac.signal.aborted)
          await s.write(`data: ${JSON.stringify(toMystiError(err).toJSON())}\n\n`);
      }
      if (!ac.signal.aborted) await s.write('data: [DONE]\n\n');
    });
  });

  return app;
}
