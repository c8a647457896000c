import { describe, expect, it } from 'vitest';
import {
  autoV2Hash,
  formatA1111Parameters,
  parseA1111Parameters,
  parseHashList,
  parseParamLine,
} from '../../../runtime/png/a1111';

describe('parseA1111Parameters', () => {
  it('parses A1111 grammar: quoted values with commas, hires params, Lora and TI hashes, multi-line prompts', () => {
    const text =
      'masterpiece, 1girl\n<lora:detail:0.6>, city at night\r\nNegative prompt: lowres,\nbad hands\n' +
      'Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 123, Size: 512x768, Model hash: 45a21ea00a, Model: wai, ' +
      'Denoising strength: 0.45, Hires upscale: 2, Hires steps: 10, Hires upscaler: R-ESRGAN 4x+, ' +
      'Lora hashes: "detail: 1234abcd, other: 5678ef01", TI hashes: "easyneg: aa11", Emphasis: "Original, no norm", Version: v1.10.1';
    const r = parseA1111Parameters(text);
    expect(r.prompt).toBe('masterpiece, 1girl\n<lora:detail:0.6>, city at night');
    expect(r.negativePrompt).toBe('lowres,\nbad hands');
    expect(r.hasParamsLine).toBe(true);
    expect(r.params).toMatchObject({
      Steps: '28',
      Sampler: 'DPM++ 2M Karras',
      'CFG scale': '6.5',
      Size: '512x768',
      'Hires upscale': '2',
      'Hires upscaler': 'R-ESRGAN 4x+',
      Emphasis: 'Original, no norm',
      Version: 'v1.10.1',
    });
    expect(parseHashList(r.params['Lora hashes'])).toEqual({
      detail: '1234abcd',
      other: '5678ef01',
    });
    expect(parseHashList(r.params['TI hashes'])).toEqual({ easyneg: 'aa11' });
  });

  it('a last line with fewer than 3 pairs is prompt, not settings', () => {
    const r = parseA1111Parameters('a cat\nstyle: oil, mood: calm');
    expect(r.hasParamsLine).toBe(false);
    expect(r.prompt).toBe('a cat\nstyle: oil, mood: calm');
  });

  it('keeps sd.cpp unquoted JSON trailers whole', () => {
    const pairs = parseParamLine(
      'Steps: 2, CFG scale: 4.500000, Seed: 42, Sampler: euler_a discrete, Version: stable-diffusion.cpp, SDCPP: {"a":1,"b":{"c":"x, y"},"d":[1,2]}',
    );
    expect(Object.fromEntries(pairs).SDCPP).toBe('{"a":1,"b":{"c":"x, y"},"d":[1,2]}');
  });

  it('format → parse gives back the prompt and settings (values with commas quoted)', () => {
    const text = formatA1111Parameters({
      prompt: 'a, b\nc',
      negativePrompt: 'n',
      steps: 4,
      sampler: 'euler_a',
      scheduler: 'default',
      cfgScale: 7.5,
      seed: 1,
      width: 64,
      height: 128,
      model: 'x/y/tiny.safetensors',
      modelHash: autoV2Hash('ABCDEF0123456789'),
      clipSkip: 2,
      loraHashes: { a: '11', b: '22' },
      version: '0.1',
    });
    expect(text.split('\n').at(-1)).toBe(
      'Steps: 4, Sampler: Euler a, CFG scale: 7.5, Seed: 1, Size: 64x128, Model hash: abcdef0123, Model: tiny, Clip skip: 2, Lora hashes: "a: 11, b: 22", Version: mysticanvas 0.1',
    );
    const r = parseA1111Parameters(text);
    expect(r).toMatchObject({ prompt: 'a, b\nc', negativePrompt: 'n' });
    expect(r.params).toMatchObject({
      Steps: '4',
      Seed: '1',
      'Lora hashes': 'a: 11, b: 22',
      Version: 'mysticanvas 0.1',
    });
  });
});

describe('formatA1111Parameters: guide fields (issue 14)', () => {
  const base = {
    prompt: 'a door',
    steps: 20,
    sampler: 'euler_a',
    scheduler: 'default',
    cfgScale: 7,
    seed: '42',
    width: 512,
    height: 512,
    version: '0.1',
  };

  it('writes Mask blur, ControlNet 0 and the hires keys as A1111 spells them; the parser reads them back', () => {
    const text = formatA1111Parameters({
      ...base,
      denoisingStrength: 0.5,
      maskBlur: 4,
      controlNets: [
        {
          model: 'controlnet/control_v11p_sd15_openpose.safetensors',
          hash: 'cab727d4ffee',
          weight: 0.8,
        },
      ],
      hires: { upscale: 2, steps: 10, upscaler: 'Latent' },
    });
    const p = parseA1111Parameters(text).params;
    expect(p).toMatchObject({
      'Denoising strength': '0.5',
      'Mask blur': '4',
      'Hires upscale': '2',
      'Hires steps': '10',
      'Hires upscaler': 'Latent',
    });
    expect(p['ControlNet 0']).toBe(
      'Module: none, Model: control_v11p_sd15_openpose [cab727d4], Weight: 0.8, Resize Mode: Just Resize, Guidance Start: 0, Guidance End: 1, Pixel Perfect: False, Control Mode: Balanced',
    );
    // The unit's text has commas and colons: JSON-quoted, as A1111 quotes it.
    expect(text).toContain('ControlNet 0: "Module: none, ');
  });

  it('a target size is "Hires resize: WxH"; hires steps 0 (= the first pass\'s) is left out', () => {
    const p = parseA1111Parameters(
      formatA1111Parameters({
        ...base,
        hires: { resize: { width: 1024, height: 768 }, steps: 0, upscaler: 'RealESRGAN_x4' },
      }),
    ).params;
    expect(p).toMatchObject({ 'Hires resize': '1024x768', 'Hires upscaler': 'RealESRGAN_x4' });
    expect(p).not.toHaveProperty('Hires steps');
    expect(p).not.toHaveProperty('Hires upscale');
  });
});
