/**
 * OpenAI-compatible routes over the real LLM worker: chat.completion JSON, SSE chunks ending in
 * `data: [DONE]`, the model list, the arbiter hook and error shapes.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnLlmWorker, STORIES_MODEL, type SpawnedWorker } from './llm-worker-helper';
import { openaiRoutes } from '../../runtime/server/routes/openai';
import { openDb, type Db } from '../../runtime/store/db';
import { ModelRegistry } from '../../runtime/models/registry';
import type { Hono } from 'hono';

let w: SpawnedWorker;
let db: Db;
let dir: string;
let app: Hono;
const reservations: string[] = [];

beforeAll(async () => {
  w = await spawnLlmWorker();
  db = openDb(':memory:');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-openai-'));
  fs.mkdirSync(path.join(dir, 'llm'));
  fs.symlinkSync(STORIES_MODEL, path.join(dir, 'llm', 'stories260K.gguf'));
  const registry = new ModelRegistry(db, [dir]);
  await registry.scan();
  app = openaiRoutes({
    call: (job, payload, opts) => w.client.call(job, payload, opts),
    resolveModel: (ref, kind) => registry.resolve(ref, kind),
    listModels: () => registry.list('llm'),
    reserve: async ({ model }) => {
      reservations.push(`+${model.id}`);
      return () => reservations.push(`-${model.id}`);
    },
    contextSize: 512,
  });
});
afterAll(async () => {
  await w?.stop();
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const post = (body: unknown) =>
  app.request('/v1/chat/completions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('OpenAI-compatible routes', () => {
  it('lists LLM models in the OpenAI list shape', async () => {
    const res = await app.request('/v1/models');
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      object: string;
      data: { id: string; object: string; owned_by: string }[];
    };
    expect(body.object).toBe('list');
    expect(body.data).toEqual([
      expect.objectContaining({ id: 'llm/stories260K.gguf', object: 'model', owned_by: 'local' }),
    ]);
  });

  it('answers a non-streaming chat.completion through the arbiter hook', async () => {
    reservations.length = 0;
    const res = await post({
      model: 'stories260K.gguf',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 20,
      temperature: 0,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ object: 'chat.completion', model: 'llm/stories260K.gguf' });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.choices[0].message.role).toBe('assistant');
    expect(typeof body.choices[0].message.content).toBe('string');
    expect(['stop', 'length']).toContain(body.choices[0].finish_reason);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(reservations).toEqual(['+llm/stories260K.gguf', '-llm/stories260K.gguf']);
  });

  it('streams chat.completion.chunk events ending with data: [DONE]', async () => {
    const res = await post({
      model: 'llm/stories260K.gguf',
      messages: [{ role: 'user', content: 'Tell me a story' }],
      max_tokens: 200,
      temperature: 0.7,
      seed: 3,
      stream: true,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const raw = await res.text();
    const events = raw.split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as Record<string, any>);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0]!.choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const withChoice = chunks.filter((c) => c.choices.length);
    expect(withChoice.at(-1)!.choices[0].finish_reason).toMatch(/stop|length/);
    const text = withChoice.map((c) => c.choices[0].delta.content ?? '').join('');
    // Same request without streaming gives the same text (same seed).
    const plain = (await (
      await post({
        model: 'llm/stories260K.gguf',
        messages: [{ role: 'user', content: 'Tell me a story' }],
        max_tokens: 200,
        temperature: 0.7,
        seed: 3,
      })
    ).json()) as Record<string, any>;
    expect(text).toBe(plain.choices[0].message.content);
    expect(text.length).toBeGreaterThan(0);
  });

  it('answers errors in the design.md shape', async () => {
    const missing = await post({ model: 'nope.gguf', messages: [{ role: 'user', content: 'x' }] });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      error: { code: 'MODEL_NOT_FOUND', message: expect.any(String) },
    });
    const bad = await post({ model: 'stories260K.gguf', messages: [] });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } });
    const notJson = await app.request('/v1/chat/completions', { method: 'POST', body: 'hello' });
    expect(notJson.status).toBe(400);
    const escape = await post({
      model: '../../etc/passwd',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect((await escape.json()) as object).toMatchObject({ error: { code: 'PATH_OUTSIDE_ROOT' } });
  });
});
