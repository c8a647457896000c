/**
 * Guide pairs (issue 14): an image input and its model param belong together. `guideProblems` is
 * what the submit check (runtime/server/graph-input.ts) and the executors (runtime/exec/guide.ts)
 * both use; txt2img and img2img declare the same pairs and only optional image inputs.
 */
import { describe, expect, it } from 'vitest';
import { guideProblems } from '../../../nodes/core/define-node';
import { txt2img } from '../../../nodes/diffusion/txt2img';
import { img2img } from '../../../nodes/diffusion/img2img';

const set = (...p: string[]) => new Set(p);

describe('guide pairs', () => {
  it('image without model, model without image, IP-Adapter without CLIP vision', () => {
    const r = txt2img.requires;
    expect(guideProblems(r, set('prompt'), {})).toEqual([]);
    expect(guideProblems(r, set('control'), { controlNet: 'cn.safetensors' })).toEqual([]);
    expect(guideProblems(r, set('control'), { controlNet: '' })).toEqual([
      expect.objectContaining({
        port: 'control',
        param: 'controlNet',
        message: expect.stringMatching(/control/i),
      }),
    ]);
    expect(guideProblems(r, set(), { controlNet: 'cn.safetensors' })[0]!.message).toMatch(
      /ControlNet model is chosen but no image is connected to its "control" input/,
    );
    expect(
      guideProblems(r, set('ipAdapterImage'), { ipAdapter: 'ip.safetensors', clipVision: '' }),
    ).toEqual([
      expect.objectContaining({
        param: 'clipVision',
        message: 'the IP-Adapter model needs a CLIP vision encoder',
      }),
    ]);
  });

  it('every new image input is optional; the required ones stay as they were', () => {
    const required = (s: typeof txt2img | typeof img2img) =>
      Object.entries(s.inputs)
        .filter(([, p]) => !p.optional)
        .map(([k]) => k);
    expect(required(txt2img)).toEqual(['prompt']);
    expect(required(img2img)).toEqual(['image', 'prompt']);
    for (const port of [
      'control',
      'reference',
      'reference2',
      'reference3',
      'reference4',
      'ipAdapterImage',
    ])
      for (const s of [txt2img, img2img])
        expect(s.inputs[port]).toMatchObject({ type: 'image', optional: true });
    expect(img2img.inputs.mask).toMatchObject({ type: 'image', optional: true });
    expect(txt2img.inputs).not.toHaveProperty('mask');
  });
});
