import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Corrections } from '../../../runtime/arbiter/corrections';
import {
  estimateLlm,
  estimateSd,
  SD_FAMILY_TABLE,
  sdFamilyOf,
} from '../../../runtime/arbiter/estimate';
import { TINY_GGUF } from '../../helpers/temp-home';

const MIB = 1024 * 1024;

describe('estimateSd', () => {
  it('weights are the file sizes; compute follows the documented table', () => {
    const e = estimateSd(
      [
        { role: 'diffusion', bytes: 1_700_000_000, format: 'safetensors', dtype: 'f16' },
        { role: 'vae', bytes: 167_000_000 },
        { role: 'textEncoder', bytes: 246_000_000 },
      ],
      { family: 'SD1.x', width: 512, height: 512, cfgScale: 7 },
    );
    expect(e.family).toBe('sd1');
    expect(e.weightsBytes).toBe(2_113_000_000);
    // sampler: 2 (cfg) × 64×64 latent × 4 B × 0.01 × 1.0 MiB = 327.68 MiB
    expect(e.breakdown.diffusionComputeBytes).toBe(Math.round(2 * 4096 * 4 * 0.01 * MIB));
    // VAE decode: 2178 × 262144 px × 2 B
    expect(e.breakdown.vaeDecodeBytes).toBe(2178 * 262144 * 2);
    expect(e.computeBytes).toBe(2178 * 262144 * 2 + SD_FAMILY_TABLE.sd1.fixedOverheadBytes);
    expect(e.breakdown.vaeDecodeTiledBytes).toBeLessThan(e.breakdown.vaeDecodeBytes);
    expect(e.notes[0]).toMatch(/diffusion: 1700000000 bytes safetensors f16/);
  });
  it('grows with resolution, not with sd.cpp batch count; CFG 1 halves the sampler batch', () => {
    const base = { family: 'sdxl', width: 1024, height: 1024 };
    const a = estimateSd([], base);
    expect(estimateSd([], { ...base, batchCount: 4 }).computeBytes).toBe(a.computeBytes);
    expect(estimateSd([], { ...base, width: 2048 }).computeBytes).toBeGreaterThan(a.computeBytes);
    expect(
      estimateSd([], { ...base, family: 'flux', cfgScale: 1 }).breakdown.diffusionComputeBytes,
    ).toBe(Math.round(128 * 128 * 4 * 0.01 * 2.8 * MIB));
  });
  it('rounds sizes up to the latent multiple like sd.cpp', () => {
    expect(estimateSd([], { family: 'sd1', width: 100, height: 72 }).breakdown.vaeDecodeBytes).toBe(
      2178 * 104 * 72 * 2,
    );
  });
  it('maps family names', () => {
    expect(['flux-dev', 'sd3.5', 'SDXL 1.0', 'sd2.1', 'sdxs', 'whatever'].map(sdFamilyOf)).toEqual([
      'flux',
      'sd3',
      'sdxl',
      'sd2',
      'sd1',
      'sdxl',
    ]);
  });
  it('rejects bad sizes', () => {
    expect(() => estimateSd([], { family: 'sd1', width: 0, height: 512 })).toThrow(RangeError);
  });
});

describe('estimateLlm', () => {
  it('KV = n_layers × n_ctx × (n_embd_k_gqa + n_embd_v_gqa) × 2 (stories260K numbers)', () => {
    // shared/models/README.md: 5 blocks, embedding 64, 8 heads, 4 KV heads.
    const fileBytes = 1_185_376;
    const e = estimateLlm({
      fileBytes,
      nLayers: 5,
      contextSize: 512,
      nEmbd: 64,
      nHead: 8,
      nHeadKv: 4,
    });
    // head dim 8, GQA width 32 for K and for V
    expect(e.kvBytes).toBe(5 * 512 * (32 + 32) * 2);
    expect(e.weightsBytes).toBe(fileBytes);
    expect(e.computeBytes).toBeGreaterThan(e.kvBytes);
  });
  it('llama-3-8B shape: 32 layers, 8192 ctx, 8 KV heads of 128 → 1 GiB of f16 KV', () => {
    const e = estimateLlm({
      fileBytes: 4.9e9,
      nLayers: 32,
      contextSize: 8192,
      nEmbd: 4096,
      nHead: 32,
      nHeadKv: 8,
    });
    expect(e.kvBytes).toBe(1024 * MIB);
  });
  it('partial offload counts only the GPU share', () => {
    const e = estimateLlm({
      fileBytes: 1000,
      nLayers: 10,
      contextSize: 100,
      nEmbd: 64,
      nHead: 8,
      offloadFraction: 0.5,
    });
    expect(e.weightsBytes).toBe(500);
  });
  it('the real test model file exists with the size the README gives', () => {
    expect(statSync(TINY_GGUF).size).toBe(1_185_376);
  });
});

describe('Corrections', () => {
  it('scales later estimates by the latest actual/projected ratio, clamped', () => {
    const c = new Corrections();
    expect(c.correct('m', 100, 50)).toEqual({ weightsBytes: 100, computeBytes: 50 });
    c.record('m', 150, 300);
    expect(c.ratio('m')).toBe(2);
    expect(c.correct('m', 100, 50)).toEqual({ weightsBytes: 100, computeBytes: 200 });
    c.record('m', 100, 10_000);
    expect(c.ratio('m')).toBe(4);
    c.record('m', 100, 1);
    expect(c.ratio('m')).toBe(0.5);
    expect(c.record('m', 0, 5)).toBeUndefined();
    expect(c.get('m')!.samples).toBe(3);
  });
  it('loads from and writes through a persistence', () => {
    const saved: unknown[] = [];
    const c = new Corrections({
      loadAll: () => [
        { model: 'x', projectedBytes: 1, actualBytes: 3, ratio: 3, samples: 1, updatedAt: 0 },
      ],
      save: (r) => saved.push(r),
    });
    expect(c.ratio('x')).toBe(3);
    c.record('y', 10, 12);
    expect(saved).toHaveLength(1);
  });
});
