/**
 * `POST /v1/chat/completions` with `tools` / `tool_choice` over the real LLM worker and the real
 * tiny model (stories260K, no chat template, 512-token context): forced calls are
 * grammar-constrained (well-formed JSON `arguments` that fit the schema, whatever the model
 * "wants" to write), streamed as `delta.tool_calls`; tool results can be sent back; malformed
 * `tools` → 400 in design.md's error shape. The model writes children's stories: the tests
 * assert structure, not wording.
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

beforeAll(async () => {
  w = await spawnLlmWorker();
  db = openDb(':memory:');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-tools-'));
  fs.mkdirSync(path.join(dir, 'llm'));
  fs.symlinkSync(STORIES_MODEL, path.join(dir, 'llm', 'stories260K.gguf'));
  const registry = new ModelRegistry(db, [dir]);
  await registry.scan();
  app = openaiRoutes({
    call: (job, payload, opts) => w.client.call(job, payload, opts),
    resolveModel: (ref, kind) => registry.resolve(ref, kind),
    listModels: () => registry.list('llm'),
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

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'The weather in a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', maxLength: 12 },
        unit: { enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city', 'unit'],
    },
  },
};
const story = {
  type: 'function',
  function: {
    name: 'tell_story',
    parameters: {
      type: 'object',
      properties: { length: { type: 'integer' } },
      required: ['length'],
    },
  },
};

describe('/v1/chat/completions with tools', () => {
  it('a named tool_choice returns one grammar-valid tool call with JSON arguments', async () => {
    const res = await post({
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
      tools: [weather, story],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
      max_tokens: 120,
      temperature: 0,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    const choice = body.choices[0];
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.role).toBe('assistant');
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls[0];
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(call.id).toMatch(/^call_[0-9a-f]{24}$/);
    expect(typeof call.function.arguments).toBe('string');
    const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
    expect(typeof args.city).toBe('string');
    expect((args.city as string).length).toBeLessThanOrEqual(12);
    expect(['celsius', 'fahrenheit']).toContain(args.unit);
  });

  it('tool_choice "required" picks one of the tools; a tool result can be sent back', async () => {
    const res = await post({
      messages: [{ role: 'user', content: 'Once upon a time' }],
      tools: [weather, story],
      tool_choice: 'required',
      max_tokens: 120,
      temperature: 0.8,
      seed: 7,
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    const call = body.choices[0].message.tool_calls[0];
    expect(['get_weather', 'tell_story']).toContain(call.function.name);
    expect(() => JSON.parse(call.function.arguments)).not.toThrow();

    // Second round: the call and its result go back; tool_choice none → a text answer.
    const next = await post({
      messages: [
        { role: 'user', content: 'Once upon a time' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '{"ok":true}' },
      ],
      tools: [weather, story],
      tool_choice: 'none',
      max_tokens: 30,
      temperature: 0,
    });
    expect(next.status).toBe(200);
    const b2 = (await next.json()) as Record<string, any>;
    expect(b2.choices[0].message.tool_calls).toBeUndefined();
    expect(typeof b2.choices[0].message.content).toBe('string');
    expect(['stop', 'length']).toContain(b2.choices[0].finish_reason);
  });

  it('streams the call as delta.tool_calls (head with id and name, then the arguments)', async () => {
    const res = await post({
      messages: [{ role: 'user', content: 'Weather in Rome?' }],
      tools: [weather],
      tool_choice: 'required',
      max_tokens: 120,
      temperature: 0,
      stream: true,
    });
    expect(res.status).toBe(200);
    const events = (await res.text()).split('\n\n').filter(Boolean);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as Record<string, any>);
    const deltas = chunks.filter((c) => c.choices.length).map((c) => c.choices[0]);
    // No JSON leaks into `content`: the grammar output is the call.
    expect(deltas.map((d) => d.delta.content ?? '').join('')).toBe('');
    const parts = deltas.flatMap((d) => d.delta.tool_calls ?? []);
    expect(parts[0]).toMatchObject({
      index: 0,
      type: 'function',
      id: expect.stringMatching(/^call_/),
      function: { name: 'get_weather', arguments: '' },
    });
    const args = parts.map((p: any) => p.function?.arguments ?? '').join('');
    expect(JSON.parse(args)).toMatchObject({ city: expect.any(String) });
    expect(deltas.at(-1).finish_reason).toBe('tool_calls');
  });

  it('tool_choice "auto" uses the wrapper\'s function calling; descriptions that cannot fit → PROMPT_TOO_LONG', async () => {
    // The tiny model has no chat template: the general wrapper documents the functions in a
    // system prompt that alone exceeds its 512-token context (its vocabulary is 512 tokens, so
    // English costs ~1 token per 2–3 characters). That must be a clear 400, not a 503.
    const res = await post({
      messages: [{ role: 'user', content: 'Tell me a story' }],
      tools: [story],
      max_tokens: 40,
      temperature: 0,
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, any>;
    expect(body.error.code).toBe('PROMPT_TOO_LONG');
    expect(body.error.message).toMatch(/tool descriptions/);
  });

  it.each([
    ['tools is not an array', { tools: { type: 'function' } }],
    ['a tool without a name', { tools: [{ type: 'function', function: {} }] }],
    ['a bad tool name', { tools: [{ type: 'function', function: { name: 'has space' } }] }],
    ['wrong type', { tools: [{ type: 'retrieval', function: { name: 'x' } }] }],
    ['duplicate names', { tools: [story, story] }],
    [
      'parameters with an unknown type',
      { tools: [{ type: 'function', function: { name: 'x', parameters: { type: 'date' } } }] },
    ],
    [
      'tool_choice names a missing tool',
      { tools: [story], tool_choice: { type: 'function', function: { name: 'nope' } } },
    ],
    ['tool_choice without tools', { tool_choice: 'required' }],
  ])('%s → 400 with the error shape', async (_label, extra) => {
    const res = await post({ messages: [{ role: 'user', content: 'x' }], ...extra });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, any>;
    expect(body).toMatchObject({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
    expect(Object.keys(body)).toEqual(['error']);
  });
});
