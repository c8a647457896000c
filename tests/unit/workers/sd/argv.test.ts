import { describe, expect, it } from 'vitest';
import {
  align64,
  buildGenArgv,
  buildUpscaleArgv,
  mitigationArgs,
  promptWithLoras,
  sdThreads,
} from '../../../../workers/sd/argv';
import { genPayloadSchema, upscalePayloadSchema } from '../../../../workers/sd/payload';

const base = genPayloadSchema.parse({
  prompt: 'a lighthouse at dusk',
  modelPath: '/m/model.gguf',
  width: 100,
  height: 72,
  steps: 20,
  cfgScale: 7.5,
  seed: 42,
  outDir: '/tmp/out',
});
const opts = { outPath: '/tmp/out/.sd-x/out.png', threads: 3, backendFlag: true };

/** Value following `flag` in argv. */
const val = (a: string[], flag: string) => a[a.indexOf(flag) + 1];

describe('argv builder', () => {
  it('builds a txt2img argv with explicit threads, no metadata, aligned size and temp output', () => {
    const a = buildGenArgv(base, opts);
    expect(a.slice(0, 2)).toEqual(['-m', '/m/model.gguf']);
    expect(val(a, '-p')).toBe('a lighthouse at dusk');
    expect(val(a, '-W')).toBe('128');
    expect(val(a, '-H')).toBe('128');
    expect(val(a, '--steps')).toBe('20');
    expect(val(a, '--cfg-scale')).toBe('7.5');
    expect(val(a, '-s')).toBe('42');
    expect(val(a, '-t')).toBe('3');
    expect(a).toContain('--disable-image-metadata');
    expect(a.slice(-2)).toEqual(['-o', '/tmp/out/.sd-x/out.png']);
    // 'default' sampler/scheduler leave the choice to sd.cpp; no negative prompt, batch 1, clip skip -1.
    for (const f of [
      '--sampling-method',
      '--scheduler',
      '-n',
      '-b',
      '--clip-skip',
      '-i',
      '--strength',
      '--preview',
    ])
      expect(a).not.toContain(f);
  });

  it('passes sampler, scheduler, batch, clip skip, negative prompt, VAE and TAESD when set', () => {
    const a = buildGenArgv(
      {
        ...base,
        sampler: 'dpm++2m',
        scheduler: 'karras',
        batchCount: 3,
        clipSkip: 2,
        negativePrompt: 'blurry',
        vaePath: '/m/vae.safetensors',
        taesdPath: '/m/taesd.safetensors',
      },
      opts,
    );
    expect(val(a, '--sampling-method')).toBe('dpm++2m');
    expect(val(a, '--scheduler')).toBe('karras');
    expect(val(a, '-b')).toBe('3');
    expect(val(a, '--clip-skip')).toBe('2');
    expect(val(a, '-n')).toBe('blurry');
    expect(val(a, '--vae')).toBe('/m/vae.safetensors');
    expect(val(a, '--taesd')).toBe('/m/taesd.safetensors');
  });

  it('keeps prompt text as one argv element, whatever it contains', () => {
    const prompt = '"; rm -rf / #  --steps 1 $(whoami)';
    const a = buildGenArgv({ ...base, prompt }, opts);
    expect(val(a, '-p')).toBe(prompt);
    expect(a.filter((x) => x === '--steps')).toHaveLength(1);
  });

  it('appends LoRA tags to the prompt and passes the LoRA folder', () => {
    const a = buildGenArgv(
      {
        ...base,
        loraDir: '/m/loras',
        loras: [
          { name: 'detail', weight: 0.8 },
          { name: 'style', weight: 1 },
        ],
      },
      opts,
    );
    expect(val(a, '-p')).toBe('a lighthouse at dusk <lora:detail:0.8> <lora:style:1>');
    expect(val(a, '--lora-model-dir')).toBe('/m/loras');
    expect(promptWithLoras('', [{ name: 'x', weight: -0.5 }])).toBe('<lora:x:-0.5>');
  });

  it('adds -i and --strength for img2img', () => {
    const a = buildGenArgv({ ...base, initImagePath: '/tmp/in.png', strength: 0.6 }, opts);
    expect(val(a, '-i')).toBe('/tmp/in.png');
    expect(val(a, '--strength')).toBe('0.6');
  });

  it('asks for live previews only with a preview path; tae needs a TAESD', () => {
    expect(val(buildGenArgv(base, { ...opts, previewPath: '/tmp/p.png' }), '--preview')).toBe(
      'proj',
    );
    expect(
      val(
        buildGenArgv({ ...base, preview: 'tae' }, { ...opts, previewPath: '/tmp/p.png' }),
        '--preview',
      ),
    ).toBe('proj');
    const tae = buildGenArgv(
      { ...base, preview: 'tae', taesdPath: '/m/t.safetensors' },
      { ...opts, previewPath: '/tmp/p.png' },
    );
    expect(val(tae, '--preview')).toBe('tae');
    expect(val(tae, '--preview-path')).toBe('/tmp/p.png');
    expect(
      buildGenArgv({ ...base, preview: 'none' }, { ...opts, previewPath: '/tmp/p.png' }),
    ).not.toContain('--preview');
  });

  it('maps mitigations to --backend on new builds and to the deprecated flags on old ones', () => {
    const all = {
      vaeTiling: true,
      vaeOnCpu: true,
      clipOnCpu: true,
      offloadToCpu: true,
      maxVramMb: 3072,
    };
    expect(mitigationArgs(all, true)).toEqual([
      '--vae-tiling',
      '--backend',
      'te=cpu,vae=cpu',
      '--offload-to-cpu',
      '--max-vram',
      '3',
    ]);
    expect(mitigationArgs(all, false)).toEqual([
      '--vae-tiling',
      '--clip-on-cpu',
      '--vae-on-cpu',
      '--offload-to-cpu',
    ]);
    expect(mitigationArgs({ vaeOnCpu: true }, true)).toEqual(['--backend', 'vae=cpu']);
    expect(mitigationArgs(undefined, true)).toEqual([]);
    const a = buildGenArgv({ ...base, mitigations: { vaeTiling: true } }, opts);
    expect(a).toContain('--vae-tiling');
  });

  it('builds -M upscale argv', () => {
    const p = upscalePayloadSchema.parse({
      initImagePath: '/tmp/in.png',
      upscaleModelPath: '/m/esrgan.pth',
      scale: 8,
      outDir: '/tmp/out',
    });
    const a = buildUpscaleArgv(p, opts);
    expect(a.slice(0, 6)).toEqual([
      '-M',
      'upscale',
      '-i',
      '/tmp/in.png',
      '--upscale-model',
      '/m/esrgan.pth',
    ]);
    expect(val(a, '--upscale-repeats')).toBe('2');
    expect(a).toContain('--disable-image-metadata');
    expect(a).not.toContain('-m');
  });

  it('rounds sizes up to multiples of 64 and reads threads from MYSTI_SD_THREADS', () => {
    expect([1, 64, 65, 100, 512, 513].map(align64)).toEqual([64, 64, 128, 128, 512, 576]);
    expect(sdThreads({ MYSTI_SD_THREADS: '5' })).toBe(5);
    expect(sdThreads({ MYSTI_SD_THREADS: 'x' })).toBeGreaterThan(0);
  });

  it('rejects payloads that would build a bad argv', () => {
    expect(genPayloadSchema.safeParse({ ...base, modelPath: 'relative.gguf' }).success).toBe(false);
    expect(
      genPayloadSchema.safeParse({ ...base, loras: [{ name: 'a>b', weight: 1 }] }).success,
    ).toBe(false);
    expect(genPayloadSchema.safeParse({ ...base, outDir: 'tmp' }).success).toBe(false);
  });
});

