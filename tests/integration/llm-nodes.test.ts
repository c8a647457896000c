/**
 * The llm-enhance and tag executors against the real worker, the real registry and a real
 * SQLite database (tag aliases, image_tags with source llm_auto).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { spawnLlmWorker, STORIES_MODEL, type SpawnedWorker } from './llm-worker-helper';
import enhance from '../../nodes/text/llm-enhance.run';
import tagNode from '../../nodes/text/tag.run';
import { llmEnhance } from '../../nodes/text/llm-enhance';
import { tag } from '../../nodes/text/tag';
import { openDb, type Db } from '../../runtime/store/db';
import { ModelRegistry } from '../../runtime/models/registry';
import { attachTags, tagsForGeneration } from '../../runtime/store/tags';
import { GenerationStore } from '../../runtime/store/generations';
import { normalizeTagName } from '../../runtime/llm/tags';
import { ports, runExecutor, type TestContext } from '../helpers/exec-context';
import type { ProgressMsg } from '../../workers/protocol/messages';
import type { TagsValue, TextValue } from '../../runtime/engine/values';
import { z } from 'zod';
import sharp from 'sharp';
import { insertTextChunks } from '../../runtime/png';
import { mergeLlmConfig } from '../../runtime/llm/defaults';

let w: SpawnedWorker;
let db: Db;
let modelsDir: string;
let registry: ModelRegistry;

function ctx(
  progress: Omit<ProgressMsg, 'type'>[] = [],
  config: Record<string, unknown> = {},
): TestContext {
  const signal = new AbortController().signal;
  return {
    runId: 'r1',
    nodeId: 'n1',
    inputArtifacts: {},
    signal,
    progress: (p) => progress.push(p),
    call: (worker, job, payload, opts = {}) => {
      expect(worker).toBe('llm');
      return w.client.call(job, payload, { ...opts, signal });
    },
    resolveModel: (ref, kind) => registry.resolve(ref, kind as 'llm'),
    tempPath: () => path.join(os.tmpdir(), randomUUID()),
    paths: { home: os.tmpdir(), tmp: os.tmpdir(), outputs: os.tmpdir(), artifacts: os.tmpdir() },
    config,
    graph: null,
    log: () => undefined,
    ...ports({ db }),
    mitigations: {},
    onCommit: () => undefined,
  };
}

beforeAll(async () => {
  w = await spawnLlmWorker();
  db = openDb(':memory:');
  modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-nodes-'));
  fs.symlinkSync(STORIES_MODEL, path.join(modelsDir, 'stories260K.gguf'));
  registry = new ModelRegistry(db, [modelsDir]);
  await registry.scan();
});
afterAll(async () => {
  await w?.stop();
  db?.close();
  fs.rmSync(modelsDir, { recursive: true, force: true });
});

const params = <T extends { parse: (v: unknown) => unknown }>(
  schema: T,
  v: Record<string, unknown>,
) => schema.parse(v) as never;

describe('llm-enhance executor', () => {
  it('yields non-empty text, streams partial text, and is deterministic for a seed', async () => {
    const progress: Omit<ProgressMsg, 'type'>[] = [];
    const p = params(llmEnhance.params, {
      model: 'stories260K.gguf',
      maxTokens: 60,
      temperature: 0.8,
      seed: 7,
    });
    const input = { prompt: { kind: 'text', text: 'a lighthouse at dusk' } as TextValue };
    const a = (await runExecutor(enhance, ctx(progress), input, p)).text as TextValue;
    const b = (await runExecutor(enhance, ctx(), input, p)).text as TextValue;
    expect(a.kind).toBe('text');
    expect(a.text.length).toBeGreaterThan(0);
    expect(b.text).toBe(a.text);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((e) => e.phase === 'generating' && typeof e.text === 'string')).toBe(
      true,
    );
  });

  it('uses the prompts from config.json', async () => {
    const p = params(llmEnhance.params, {
      model: 'stories260K.gguf',
      maxTokens: 30,
      temperature: 0,
      seed: 1,
    });
    const input = { prompt: { kind: 'text', text: 'a fox' } as TextValue };
    const def = (await runExecutor(enhance, ctx(), input, p)).text as TextValue;
    const custom = (
      await runExecutor(
        enhance,
        ctx([], {
          llm: {
            enhance: {
              system: 'Once upon a time there was a frog.',
              template: '{{prompt}} and a frog',
            },
          },
        }),
        input,
        p,
      )
    ).text as TextValue;
    expect(custom.text).not.toBe(def.text);
  });

  it('says clearly when no model is configured, and when the model is missing', async () => {
    const input = { prompt: { kind: 'text', text: 'x' } as TextValue };
    await expect(
      runExecutor(enhance, ctx(), input, params(llmEnhance.params, { model: '', seed: 1 })),
    ).rejects.toMatchObject({
      code: 'MODEL_NOT_CONFIGURED',
      message: expect.stringContaining('MYSTI_MODELS'),
    });
    await expect(
      runExecutor(
        enhance,
        ctx(),
        input,
        params(llmEnhance.params, { model: 'nope.gguf', seed: 1 }),
      ),
    ).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});

describe('tag executor', () => {
  it('returns normalized, alias-mapped tags in the taxonomy, storable with source llm_auto', async () => {
    const out = (
      await runExecutor(
        tagNode,
        ctx(),
        { text: { kind: 'text', text: 'a kitty on a sofa at sunset' } },
        params(tag.params, { model: 'stories260K.gguf', maxTags: 5 }),
      )
    ).tags as TagsValue;
    expect(out.kind).toBe('tags');
    expect(out.tags.length).toBeGreaterThan(0);
    expect(out.tags.length).toBeLessThanOrEqual(5);
    const taxonomy = ['subject', 'style', 'medium', 'lighting', 'colour', 'composition', 'mood'];
    for (const t of out.tags) {
      expect(t.name).toBe(normalizeTagName(t.name));
      expect(t.name.length).toBeGreaterThan(0);
      expect(t.name).not.toBe('kitty'); // aliases are mapped
      expect(taxonomy).toContain(t.category);
      expect(t.confidence).toBeGreaterThanOrEqual(0);
      expect(t.confidence).toBeLessThanOrEqual(1);
    }
    const gens = new GenerationStore(db);
    const gen = gens.insert(
      { uuid: randomUUID(), artifactId: null, filePath: 'a.png', sha256: null, createdAt: 0 },
      (id) => attachTags(db, id, out.tags, 'llm_auto'),
    );
    const stored = tagsForGeneration(db, gen);
    expect(stored.map((s) => s.normalizedName).sort()).toEqual(out.tags.map((t) => t.name).sort());
    expect(stored.every((s) => s.source === 'llm_auto')).toBe(true);
  });

  it('reads the image prompt from its metadata and refuses when nothing is connected', async () => {
    const image = {
      kind: 'image' as const,
      path: '/x.png',
      sha256: 'x',
      info: { prompt: 'a dog in the snow' },
    };
    const out = (
      await runExecutor(
        tagNode,
        ctx(),
        { image },
        params(tag.params, { model: 'stories260K.gguf', maxTags: 3 }),
      )
    ).tags as TagsValue;
    expect(out.kind).toBe('tags');
    await expect(
      runExecutor(tagNode, ctx(), {}, params(tag.params, { model: 'stories260K.gguf' })),
    ).rejects.toMatchObject({ code: 'INPUT_MISSING' });
    await expect(
      runExecutor(tagNode, ctx(), { text: { kind: 'text', text: 'x' } }, params(tag.params, {})),
    ).rejects.toMatchObject({ code: 'MODEL_NOT_CONFIGURED' });
  });

  // Issue 17 §5: an image alone, described from what is known about it.
  const tagSchema = z.object({
    kind: z.literal('tags'),
    tags: z
      .array(
        z.object({
          name: z.string().min(1),
          category: z.enum(mergeLlmConfig({}).taxonomy as [string, ...string[]]),
          confidence: z.number().min(0).max(1),
        }),
      )
      .min(1)
      .max(3),
  });
  const tagImage = async (image: Record<string, unknown>) =>
    tagSchema.parse(
      (
        await runExecutor(
          tagNode,
          ctx(),
          {
            image: {
              kind: 'image',
              path: '/nonexistent.png',
              sha256: randomUUID(),
              ...image,
            } as never,
          },
          params(tag.params, { model: 'stories260K.gguf', maxTags: 3 }),
        )
      ).tags,
    );

  it('tags our own image from the prompt sd.cpp was given (its lineage argv)', async () => {
    const out = await tagImage({
      info: {
        seed: 1,
        argv: ['-m', '<models>/m.safetensors', '-p', 'a red fox in the snow', '-W', '64'],
      },
    });
    expect(out.tags.length).toBeGreaterThan(0);
  });

  it('tags an imported image from the prompt in its metadata (the library row of the same file)', async () => {
    const sha = randomUUID();
    new GenerationStore(db).insert({
      uuid: randomUUID(),
      artifactId: null,
      filePath: '/elsewhere/imported.png',
      sha256: sha,
      createdAt: 1,
      prompt: 'portrait of an old sailor, oil painting',
      source: 'import',
    });
    expect(new GenerationStore(db).lineagePrompt({ sha256: sha })).toBe(
      'portrait of an old sailor, oil painting',
    );
    const out = await tagImage({ sha256: sha });
    expect(out.tags.length).toBeGreaterThan(0);
  });

  it('tags an image read from a PNG file carrying A1111 parameters', async () => {
    const file = path.join(os.tmpdir(), `${randomUUID()}.png`);
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } })
      .png()
      .toBuffer();
    fs.writeFileSync(
      file,
      insertTextChunks(png, [
        {
          keyword: 'parameters',
          text: 'a castle on a hill\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1',
        },
      ]),
    );
    try {
      const out = await tagImage({ path: file });
      expect(out.tags.length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('fails clearly only when nothing is known about the image', async () => {
    await expect(tagImage({ info: { seed: 3 } })).rejects.toMatchObject({
      code: 'INPUT_MISSING',
      message: expect.stringContaining('knows nothing about this image'),
    });
  });
});
