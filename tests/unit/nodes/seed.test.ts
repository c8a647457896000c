/** Exact 64-bit seeds (issue 13 §4): the seed param, graph format 1 → 2 migration, lossless ComfyUI import. */
import { describe, expect, it } from 'vitest';
import {
  canonicalSeed,
  catalog,
  loadGraph,
  mapForeignSeed,
  MAX_SEED_STRING,
  randomSeed,
  seedPlus,
  txt2img,
  validateGraph,
  GRAPH_FORMAT_VERSION,
} from '../../../nodes/index';
import { importWorkflow } from '../../../runtime/importers';
import { parseJsonLossless } from '../../../runtime/importers/json';
import { concreteSeed } from '../../../runtime/exec/llm';
import { resolveParams } from '../../../runtime/engine/params';

describe('seed param', () => {
  const seed = txt2img.params.shape.seed;
  it('keeps seeds up to 2^63−1 exactly as decimal strings; numbers accepted up to 2^53−1', () => {
    expect(seed.parse('89848141647836')).toBe('89848141647836');
    expect(seed.parse(MAX_SEED_STRING)).toBe('9223372036854775807');
    expect(seed.parse(42)).toBe('42');
    expect(seed.parse('007')).toBe('7');
    expect(seed.parse(undefined)).toBe('random');
    expect(seed.safeParse('9223372036854775808').success).toBe(false);
    expect(seed.safeParse(2 ** 60).success).toBe(false);
    expect(seed.safeParse(-1).success).toBe(false);
    expect(seed.safeParse('1.5').success).toBe(false);
  });
  it('random seeds are concrete decimal strings within range; seedPlus is exact', () => {
    for (let i = 0; i < 50; i++) expect(BigInt(randomSeed()) <= BigInt(MAX_SEED_STRING)).toBe(true);
    const p = resolveParams(txt2img, { seed: 'random' });
    expect(p.seed).toMatch(/^(0|[1-9][0-9]*)$/);
    expect(seedPlus('9007199254740993', 2)).toBe('9007199254740995');
    expect(canonicalSeed(' 12 ')).toBe('12');
  });
  it('foreign seeds: above 2^63−1 map to seed mod 2^63 with a warning; negative = random', () => {
    const w: string[] = [];
    expect(mapForeignSeed('18446744073709551615', (m) => w.push(m))).toBe('9223372036854775807');
    expect(w[0]).toMatch(
      /above stable-diffusion\.cpp's largest seed 2\^63−1; using 9223372036854775807 \(seed mod 2\^63\)/,
    );
    expect(mapForeignSeed(-1, (m) => w.push(m))).toBe('random');
    expect(mapForeignSeed('851616030078638', (m) => w.push(m))).toBe('851616030078638');
    expect(w).toHaveLength(1);
  });
  it('the LLM (32-bit seeds in llama.cpp) uses the low 32 bits', () => {
    expect(concreteSeed('4294967297')).toBe(1);
    expect(concreteSeed('7')).toBe(7);
    expect(() => concreteSeed('random')).toThrow(/resolved/);
  });
});

describe('graph format 1 → 3 (seeds as strings)', () => {
  it('an old graph with numeric seeds loads, is migrated to strings and validates', () => {
    const old = {
      format: 'mysticanvas.graph',
      version: 1,
      nodes: [
        { id: 'p', type: 'prompt', params: { text: 'a cat' } },
        { id: 'g', type: 'txt2img', params: { model: 'm.gguf', seed: 42 } },
        { id: 'e', type: 'llm-enhance', params: { seed: 3 } },
      ],
      edges: [{ id: 'e1', source: 'p', sourceHandle: 'text', target: 'g', targetHandle: 'prompt' }],
    };
    const r = loadGraph(old, catalog);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.graph.version).toBe(GRAPH_FORMAT_VERSION);
    expect(GRAPH_FORMAT_VERSION).toBe(4);
    expect(r.graph.nodes.find((n) => n.id === 'g')!.params.seed).toBe('42');
    expect(r.graph.nodes.find((n) => n.id === 'e')!.params.seed).toBe('3');
    expect(validateGraph(r.graph, catalog).filter((i) => i.code === 'BAD_PARAM')).toEqual([]);
  });
  it('a seed beyond 2^63−1 is a BAD_PARAM naming the range', () => {
    const r = loadGraph(
      {
        format: 'mysticanvas.graph',
        version: 3,
        nodes: [{ id: 'g', type: 'txt2img', params: { seed: '99999999999999999999' } }],
      },
      catalog,
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const bad = validateGraph(r.graph, catalog).filter((i) => i.code === 'BAD_PARAM');
    expect(bad.map((i) => i.field)).toEqual(['seed']);
  });
});

describe('lossless JSON for importers', () => {
  it('keeps integers above 2^53 as exact strings, other numbers as numbers, last duplicate key wins', () => {
    expect(parseJsonLossless('{"a":18446744073709551615,"b":1.5,"c":42,"c":43}')).toEqual({
      a: '18446744073709551615',
      b: 1.5,
      c: 43,
    });
  });
  const api = (seed: string) =>
    JSON.stringify({
      '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd15.safetensors' } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a fox', clip: ['4', 1] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['4', 1] } },
      '5': { class_type: 'EmptyLatentImage', inputs: { width: 512, height: 512, batch_size: 1 } },
      '3': {
        class_type: 'KSampler',
        inputs: {
          seed: 'SEED',
          steps: 20,
          cfg: 7,
          sampler_name: 'euler',
          scheduler: 'normal',
          denoise: 1,
          model: ['4', 0],
          positive: ['6', 0],
          negative: ['7', 0],
          latent_image: ['5', 0],
        },
      },
      '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
      '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'x', images: ['8', 0] } },
    }).replace('"SEED"', seed);
  const seedOf = (text: string) => {
    const r = importWorkflow({ bytes: new TextEncoder().encode(text) });
    return {
      seed: r.graph.nodes.find((n) => n.type === 'txt2img')!.params.seed,
      warnings: r.warnings.filter((w) => /seed/i.test(w)),
    };
  };
  it('a ComfyUI seed above 2^53 written as a JSON number imports unchanged and without a warning', () => {
    expect(seedOf(api('9007199254740993'))).toEqual({ seed: '9007199254740993', warnings: [] });
    expect(seedOf(api('89848141647836'))).toEqual({ seed: '89848141647836', warnings: [] });
  });
  it('a ComfyUI seed above 2^63−1 maps to seed mod 2^63 with a warning', () => {
    const r = seedOf(api('18446744073709551615'));
    expect(r.seed).toBe('9223372036854775807');
    expect(r.warnings.join('\n')).toMatch(/18446744073709551615 is above/);
  });
});