describe('prompt <lora:> tags never reach sd.cpp unresolved (issue 18 #2)', () => {
  const base = {
    prompt: 'a cat <lora:/etc/passwd:1> <lora:../../x:0.5> <lo<lora:y>ra:/etc/shadow:1>',
    negativePrompt: 'blurry <LORA:/etc/hosts:1>',
    modelPath: '/m/model.gguf',
    width: 64,
    height: 64,
    steps: 2,
    cfgScale: 7,
    sampler: 'default',
    scheduler: 'default',
    seed: 1,
    batchCount: 1,
    clipSkip: -1,
    loras: [{ name: 'detail', weight: 0.8 }],
    loraDir: '/m/loras',
    preview: 'none',
    outDir: '/tmp',
  };
  it('buildGenArgv keeps only the resolved LoRAs as tags', () => {
    const argv = buildGenArgv(base as never, {
      outPath: '/tmp/o.png',
      threads: 1,
      backendFlag: true,
    });
    const p = argv[argv.indexOf('-p') + 1]!;
    const n = argv[argv.indexOf('-n') + 1]!;
    expect(p.replace(/\s+/g, ' ')).toBe('a cat <lora:detail:0.8>');
    expect(n.trim()).toBe('blurry');
    expect(argv.join(' ')).not.toMatch(/passwd|shadow|hosts|\.\.\/\.\.\/x/);
  });
});
