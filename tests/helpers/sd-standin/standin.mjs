/**
 * The sd-cli stand-in's program: img_gen (txt2img / img2img) and upscale modes, following the log
 * sequence, progress bars, exit codes and output naming of shared/docs/sdcpp.md §1. Faults that a
 * real build shows only with real models (OOM abort, OOM killer, missing tensors, a failing
 * upscaler) are triggered by a `sdcpp-standin: <fault>` marker in the model file or by
 * SDCPP_STANDIN_FAULT (README.md). Test-only: the product never ships or selects this.
 */
import {
  existsSync,
  mkdirSync,
  openSync,
  readSync,
  closeSync,
  statSync,
  readFileSync,
} from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { parseArgs, usage } from './args.mjs';
import { bar, err, error, info, loadSpeed, out, sleep, stepSpeed, warn } from './format.mjs';
import {
  blend,
  encode,
  imageSize,
  loadRgb,
  pattern,
  resizeRgb,
  withTextChunk,
  writeFile,
} from './image.mjs';

const VERSION =
  process.env.SDCPP_STANDIN_VERSION ??
  'stable-diffusion.cpp version master-827-97d2990, commit 97d29908';
const STEP_MS = Number(process.env.SDCPP_STANDIN_STEP_MS ?? 20);
const SAMPLER_NAMES = {
  euler: 'Euler',
  euler_a: 'Euler A',
  heun: 'Heun',
  dpm2: 'DPM2',
  'dpm++2m': 'DPM++ (2M)',
  lcm: 'LCM',
  ddim_trailing: 'DDIM "trailing"',
  tcd: 'TCD',
  ipndm: 'IPNDM',
  lms: 'LMS',
};

const now = () => performance.now() / 1000;
const secs = (t0) => `${(now() - t0).toFixed(2)}s`;

/** Reads the first 64 KiB of a file; null when it does not exist. */
export function head(path) {
  if (!path || !existsSync(path) || statSync(path).isDirectory()) return null;
  const fd = openSync(path, 'r');
  const b = Buffer.alloc(Math.min(65536, statSync(path).size));
  readSync(fd, b, 0, b.length, 0);
  closeSync(fd);
  return b;
}

/** Container format from magic bytes (GGUF, safetensors header, zip/pickle checkpoint) or null. */
export function formatOf(b) {
  if (!b || b.length < 8) return null;
  if (b.subarray(0, 4).toString('latin1') === 'GGUF') return 'gguf';
  if (b.subarray(0, 2).toString('latin1') === 'PK') return 'checkpoint';
  const n = Number(b.readBigUInt64LE(0));
  if (n > 1 && n < 100_000_000 && b[8] === 0x7b) return 'safetensors';
  return null;
}

