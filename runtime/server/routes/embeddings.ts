/**
 * `POST /v1/embeddings` (issue 17 §4), OpenAI-compatible (platform.openai.com/docs/api-reference/embeddings):
 * body `{input: string | string[], model?: string, encoding_format?: 'float' | 'base64', user?}` →
 * `{object: 'list', data: [{object: 'embedding', index, embedding}], model, usage: {prompt_tokens, total_tokens}}`.
 * `model` defaults to `search.embeddingModel`; vectors are L2-normalized like OpenAI's; `base64`
 * is little-endian float32, as OpenAI's SDKs decode it. Token-array inputs and `dimensions` are
 * refused (400) rather than silently ignored. Errors use design.md's `{error: {code, message}}`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { UserError, toMystiError } from '../../errors';
import type { Embedder } from '../../search/embedder';

/** Inputs per request (OpenAI allows 2048). */
export const MAX_INPUTS = 2048;

const body = z
  .object({
    input: z.union([
      z.string().min(1, 'input must not be empty'),
      z
        .array(z.string().min(1, 'input strings must not be empty'))
        .min(1, 'input must not be an empty array')
        .max(MAX_INPUTS),
    ]),
    model: z.string().max(1000).optional(),
    encoding_format: z.enum(['float', 'base64']).optional(),
    user: z.string().optional(),
  })
  .strict();

export function embeddingRoutes(embedder: Embedder): Hono {
  const app = new Hono();
  app.post('/v1/embeddings', async (c) => {
    try {
      const raw = await c.req.json().catch(() => {
        throw new UserError('BAD_REQUEST', 'the request body must be JSON');
      });
      const r = body.safeParse(raw);
      if (!r.success) {
        throw new UserError(
          'BAD_REQUEST',
          r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
          { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) },
        );
      }
      const b = r.data;
      const input = typeof b.input === 'string' ? [b.input] : b.input;
      const ref = b.model?.trim() || undefined;
      if (!ref) embedder.model(); // throws the clear "not configured" error before any work
      const out = await embedder.embed(input, c.req.raw.signal, ref);
      const tokens = out.tokens.reduce((a, t) => a + t, 0);
      return c.json({
        object: 'list',
        data: out.vectors.map((v, index) => ({
          object: 'embedding',
          index,
          embedding:
            b.encoding_format === 'base64'
              ? Buffer.from(Float32Array.from(v).buffer).toString('base64')
              : v,
        })),
        model: out.modelId,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      });
    } catch (err) {
      const e = toMystiError(err);
      // "Not configured" is a bad request from the caller's side of this API, as OpenAI answers an unknown model.
      const status = e.code === 'EMBEDDINGS_OFF' ? 400 : e.status;
      return c.json(e.toJSON(), status as 400);
    }
  });
  return app;
}
