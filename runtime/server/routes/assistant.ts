/**
 * The assistant's HTTP routes under /api/assistant (shapes: wire/assistant.ts). They sit behind
 * the app's origin guard and body limit like every /api route; turns report on /ws as
 * `assistant.*` events. Errors: design.md's `{error: {code, message, details?}}`.
 */
import { Hono } from 'hono';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../../errors';
import type { Studio } from '../../studio';
import type { Assistant } from '../../assistant/assistant';
import type { ConversationDetail } from '../../../wire/assistant';
import { loadOrThrow } from '../graph-input';

const settingsPatch = z
  .object({ autoApply: z.boolean(), allowRun: z.boolean(), allowDelete: z.boolean() })
  .partial()
  .strict();
const createBody = z
  .object({ title: z.string().trim().min(1).max(200).optional(), graph: z.unknown().optional() })
  .strict();
const patchBody = z
  .object({
    title: z.string().trim().min(1).max(200).optional(),
    settings: settingsPatch.optional(),
  })
  .strict();
const messageBody = z
  .object({ text: z.string().trim().min(1).max(20_000), graph: z.unknown().optional() })
  .strict();
const decideBody = z
  .object({ decision: z.enum(['apply', 'reject', 'confirm', 'refuse']) })
  .strict();

/** Mount at /api/assistant. */
export function assistantRoutes(s: Studio, assistant: Assistant): Hono {
  const app = new Hono();
  const store = () => s.store.assistant;
  const body = async <T extends z.ZodType>(c: { req: { json(): Promise<unknown> } }, schema: T) => {
    const raw = await c.req.json().catch(() => {
      throw new UserError('BAD_REQUEST', 'the request body must be JSON');
    });
    const r = schema.safeParse(raw);
    if (!r.success)
      throw new UserError(
        'BAD_REQUEST',
        r.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
      );
    return r.data as z.infer<T>;
  };
  const found = (id: string) => {
    const conv = store().conversation(id);
    if (!conv) throw new UserError('NOT_FOUND', `no conversation ${id}`, undefined, 404);
    return conv;
  };

  app.get('/conversations', (c) => {
    const q = c.req.query('q');
    return c.json({ items: store().list(q?.trim() || undefined) });
  });
  app.post('/conversations', async (c) => {
    const b = await body(c, createBody);
    const graph = b.graph === undefined ? null : loadOrThrow(b.graph, s.catalog);
    const conv = store().createConversation({
      id: randomUUID(),
      title: b.title ?? 'New conversation',
      graph,
    });
    return c.json(conv, 201);
  });
  app.get('/conversations/:id', (c) => {
    const conv = found(c.req.param('id'));
    return c.json({
      ...conv,
      busy: assistant.busy(conv.id),
      messages: store().messages(conv.id),
      actions: store().actions(conv.id),
    } satisfies ConversationDetail & { busy: boolean });
  });
  app.patch('/conversations/:id', async (c) => {
    found(c.req.param('id'));
    const b = await body(c, patchBody);
    return c.json(
      store().update(c.req.param('id'), {
        ...(b.title ? { title: b.title } : {}),
        ...(b.settings ? { settings: b.settings } : {}),
      }),
    );
  });
  app.delete('/conversations/:id', (c) => {
    const id = c.req.param('id');
    if (assistant.busy(id))
      throw new UserError(
        'BAD_REQUEST',
        'the assistant is answering in this conversation',
        undefined,
        409,
      );
    if (!store().delete(id))
      throw new UserError('NOT_FOUND', `no conversation ${id}`, undefined, 404);
    return c.body(null, 204);
  });
  app.post('/conversations/:id/messages', async (c) => {
    const conv = found(c.req.param('id'));
    const b = await body(c, messageBody);
    const graph = b.graph === undefined ? undefined : loadOrThrow(b.graph, s.catalog);
    return c.json(assistant.send(conv.id, b.text, graph), 202);
  });
  app.post('/actions/:id/decide', async (c) => {
    const b = await body(c, decideBody);
    return c.json(assistant.decide(c.req.param('id'), b.decision));
  });
  return app;
}