/** Faults requested by the model file marker and by SDCPP_STANDIN_FAULT. */
export function faultsOf(b) {
  const set = new Set(
    (process.env.SDCPP_STANDIN_FAULT ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const m = b ? /sdcpp-standin:([^\n\0]*)/.exec(b.toString('latin1')) : null;
  if (m) for (const w of m[1].split(/[\s,]+/)) if (w) set.add(w);
  return set;
}

/** `key=value` option from a model marker (e.g. `scale=2`, `family=SDXL`). */
function markerValue(faults, key) {
  for (const f of faults) if (f.startsWith(`${key}=`)) return f.slice(key.length + 1);
  return undefined;
}

export async function loadingBar(tensors, mb) {
  const t0 = now();
  const ticks = 4;
  for (let k = 1; k <= ticks; k++) {
    await sleep(Math.max(1, STEP_MS / 2));
    const step = Math.round((tensors * k) / ticks);
    out(bar(step, tensors, '#', '', loadSpeed((mb * k) / ticks / Math.max(1e-3, now() - t0))));
  }
}

/** Model not loadable: the three lines sd.cpp prints (sdcpp.md §1.4). */
export function modelLoadFailed(path) {
  error('model.cpp', 1185, `init model loader from file failed: '${path}'`);
  error('stable-diffusion.cpp', 273, `get sd version from file failed: '${path}'`);
  out('new_sd_ctx_t failed\n');
  return 1;
}

export async function die(signal) {
  process.kill(process.pid, signal);
  return new Promise(() => {});
}

/** ggml's allocation failure: message, assert, abort (exit 134). */
export async function oomAbort(mb) {
  err(`ggml_aligned_malloc: insufficient memory (attempted to allocate ${mb.toFixed(2)} MB)\n`);
  err(
    'ggml/src/ggml-backend.cpp:1662: GGML_ASSERT(buf != NULL && "failed to allocate buffer") failed\n',
  );
  return die('SIGABRT');
}

/** Output paths for `count` images (sdcpp.md §1.2): base.png, or base_0.png… / printf patterns for batches. */
function outputPaths(output, count, beginIdx) {
  let p = output ?? './output.png';
  let ext = extname(p).toLowerCase();
  if (!['.png', '.jpg', '.jpeg', '.webp'].includes(ext)) {
    p += '.png';
    ext = '.png';
  }
  if (count === 1) return [p];
  const pat = /(?:[^%]|^)(?:%%)*(%(\d{0,3})d)/.exec(p);
  return Array.from({ length: count }, (_, k) => {
    const idx = beginIdx + k;
    if (pat) {
      const width = pat[2] ? parseInt(pat[2], 10) : 0;
      const num = pat[2]?.startsWith('0')
        ? String(idx).padStart(width, '0')
        : String(idx).padStart(width, ' ');
      return p.replace(pat[1], num);
    }
    return `${p.slice(0, p.length - ext.length)}_${idx}${ext}`;
  });
}

/** Writes the images; returns the exit code. */
async function saveAll(images, o, metaText) {
  const paths = outputPaths(o.output, images.length, o.beginIdx ?? 0);
  let saved = 0;
  for (let k = 0; k < images.length; k++) {
    const p = paths[k];
    const dir = dirname(p);
    try {
      mkdirSync(dir, { recursive: true });
    } catch {
      error('main.cpp', 713, `failed to create directory '${dir}'`);
      return 1;
    }
    const ext = extname(p).toLowerCase();
    const { raw, w, h } = images[k];
    let ok = ext !== '.webp';
    if (ok) {
      try {
        let bytes = await encode(raw, w, h, ext === '.png' ? 'png' : 'jpeg');
        if (ext === '.png' && !o.noMetadata)
          bytes = withTextChunk(bytes, 'parameters', metaText(k));
        writeFile(p, bytes);
      } catch {
        ok = false;
      }
    }
    info('main.cpp', 734, `save result image ${k} to '${p}' (${ok ? 'success' : 'failure'})`);
    if (ok) saved++;
  }
  info('main.cpp', 740, `${saved}/${images.length} images saved`);
  return saved === images.length ? 0 : 1;
}

/** ESRGAN stand-in: loads the upscaler, scales by its factor `repeats` times. null = not upscaled. */
async function esrgan(path, img, o) {
  const hb = head(path);
  const faults = faultsOf(hb);
  info('upscaler.cpp', 29, `loading model from '${path}'`);
  if (!formatOf(hb)) {
    error('model.cpp', 1185, `init model loader from file failed: '${path}'`);
    return { failed: 'new_upscaler_ctx failed' };
  }
  const factor = Number(markerValue(faults, 'scale') ?? 4);
  await loadingBar(100, statSync(path).size / 1048576);
  let { raw, w, h } = img;
  const tile = o.upscaleTile ?? 128;
  for (let r = 0; r < (o.upscaleRepeats ?? 1); r++) {
    const t0 = now();
    info('upscaler.cpp', 87, `upscaling from (${w} x ${h}) to (${w * factor} x ${h * factor})`);
    if (faults.has('upscale-fail')) return { failed: 'upscale failed' };
    const per = (n) => (n <= tile ? 1 : Math.ceil((n - tile / 8) / (tile - tile / 8)));
    const tiles = per(w) * per(h);
    let last = now();
    for (let k = 1; k <= tiles; k++) {
      await sleep(STEP_MS);
      const t = now();
      out(bar(k, tiles, '=', '>', stepSpeed(t - last)));
      last = t;
    }
    const tmp = await encode(raw, w, h, 'png');
    raw = await resizeRgb(tmp, w * factor, h * factor);
    w *= factor;
    h *= factor;
    info('upscaler.cpp', 123, `input_image_tensor upscaled, taking ${secs(t0)}`);
  }
  return { img: { raw, w, h } };
}

async function runUpscale(o) {
  const input = o.initImg ?? o.image;
  if (!input) {
    error('main.cpp', 420, 'error: the following arguments are required: init image');
    return 1;
  }
  let img;
  try {
    const { width, height } = await imageSize(input);
    img = { raw: await loadRgb(input, width, height), w: width, h: height };
  } catch {
    error('main.cpp', 512, `load image from '${input}' failed`);
    return 1;
  }
  if (o.upscaleModel) {
    const r = await esrgan(o.upscaleModel, img, o);
    if (r.failed) error('main.cpp', 660, r.failed);
    else img = r.img;
  }
  return saveAll(
    [img],
    o,
    () =>
      'Steps: 20, CFG scale: 7.000000, Guidance: 3.500000, Eta: inf, Seed: 42, Size: 512x512, Model: , RNG: cuda, Sampler: NONE, Version: stable-diffusion.cpp',
  );
}

/** `<lora:NAME:WEIGHT>` tags → cleaned prompt + resolved LoRAs (sdcpp.md §1.5). */
function extractLoras(prompt, dir) {
  const found = [];
  const clean = prompt.replace(/<lora:([^:>]+):([^>]+)>/g, (_, name, weight) => {
    const base = isAbsolute(name) ? name : join(dir ?? '.', name);
    const hit = ['', '.gguf', '.safetensors', '.pt', '.ckpt']
      .map((e) => base + e)
      .find((p) => existsSync(p) && statSync(p).isFile());
    if (hit) found.push(`${basename(hit)}:${weight}`);
    else warn('common.cpp', 2179, `can not found lora ${name}`);
    return '';
  });
  return { clean, found };
}

async function runImgGen(o) {
  const modelPath = o.model ?? o.diffusionModel;
  if (!modelPath) {
    error(
      'common.cpp',
      1419,
      'error: the following arguments are required: model_path/diffusion_model',
    );
    return 1;
  }
  let init = null;
  if (o.initImg) {
    try {
      init = { path: o.initImg, ...(await imageSize(o.initImg)) };
    } catch {
      error('main.cpp', 512, `load image from '${o.initImg}' failed`);
      return 1;
    }
  }
  // Every other image the job reads (sdcpp.md §1.4: an unreadable -i/--mask → exit 1), loaded up front.
  const guides = [];
  for (const g of [o.mask, o.controlImage, ...(o.refImages ?? []), o.ipAdapterImage]) {
    if (!g) continue;
    try {
      await imageSize(g);
      guides.push(readFileSync(g).length);
    } catch {
      error('media_io.cpp', 538, `load image from '${g}' failed`);
      error('main.cpp', 829, `load image from '${g}' failed`);
      return 1;
    }
  }
  if (o.increaseRefIndex)
    warn(
      'common.cpp',
      2556,
      'Notice: --increase-ref-index is deprecated. Use --ref-image-args "ref_index_mode=increase" instead.',
    );
  const prompt = o.prompt ?? (o.promptFile ? readFileSync(o.promptFile, 'utf8') : '');
  const negative = o.negative ?? (o.negativeFile ? readFileSync(o.negativeFile, 'utf8') : '');
  const tStart = now();
  info('stable-diffusion.cpp', 186, `loading model from '${modelPath}'`);
  const mh = head(modelPath);
  const fmt = formatOf(mh);
  if (!fmt) return modelLoadFailed(modelPath);
  info('model.cpp', 1190, `load ${modelPath} using ${fmt} format`);
  for (const extra of [o.vae, o.taesd]) {
    if (extra && !formatOf(head(extra))) return modelLoadFailed(extra);
  }
  // Observed with the real build: a missing/invalid --control-net fails the context (exit 1).
  if (o.controlNet && !formatOf(head(o.controlNet))) {
    if (!existsSync(o.controlNet)) warn('model_loader.cpp', 254, `file ${o.controlNet} not found`);
    error(
      'stable-diffusion.cpp',
      835,
      `init control net model loader from file failed: '${o.controlNet}'`,
    );
    out('new_sd_ctx_t failed\n');
    return 1;
  }
  for (const extra of [o.ipAdapter, o.clipVision]) {
    if (extra && !formatOf(head(extra))) return modelLoadFailed(extra);
  }
  const faults = faultsOf(mh);
  if (faults.has('missing-tensor') || faults.has('wrong-shape')) {
    const t = 'model.diffusion_model.out.2.weight';
    error(
      'model.cpp',
      2031,
      faults.has('missing-tensor')
        ? `tensor '${t}' not in model metadata`
        : `tensor '${t}' has wrong shape in model file: got [3, 3, 320, 4, 1], expected [3, 3, 320, 8, 1]`,
    );
    error('stable-diffusion.cpp', 712, 'load tensors from model loader failed');
    out('new_sd_ctx_t failed\n');
    return 1;
  }
  info('stable-diffusion.cpp', 320, `Version: ${markerValue(faults, 'family') ?? 'SD 1.x'} `);
  const mb = statSync(modelPath).size / 1048576;
  info(
    'stable-diffusion.cpp',
    753,
    `total params memory size = ${mb.toFixed(2)}MB (VRAM 0.00MB, RAM ${mb.toFixed(2)}MB): text_encoders ${(mb * 0.6).toFixed(2)}MB(RAM), diffusion_model ${(mb * 0.3).toFixed(2)}MB(RAM), vae ${(mb * 0.1).toFixed(2)}MB(RAM), controlnet 0.00MB(VRAM), pmid 0.00MB(RAM)`,
  );

  const reqW = o.width ?? init?.width ?? 512;
  const reqH = o.height ?? init?.height ?? 512;
  const W = Math.ceil(reqW / 64) * 64;
  const H = Math.ceil(reqH / 64) * 64;
  if (W !== reqW || H !== reqH)
    warn(
      'stable-diffusion.cpp',
      3950,
      `align generation request up ${reqW}x${reqH} to ${W}x${H} (multiple=64)`,
    );
  const steps = o.steps ?? 20;
  const sampler = o.sampler ?? 'euler_a';
  const scheduler = o.scheduler ?? 'discrete';
  const batch = o.batch ?? 1;
  let seed = BigInt(o.seed ?? 42);
  if (seed < 0n) seed = BigInt(Math.floor(Math.random() * 2 ** 31));
  info('stable-diffusion.cpp', 3986, `generate_image ${W}x${H}`);
  info('stable-diffusion.cpp', 3051, `sampling using ${SAMPLER_NAMES[sampler] ?? sampler} method`);
  const { clean, found } = extractLoras(prompt, o.loraDir);

  const tCond = now();
  await loadingBar(196, mb * 0.6);
  info('stable-diffusion.cpp', 2702, `get_learned_condition completed, taking ${secs(tCond)}`);
  let vaeLoaded = false;
  let initRaw = null;
  const strength = o.strength ?? 0.75;
  let ticks = steps;
  if (init) {
    if (init.width !== W || init.height !== H)
      info('main.cpp', 598, `resize input image from ${init.width}x${init.height} to ${W}x${H}`);
    initRaw = await loadRgb(init.path, W, H);
    const tEnc = now();
    await loadingBar(138, mb * 0.1);
    vaeLoaded = true;
    info('stable-diffusion.cpp', 2890, `encode_first_stage completed, taking ${secs(tEnc)}`);
    const tenc = Math.floor(steps * strength);
    info('stable-diffusion.cpp', 3590, `target t_enc is ${tenc} steps`);
    ticks = tenc + 1;
  }
  const previewEvery = o.previewInterval ?? 1;
  const previewPath = o.previewPath ?? './preview.png';
  const images = [];
  for (let b = 0; b < batch; b++) {
    info(
      'stable-diffusion.cpp',
      5679,
      `generating image: ${b + 1}/${batch} - seed ${seed + BigInt(b)}`,
    );
    if (b === 0) await loadingBar(386, mb * 0.3);
    if (faults.has('oom')) await oomAbort(145.08);
    const key = JSON.stringify([
      String(seed + BigInt(b)),
      clean,
      negative,
      steps,
      o.cfgScale ?? 7,
      sampler,
      scheduler,
      o.clipSkip ?? -1,
      found,
      basename(modelPath),
      o.vae ? basename(o.vae) : '',
      W,
      H,
      init ? strength : null,
      // The guides change the image (so a test sees they reached the engine), none = as before.
      ...(o.controlNet && o.controlImage ? [guides, o.controlStrength ?? 0.9] : []),
      ...(o.refImages?.length || o.ipAdapterImage ? [guides, o.refImageArgs ?? ''] : []),
    ]);
    let raw = pattern(key, W, H);
    if (initRaw) raw = blend(initRaw, raw, strength);
    const tSample = now();
    let last = now();
    for (let k = 1; k <= ticks; k++) {
      await sleep(STEP_MS);
      if (faults.has('oom-kill') && k === Math.ceil(ticks / 2)) await die('SIGKILL');
      const t = now();
      out(bar(k, ticks, '=', '>', stepSpeed(t - last)));
      last = t;
      if (o.preview && o.preview !== 'none' && k % previewEvery === 0) {
        const div = o.preview === 'proj' ? 8 : 1;
        const pw = W / div;
        const ph = H / div;
        const partial = await resizeRgb(
          await encode(
            blend(initRaw ?? Buffer.alloc(raw.length, 128), raw, k / ticks),
            W,
            H,
            'png',
          ),
          pw,
          ph,
        );
        mkdirSync(dirname(resolve(previewPath)), { recursive: true });
        writeFile(previewPath, await encode(partial, pw, ph, 'png'));
      }
    }
    info('stable-diffusion.cpp', 3721, `sampling completed, taking ${secs(tSample)}`);
    if (o.hires) {
      // Hires fix (observed log lines of the real build): target = --hires-width/height, else × scale.
      const HW =
        o.hiresWidth > 0 && o.hiresHeight > 0 ? o.hiresWidth : Math.round(W * (o.hiresScale ?? 2));
      const HH =
        o.hiresWidth > 0 && o.hiresHeight > 0 ? o.hiresHeight : Math.round(H * (o.hiresScale ?? 2));
      const th = now();
      info('stable-diffusion.cpp', 5736, `hires fix: upscaling to ${HW}x${HH}`);
      const hs = o.hiresSteps > 0 ? o.hiresSteps : steps;
      const ds = o.hiresStrength ?? 0.7;
      info(
        'stable-diffusion.cpp',
        5768,
        `hires fix: scheduler_steps=${Math.ceil(hs / ds)}, denoising_strength=${ds.toFixed(2)}, sigma_sched_size=${Math.ceil(hs / ds)}`,
      );
      const up = await resizeRgb(await encode(raw, W, H, 'png'), HW, HH);
      let lastH = now();
      for (let k = 1; k <= hs; k++) {
        await sleep(STEP_MS);
        const t = now();
        out(bar(k, hs, '=', '>', stepSpeed(t - lastH)));
        lastH = t;
      }
      info('stable-diffusion.cpp', 5847, `hires fix completed, taking ${secs(th)}`);
      images.push({ raw: blend(up, pattern(`${key}hires`, HW, HH), ds), w: HW, h: HH });
      continue;
    }
    images.push({ raw, w: W, h: H });
  }
  info('stable-diffusion.cpp', 3760, `decoding ${batch} latents`);
  for (let b = 0; b < batch; b++) {
    const tDec = now();
    if (!vaeLoaded) {
      await loadingBar(138, mb * 0.1);
      vaeLoaded = true;
    }
    if (o.vaeTiling) {
      const tiles = Math.max(1, Math.ceil(W / 256)) * Math.max(1, Math.ceil(H / 256));
      let last = now();
      for (let k = 1; k <= tiles; k++) {
        await sleep(STEP_MS / 2);
        const t = now();
        out(bar(k, tiles, '=', '>', stepSpeed(t - last)));
        last = t;
      }
    }
    info('stable-diffusion.cpp', 2960, `decode_first_stage completed, taking ${secs(tDec)}`);
  }
  info('stable-diffusion.cpp', 3812, `generate_image completed in ${secs(tStart)}`);
  if (o.upscaleModel) {
    for (let b = 0; b < images.length; b++) {
      const r = await esrgan(o.upscaleModel, images[b], o);
      if (r.failed) error('main.cpp', 660, r.failed);
      else images[b] = r.img;
    }
  }
  const meta = (k) => {
    const lines = [prompt];
    if (negative) lines.push(`Negative prompt: ${negative}`);
    lines.push(
      `Steps: ${steps}, CFG scale: ${(o.cfgScale ?? 7).toFixed(6)}, Guidance: 3.500000, Eta: inf, Seed: ${seed + BigInt(k)}, Size: ${reqW}x${reqH}, Model: ${basename(modelPath)}, RNG: cuda, Sampler: ${sampler} ${scheduler}${o.clipSkip && o.clipSkip !== -1 ? `, Clip skip: ${o.clipSkip}` : ''}, Version: stable-diffusion.cpp`,
    );
    return lines.join('\n');
  };
  return saveAll(images, o, meta);
}

export async function main(argv) {
  const prog = basename(process.argv[1] ?? 'sd-cli');
  const parsed = await parseArgs(argv, prog);
  if (parsed.exit !== undefined) process.exit(parsed.exit);
  const o = parsed.opts;
  if (o.version) {
    out(`${VERSION}\n`);
    process.exit(0);
  }
  if (o.help) {
    out(usage(prog));
    process.exit(0);
  }
  if (o.listDevices) {
    out('CPU\tsd-cli stand-in CPU\n');
    process.exit(0);
  }
  const mode = o.mode ?? 'img_gen';
  let code;
  if (mode === 'img_gen') code = await runImgGen(o);
  else if (mode === 'upscale') code = await runUpscale(o);
  else {
    error('main.cpp', 101, `mode ${mode} is not implemented by the sd-cli stand-in`);
    code = 1;
  }
  process.exit(code);
}
