/**
 * The real LLM worker's `embed` job on stories260K (1 thread): structure, normalization,
 * determinism and batching — the tiny model's vectors carry no meaning, so nothing asserts on it.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnLlmWorker, STORIES_MODEL, type SpawnedWorker } from './llm-worker-helper';

let w: SpawnedWorker;
beforeAll(async () => {
  w = await spawnLlmWorker();
});
afterAll(async () => {
  await w?.stop();
});

describe('llm worker: embed', () => {
  it('returns one unit vector per input, deterministic, with progress', async () => {
    const input = ['a red fox in the snow', 'a lighthouse at dusk', '', 'a red fox in the snow'];
    const steps: number[] = [];
    const { output } = await w.client.call(
      'embed',
      { modelPath: STORIES_MODEL, input },
      { onProgress: (p) => steps.push(p.step ?? -1) },
    );
    const vectors = output.vectors as number[][];
    expect(vectors).toHaveLength(4);
    expect(output.dimension).toBeGreaterThan(0);
    for (const v of vectors) {
      expect(v).toHaveLength(output.dimension as number);
      expect(Math.hypot(...v)).toBeCloseTo(1, 4);
    }
    expect(vectors[3]).toEqual(vectors[0]);
    expect(vectors[1]).not.toEqual(vectors[0]);
    expect(steps.at(-1)).toBe(4);
    // A second call (resident model, same context) gives the same numbers.
    const again = await w.client.call('embed', { modelPath: STORIES_MODEL, input: [input[1]!] });
    expect((again.output.vectors as number[][])[0]).toEqual(vectors[1]);
  });

  it('generation and embedding alternate on one resident model', async () => {
    const c = await w.client.call('complete', {
      modelPath: STORIES_MODEL,
      prompt: 'Once',
      maxTokens: 8,
      seed: 1,
    });
    expect(typeof c.output.text).toBe('string');
    const e = await w.client.call('embed', { modelPath: STORIES_MODEL, input: ['x'] });
    expect((e.output.vectors as number[][])[0]!.length).toBe(e.output.dimension);
  });

  it('rejects an empty batch with BAD_PARAMS', async () => {
    await expect(
      w.client.call('embed', { modelPath: STORIES_MODEL, input: [] }),
    ).rejects.toMatchObject({ code: 'BAD_PARAMS' });
  });
});
