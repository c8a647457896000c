/**
 * The real LLM worker process driving the real stories260K model (1 thread). The model writes
 * children's stories, so these tests assert structure, streaming, determinism and lifecycle —
 * never wording.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnLlmWorker, STORIES_MODEL, type SpawnedWorker } from './llm-worker-helper';
import type { ProgressMsg } from '../../workers/protocol/messages';

let w: SpawnedWorker;
let tmp: string;

beforeAll(async () => {
  w = await spawnLlmWorker();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-worker-'));
});
afterAll(async () => {
  await w?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: { code?: unknown }) => e.code,
  );

describe('llm worker: complete', () => {
  it('streams progress with partial text and returns the text', async () => {
    const progress: ProgressMsg[] = [];
    const { output } = await w.client.call(
      'complete',
      {
        modelPath: STORIES_MODEL,
        prompt: 'Once upon a time',
        maxTokens: 120,
        temperature: 0.8,
        seed: 42,
      },
      { onProgress: (p) => progress.push(p) },
    );
    expect(typeof output.text).toBe('string');
    expect((output.text as string).length).toBeGreaterThan(0);
    expect(output.tokens).toBeGreaterThan(0);
    expect(output.tokens).toBeLessThanOrEqual(120);
    expect(output.mode).toBe('completion'); // no chat template in this model
    expect(progress.length).toBeGreaterThan(0);
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ phase: 'generating', step: output.tokens, steps: 120 });
    for (const p of progress) expect((output.text as string).startsWith(p.text ?? '')).toBe(true);
    const steps = progress.map((p) => p.step!);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
  });

  it('gives the same text for the same seed and params, another for another seed', async () => {
    const payload = {
      modelPath: STORIES_MODEL,
      prompt: 'The dog',
      maxTokens: 80,
      temperature: 0.9,
      seed: 1234,
    };
    const a = await w.client.call('complete', payload);
    const b = await w.client.call('complete', payload);
    const c = await w.client.call('complete', { ...payload, seed: 999 });
    expect(a.output.text).toBe(b.output.text);
    expect(c.output.text).not.toBe(a.output.text);
  });

  it('refuses a prompt longer than the context with PROMPT_TOO_LONG', async () => {
    const prompt = 'the little girl ran to the park and played with her ball. '.repeat(40);
    expect(
      await codeOf(
        w.client.call('complete', {
          modelPath: STORIES_MODEL,
          prompt,
          maxTokens: 10,
          contextSize: 64,
        }),
      ),
    ).toBe('PROMPT_TOO_LONG');
  });
});

describe('llm worker: tag', () => {
  it('returns JSON-schema-valid tags', async () => {
    const categories = ['subject', 'style', 'colour'];
    const { output } = await w.client.call('tag', {
      modelPath: STORIES_MODEL,
      system: 'Tag the text.',
      text: 'a cat sleeping on a red sofa',
      maxTags: 4,
      categories,
    });
    const tags = output.tags as { name: string; category: string; confidence: number }[];
    expect(Array.isArray(tags)).toBe(true);
    expect(tags.length).toBeGreaterThanOrEqual(1);
    expect(tags.length).toBeLessThanOrEqual(4);
    for (const t of tags) {
      expect(Object.keys(t).sort()).toEqual(['category', 'confidence', 'name']);
      expect(typeof t.name).toBe('string');
      expect(t.name.length).toBeGreaterThan(0);
      expect(t.name.length).toBeLessThanOrEqual(40);
      expect(categories).toContain(t.category);
      expect(t.confidence).toBeGreaterThanOrEqual(0);
      expect(t.confidence).toBeLessThanOrEqual(1);
    }
    expect(() => JSON.parse(output.raw as string)).not.toThrow();
  });
});

describe('llm worker: chat', () => {
  it('answers with a general chat wrapper when the model has no template', async () => {
    const progress: ProgressMsg[] = [];
    const { output } = await w.client.call(
      'chat',
      {
        modelPath: STORIES_MODEL,
        messages: [
          { role: 'system', content: 'You are kind.' },
          { role: 'user', content: 'Tell me a story.' },
          { role: 'assistant', content: 'Sure.' },
          { role: 'user', content: [{ type: 'text', text: 'Go on.' }] },
        ],
        max_tokens: 40,
        temperature: 0,
      },
      { onProgress: (p) => progress.push(p) },
    );
    expect(output.chatWrapper).toBe('General');
    expect(typeof output.text).toBe('string');
    expect(['stop', 'length']).toContain(output.finishReason);
    const usage = output.usage as {
      prompt_tokens: number;
      completion_tokens: number;
      total_tokens: number;
    };
    expect(usage.completion_tokens).toBeGreaterThan(0);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
    expect(progress.length).toBeGreaterThan(0);
  });
});

describe('llm worker: health, insights, unload', () => {
  it('reports the loaded model with weights + KV bytes, and unloads soft then hard', async () => {
    await w.client.call('complete', {
      modelPath: STORIES_MODEL,
      modelId: 'stories',
      prompt: 'Hi',
      maxTokens: 4,
      contextSize: 512,
    });
    const ins = (await w.client.call('insights', { modelPath: STORIES_MODEL, contextSize: 512 }))
      .output as { weightsBytes: number; kvBytes: number };
    expect(ins.weightsBytes).toBeGreaterThan(1_000_000);
    expect(ins.kvBytes).toBeGreaterThan(0);
    let h = await w.client.health();
    expect(h.loaded).toMatchObject({
      modelId: 'stories',
      path: STORIES_MODEL,
      contextSize: 512,
      weightsBytes: ins.weightsBytes,
      kvBytes: ins.kvBytes,
    });
    expect(h.loaded!.bytes).toBe(ins.weightsBytes + ins.kvBytes);

    await w.client.unload('soft');
    h = await w.client.health();
    expect(h.loaded).toMatchObject({
      path: STORIES_MODEL,
      contextSize: 0,
      bytes: ins.weightsBytes,
    });
    await w.client.unload('hard');
    expect((await w.client.health()).loaded).toBeNull();
    // And it comes back on demand.
    const again = await w.client.call('complete', {
      modelPath: STORIES_MODEL,
      prompt: 'Hi',
      maxTokens: 4,
    });
    expect(again.output.tokens).toBeGreaterThan(0);
  });
});

describe('llm worker: cancel and bad models', () => {
  it('stops a cancelled generation within a second and frees the context', async () => {
    const ac = new AbortController();
    let firstProgress = 0;
    const call = w.client.call(
      'complete',
      { modelPath: STORIES_MODEL, prompt: 'Once', maxTokens: 4000, temperature: 1, seed: 5 },
      {
        signal: ac.signal,
        onProgress: () => {
          if (!firstProgress) {
            firstProgress = Date.now();
            ac.abort();
          }
        },
      },
    );
    await expect(call).rejects.toMatchObject({ code: 'CANCELLED' });
    const deadline = Date.now() + 1000;
    let h = await w.client.health();
    while ((h.busy ?? 0) > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      h = await w.client.health();
    }
    expect(h.busy).toBe(0);
    expect(h.loaded?.contextSize).toBe(0); // KV cache disposed
    const next = await w.client.call('complete', {
      modelPath: STORIES_MODEL,
      prompt: 'Once',
      maxTokens: 5,
    });
    expect(next.output.tokens).toBeGreaterThan(0);
  });

  it('rejects a non-GGUF, a truncated GGUF and a missing file before llama.cpp sees them', async () => {
    const fake = path.join(tmp, 'fake.gguf');
    fs.writeFileSync(fake, '<html>not a model</html>');
    const cut = path.join(tmp, 'cut.gguf');
    fs.writeFileSync(cut, fs.readFileSync(STORIES_MODEL).subarray(0, 600_000));
    expect(
      await codeOf(w.client.call('complete', { modelPath: fake, prompt: 'x', maxTokens: 2 })),
    ).toBe('MODEL_INVALID');
    expect(
      await codeOf(w.client.call('complete', { modelPath: cut, prompt: 'x', maxTokens: 2 })),
    ).toBe('MODEL_INVALID');
    expect(
      await codeOf(
        w.client.call('chat', {
          modelPath: path.join(tmp, 'gone.gguf'),
          messages: [{ role: 'user', content: 'x' }],
        }),
      ),
    ).toBe('MODEL_NOT_FOUND');
    expect(await codeOf(w.client.call('complete', { modelPath: STORIES_MODEL }))).toBe(
      'BAD_PARAMS',
    );
    expect((await w.client.health()).status).toBe('ok');
  });
});

describe('llm worker: killed mid-generation', () => {
  it('fails the in-flight call with WORKER_CRASHED', async () => {
    const victim = await spawnLlmWorker();
    try {
      const call = victim.client.call(
        'complete',
        { modelPath: STORIES_MODEL, prompt: 'Once', maxTokens: 4000, temperature: 1, seed: 9 },
        {
          onProgress: () => victim.proc.kill('SIGKILL'),
        },
      );
      expect(await codeOf(call)).toBe('WORKER_CRASHED');
    } finally {
      await victim.stop();
    }
  });
});
