import { describe, expect, it } from 'vitest';
import {
  parseBar,
  parseLogLine,
  SdOutputParser,
  type SdProgress,
} from '../../../../workers/sd/progress';

// Byte-exact samples from shared/docs/sdcpp.md §1.3.
const bar = (step: number, steps: number, speed: string, fill = '=', head = '>') => {
  const c = Math.floor((step * 50) / steps);
  let s = '';
  for (let i = 0; i < 50; i++) s += i < c ? fill : i === c && head ? head : ' ';
  return `\r  |${s}| ${step}/${steps} - ${speed}\x1b[K${step === steps ? '\n' : ''}`;
};

describe('parseLogLine / parseBar', () => {
  it('parses the documented log line', () => {
    expect(
      parseLogLine('[INFO ] stable-diffusion.cpp:5679 - generating image: 1/1 - seed 42'),
    ).toEqual({
      level: 'INFO',
      file: 'stable-diffusion.cpp',
      line: 5679,
      message: 'generating image: 1/1 - seed 42',
    });
    expect(
      parseLogLine('[ERROR] common.cpp:325  - error: unknown argument: --bogus-flag')?.message,
    ).toBe('error: unknown argument: --bogus-flag');
    expect(parseLogLine('\x1b[32m[INFO ]\x1b[0m main.cpp:12   - x')?.level).toBe('INFO');
    expect(parseLogLine('new_sd_ctx_t failed')).toBeNull();
  });

  it('parses bars: it/s, s/it and MB/s loading bars', () => {
    expect(
      parseBar('\r  |============>                                     | 1/4 - 3.92it/s\x1b[K'),
    ).toEqual({ step: 1, steps: 4, rate: 3.92, loading: false });
    expect(
      parseBar('\r  |==================================================| 4/4 - 2.68s/it\x1b[K\n'),
    ).toEqual({ step: 4, steps: 4, rate: 0.373, loading: false });
    expect(parseBar(`\r  |${'#'.repeat(50)}| 196/196 - 329.73MB/s\x1b[K\n`)).toEqual({
      step: 196,
      steps: 196,
      loading: true,
    });
    // The format before 2025-11 had no ESC[K.
    expect(
      parseBar('  |==================================================| 20/20 - 49.63s/it')?.step,
    ).toBe(20);
  });
});

describe('SdOutputParser', () => {
  it('turns the documented txt2img sequence into phases, steps and the seed', () => {
    const events: SdProgress[] = [];
    const p = new SdOutputParser((e) => events.push(e));
    const load = (n: number) => bar(n, n, '329.73MB/s', '#', '');
    const text = [
      "[INFO ] stable-diffusion.cpp:186  - loading model from '/m/tiny.gguf'\n",
      '[INFO ] stable-diffusion.cpp:320  - Version: SDXS (512-DS) \n',
      '[INFO ] stable-diffusion.cpp:3986 - generate_image 64x64\n',
      '[INFO ] stable-diffusion.cpp:3051 - sampling using Euler A method\n',
      load(196),
      '[INFO ] stable-diffusion.cpp:2702 - get_learned_condition completed, taking 2.26s\n',
      '[INFO ] stable-diffusion.cpp:5679 - generating image: 1/1 - seed 1234567\n',
      load(386),
      bar(1, 4, '3.92it/s'),
      bar(2, 4, '3.50it/s'),
      bar(3, 4, '1.20s/it'),
      bar(4, 4, '2.68s/it'),
      '[INFO ] stable-diffusion.cpp:3721 - sampling completed, taking 0.23s\n',
      '[INFO ] stable-diffusion.cpp:3760 - decoding 1 latents\n',
      load(138),
      '[INFO ] stable-diffusion.cpp:2960 - decode_first_stage completed, taking 0.87s\n',
      "[INFO ] main.cpp:734  - save result image 0 to '/tmp/o.png' (success)\n",
      '[INFO ] main.cpp:740  - 1/1 images saved\n',
    ].join('');
    // Feed in awkward chunk sizes: the parser must not depend on chunk boundaries.
    for (let i = 0; i < text.length; i += 7) p.feed(text.slice(i, i + 7));
    p.end();
    expect(p.seeds).toEqual(['1234567']);
    expect(events.map((e) => e.phase)).toEqual([
      'loading',
      'encoding',
      'loading',
      'sampling',
      'loading',
      'sampling',
      'sampling',
      'sampling',
      'sampling',
      'decoding',
      'loading',
    ]);
    const sampling = events.filter((e) => e.phase === 'sampling' && e.step !== undefined);
    expect(sampling.map((e) => `${e.step}/${e.steps}`)).toEqual(['1/4', '2/4', '3/4', '4/4']);
    expect(sampling[0]!.rate).toBe(3.92);
    expect(sampling[2]!.rate).toBeCloseTo(1 / 1.2, 3);
    expect(p.lines.at(-1)).toContain('1/1 images saved');
  });

  it('reports a bar redraw before the next \\r arrives', () => {
    const events: SdProgress[] = [];
    const p = new SdOutputParser((e) => events.push(e));
    p.feed('[INFO ] stable-diffusion.cpp:5679 - generating image: 1/1 - seed 42\n');
    p.feed(bar(1, 20, '3.10it/s'));
    expect(events.at(-1)).toEqual({ phase: 'sampling', step: 1, steps: 20, rate: 3.1 });
    p.feed(bar(2, 20, '3.20it/s'));
    expect(events.filter((e) => e.step === 1)).toHaveLength(1);
    expect(events.at(-1)?.step).toBe(2);
  });

  it('reads img2img t_enc (ticks = N+1), upscaling and warnings', () => {
    const events: SdProgress[] = [];
    const p = new SdOutputParser((e) => events.push(e));
    p.feed('[INFO ] stable-diffusion.cpp:3590 - target t_enc is 12 steps\n');
    p.feed('[WARN ] common.cpp:2179 - can not found lora detail\n');
    p.feed('[INFO ] upscaler.cpp:87   - upscaling from (64 x 64) to (256 x 256)\n');
    p.feed(bar(9, 9, '12.00it/s'));
    expect(p.samplingTicks).toBe(13);
    expect(p.warnings).toEqual(['can not found lora detail']);
    expect(events.at(-1)).toMatchObject({ phase: 'upscaling', step: 9, steps: 9 });
  });
});
