/**
 * Guide inputs of issue 14 on both wires of sd.cpp: the sd-cli argv (flags as `sd-cli --help` of
 * master-827-97d2990 spells them) and the sd-server `POST /sdcpp/v1/img_gen` body + start-up flags
 * (sdcpp.md §2; the field names are those of the real server's `GET /sdcpp/v1/capabilities`).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGenArgv } from '../../../../workers/sd/argv';
import { genPayloadSchema } from '../../../../workers/sd/payload';
import { bodyForRecord, buildImgGenBody } from '../../../../workers/sd/server/body';
import { serverArgv, stackKey, stackOf } from '../../../../workers/sd/server/flags';

const dir = mkdtempSync(join(tmpdir(), 'guide-args-'));
const file = (name: string, bytes: string) => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const init = file('init.png', 'INIT');
const mask = file('mask.png', 'MASK');
const control = file('pose.png', 'POSE');
const ref1 = file('ref1.png', 'REF1');
const ref2 = file('ref2.png', 'REF2');
const ipImage = file('face.png', 'FACE');
const b64 = (s: string) => Buffer.from(s).toString('base64');

const base = {
  prompt: 'a lighthouse',
  modelPath: '/m/a.gguf',
  width: 128,
  height: 128,
  steps: 4,
  cfgScale: 5,
  seed: 42,
  outDir: '/tmp/o',
};
const opts = { outPath: '/tmp/o/out.png', threads: 2, backendFlag: true };
const val = (a: string[], flag: string) => a[a.indexOf(flag) + 1];

describe('inpainting mask', () => {
  const p = genPayloadSchema.parse({
    ...base,
    initImagePath: init,
    strength: 0.6,
    maskPath: mask,
    maskBlur: 4,
  });

  it('sd-cli: --mask after -i/--strength', () => {
    const a = buildGenArgv(p, opts);
    expect(val(a, '-i')).toBe(init);
    expect(val(a, '--mask')).toBe(mask);
    expect(a.indexOf('--mask')).toBeGreaterThan(a.indexOf('--strength'));
  });

  it('sd-server: mask_image is the mask file as base64; recorded as <path>', async () => {
    const body = await buildImgGenBody(p);
    expect(body).toMatchObject({ init_image: b64('INIT'), mask_image: b64('MASK'), strength: 0.6 });
    expect(bodyForRecord(p, body)).toMatchObject({
      init_image: `<${init}>`,
      mask_image: `<${mask}>`,
    });
  });

  it('an unreadable mask → BAD_PARAMS naming it', async () => {
    await expect(buildImgGenBody({ ...p, maskPath: join(dir, 'gone.png') })).rejects.toMatchObject({
      code: 'BAD_PARAMS',
      message: expect.stringMatching(/mask/),
    });
  });

  it('no mask → no --mask, no mask_image', async () => {
    const q = genPayloadSchema.parse({ ...base, initImagePath: init });
    expect(buildGenArgv(q, opts)).not.toContain('--mask');
    expect(await buildImgGenBody(q)).not.toHaveProperty('mask_image');
  });
});

describe('hires fix', () => {
  const hires = (h: Record<string, unknown>) => genPayloadSchema.parse({ ...base, hires: h });

  it('sd-cli: --hires with the upscaler, scale, steps and denoising strength', () => {
    const a = buildGenArgv(
      hires({ upscaler: 'Latent', scale: 2, steps: 3, denoisingStrength: 0.55 }),
      opts,
    );
    const i = a.indexOf('--hires');
    expect(a.slice(i, i + 9)).toEqual([
      '--hires',
      '--hires-upscaler',
      'Latent',
      '--hires-scale',
      '2',
      '--hires-steps',
      '3',
      '--hires-denoising-strength',
      '0.55',
    ]);
    expect(a).not.toContain('--hires-width');
    expect(a).not.toContain('--hires-upscalers-dir');
  });

  it('a target size replaces the scale; steps 0 = reuse --steps (flag left out)', () => {
    const a = buildGenArgv(hires({ upscaler: 'Lanczos', width: 256, height: 192 }), opts);
    expect(val(a, '--hires-width')).toBe('256');
    expect(val(a, '--hires-height')).toBe('192');
    expect(a).not.toContain('--hires-scale');
    expect(a).not.toContain('--hires-steps');
    expect(val(a, '--hires-denoising-strength')).toBe('0.7');
  });

  it('an ESRGAN file: its folder as --hires-upscalers-dir, its stem as the upscaler name', async () => {
    const p = hires({ upscaler: 'esrgan', upscalerPath: '/m/upscale/RealESRGAN_x4.gguf' });
    const a = buildGenArgv(p, opts);
    expect(val(a, '--hires-upscalers-dir')).toBe('/m/upscale');
    expect(val(a, '--hires-upscaler')).toBe('RealESRGAN_x4');
    // sd-server: the folder is a start-up flag, the name goes in the body.
    expect(serverArgv(stackOf(p, 2), 1, true)).toEqual(
      expect.arrayContaining(['--hires-upscalers-dir', '/m/upscale']),
    );
    expect((await buildImgGenBody(p)).hires).toMatchObject({ upscaler: 'RealESRGAN_x4' });
  });

  it('sd-server: hires{} as the server names its fields', async () => {
    const body = await buildImgGenBody(
      hires({ upscaler: 'Latent', scale: 2, steps: 2, denoisingStrength: 0.5 }),
    );
    expect(body.hires).toEqual({
      enabled: true,
      upscaler: 'Latent',
      scale: 2,
      target_width: 0,
      target_height: 0,
      steps: 2,
      denoising_strength: 0.5,
    });
    const sized = await buildImgGenBody(hires({ upscaler: 'Lanczos', width: 256, height: 256 }));
    expect(sized.hires).toMatchObject({ target_width: 256, target_height: 256 });
  });
});

describe('ControlNet, reference images, IP-Adapter', () => {
  const p = genPayloadSchema.parse({
    ...base,
    controlNetPath: '/m/controlnet/openpose.safetensors',
    controlImagePath: control,
    controlStrength: 0.8,
    refImagePaths: [ref1, ref2],
    refImageArgs: 'ref_index_mode=increase',
    ipAdapterPath: '/m/ipadapter/ip-adapter_sd15.safetensors',
    clipVisionPath: '/m/clip_vision/vit-h.safetensors',
    ipAdapterImagePath: ipImage,
    ipAdapterStrength: 0.6,
    imgCfgScale: 1.5,
  });

  it('sd-cli: model flags with the stack, image flags per job, -r once per reference in order', () => {
    const a = buildGenArgv(p, opts);
    expect(val(a, '--control-net')).toBe('/m/controlnet/openpose.safetensors');
    expect(val(a, '--control-image')).toBe(control);
    expect(val(a, '--control-strength')).toBe('0.8');
    expect(a.filter((x, i) => a[i - 1] === '-r')).toEqual([ref1, ref2]);
    expect(val(a, '--ref-image-args')).toBe('ref_index_mode=increase');
    expect(val(a, '--ip-adapter')).toBe('/m/ipadapter/ip-adapter_sd15.safetensors');
    expect(val(a, '--clip_vision')).toBe('/m/clip_vision/vit-h.safetensors');
    expect(val(a, '--ip-adapter-image')).toBe(ipImage);
    expect(val(a, '--ip-adapter-strength')).toBe('0.6');
    expect(val(a, '--img-cfg-scale')).toBe('1.5');
    // The deprecated spelling is never used (sd-cli warns: use ref_index_mode=increase).
    expect(a).not.toContain('--increase-ref-index');
  });

  it('sd-server: weights + --ref-image-args at start-up (part of the stack key), images in the body', async () => {
    const argv = serverArgv(stackOf(p, 2), 40000, true);
    expect(argv).toEqual(
      expect.arrayContaining([
        '--control-net',
        '/m/controlnet/openpose.safetensors',
        '--ip-adapter',
        '/m/ipadapter/ip-adapter_sd15.safetensors',
        '--clip_vision',
        '/m/clip_vision/vit-h.safetensors',
        '--ref-image-args',
        'ref_index_mode=increase',
      ]),
    );
    for (const f of ['--control-image', '-r', '--ip-adapter-image', '--control-strength'])
      expect(argv).not.toContain(f);
    const plain = genPayloadSchema.parse(base);
    expect(stackKey(stackOf(p, 2))).not.toBe(stackKey(stackOf(plain, 2)));
    expect(stackKey(stackOf({ ...p, refImageArgs: '' }, 2))).not.toBe(stackKey(stackOf(p, 2)));
    const body = await buildImgGenBody(p);
    expect(body).toMatchObject({
      control_image: b64('POSE'),
      control_strength: 0.8,
      ref_images: [b64('REF1'), b64('REF2')],
      ip_adapter_image: b64('FACE'),
      ip_adapter_strength: 0.6,
      sample_params: { guidance: { txt_cfg: 5, img_cfg: 1.5 } },
    });
    expect(bodyForRecord(p, body)).toMatchObject({
      control_image: `<${control}>`,
      ref_images: [`<${ref1}>`, `<${ref2}>`],
      ip_adapter_image: `<${ipImage}>`,
    });
  });

  it('nothing set → none of the guide flags or fields', async () => {
    const q = genPayloadSchema.parse(base);
    const a = buildGenArgv(q, opts);
    for (const f of ['--control-net', '--control-image', '-r', '--ip-adapter', '--img-cfg-scale'])
      expect(a).not.toContain(f);
    const body = await buildImgGenBody(q);
    for (const k of [
      'control_image',
      'ref_images',
      'ip_adapter_image',
      'hires',
      'control_strength',
    ])
      expect(body).not.toHaveProperty(k);
  });
});
