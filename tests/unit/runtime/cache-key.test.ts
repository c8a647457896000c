/** Output cache keys (runtime/engine/cache-key.ts): canonical JSON and what does / does not change a key. */
import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalJson, type CacheKeyInput } from '../../../runtime/engine/cache-key';

const base: CacheKeyInput = {
  type: 'txt2img',
  version: 1,
  params: { steps: 20, seed: 42, width: 512, loras: [{ name: 'a', weight: 1 }] },
  models: { model: 'tiny.safetensors:1024:1700000000000' },
  inputs: { prompt: 'abc#text' },
};

describe('canonicalJson', () => {
  it('sorts keys at every depth, drops undefined, keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, 1], c: undefined, b: null } })).toBe(
      '{"a":{"b":null,"d":[3,1]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson([1, undefined, 'x'])).toBe('[1,null,"x"]');
  });
  it('serializes scalars like JSON', () => {
    expect(canonicalJson('é"\n')).toBe(JSON.stringify('é"\n'));
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson(true)).toBe('true');
    expect(canonicalJson(0.5)).toBe('0.5');
    expect(canonicalJson({})).toBe('{}');
  });
  it('distinguishes values that differ only in type', () => {
    expect(canonicalJson({ a: '1' })).not.toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson({ a: [] })).not.toBe(canonicalJson({ a: {} }));
  });
});

describe('cacheKey', () => {
  it('is a hex sha256, stable across key order', () => {
    const k = cacheKey(base);
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(
      cacheKey({
        inputs: base.inputs,
        models: base.models,
        params: { width: 512, loras: [{ weight: 1, name: 'a' }], seed: 42, steps: 20 },
        version: 1,
        type: 'txt2img',
      }),
    ).toBe(k);
  });

  it.each([
    ['type', { type: 'img2img' }],
    ['declaration version', { version: 2 }],
    ['a param', { params: { ...base.params, steps: 21 } }],
    ['a nested param', { params: { ...base.params, loras: [{ name: 'a', weight: 0.5 }] } }],
    [
      'a model file identity (size/mtime)',
      { models: { model: 'tiny.safetensors:1024:1700000000001' } },
    ],
    ['an upstream key', { inputs: { prompt: 'abd#text' } }],
    ['the upstream port', { inputs: { prompt: 'abc#other' } }],
    ['an input wired to another port', { inputs: { negative: 'abc#text' } }],
    ['a fingerprint', { fingerprint: 'file:10:20' }],
  ])('changes with %s', (_what, change) => {
    expect(cacheKey({ ...base, ...(change as Partial<CacheKeyInput>) })).not.toBe(cacheKey(base));
  });

  it('an absent fingerprint and an undefined one give the same key', () => {
    expect(cacheKey({ ...base, fingerprint: undefined })).toBe(cacheKey(base));
  });
});
