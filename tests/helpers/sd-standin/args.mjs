/**
 * sd.cpp's argument parser as documented in shared/docs/sdcpp.md §1.1/§1.4: long options take their
 * value as the next argv element; unknown options, bad enum values and missing required args exit 1;
 * a non-numeric int/float makes `std::stoi`/`std::stof` throw, which aborts the process (exit 134).
 */
import { error, out, err } from './format.mjs';

export const SAMPLERS = [
  'euler',
  'euler_a',
  'heun',
  'dpm2',
  'dpm++2s_a',
  'dpm++2m',
  'dpm++2mv2',
  'ipndm',
  'ipndm_v',
  'lcm',
  'ddim_trailing',
  'tcd',
  'res_multistep',
  'res_2s',
  'er_sde',
  'euler_cfg_pp',
  'euler_a_cfg_pp',
  'euler_ge',
  'dpm++2m_sde',
  'dpm++2m_sde_bt',
  'lms',
];
export const SCHEDULERS = [
  'discrete',
  'normal',
  'karras',
  'exponential',
  'ays',
  'gits',
  'sgm_uniform',
  'simple',
  'smoothstep',
  'kl_optimal',
  'lcm',
  'bong_tangent',
  'ltx2',
  'logit_normal',
  'flux2',
  'flux',
  'beta',
];
const MODES = ['img_gen', 'upscale', 'convert', 'metadata', 'vid_gen', 'adetailer'];
const PREVIEWS = ['none', 'proj', 'tae', 'vae'];

// [aliases, key, type]; type: s = string, i = int (stoi), f = float (stof), b = boolean switch,
// list = a string option that may repeat.
const OPTIONS = [
  [['-m', '--model'], 'model', 's'],
  [['--diffusion-model'], 'diffusionModel', 's'],
  [['--vae'], 'vae', 's'],
  [['--taesd', '--tae'], 'taesd', 's'],
  [['--clip_l'], 'clipL', 's'],
  [['--clip_g'], 'clipG', 's'],
  [['--t5xxl'], 't5xxl', 's'],
  [['--llm'], 'llm', 's'],
  [['--clip_vision'], 'clipVision', 's'],
  [['--lora-model-dir'], 'loraDir', 's'],
  [['--embd-dir'], 'embdDir', 's'],
  [['--upscale-model'], 'upscaleModel', 's'],
  [['--hires-upscalers-dir'], 'hiresDir', 's'],
  [['--type'], 'type', 's'],
  [['--control-net'], 'controlNet', 's'],
  [['-p', '--prompt'], 'prompt', 's'],
  [['--prompt-file'], 'promptFile', 's'],
  [['-n', '--negative-prompt'], 'negative', 's'],
  [['--negative-prompt-file'], 'negativeFile', 's'],
  [['-W', '--width'], 'width', 'i'],
  [['-H', '--height'], 'height', 'i'],
  [['--steps'], 'steps', 'i'],
  [['--cfg-scale'], 'cfgScale', 'f'],
  [['--guidance'], 'guidance', 'f'],
  [['--flow-shift'], 'flowShift', 'f'],
  [['-s', '--seed'], 'seed', 'i'],
  [['--sampling-method'], 'sampler', 'e'],
  [['--scheduler'], 'scheduler', 'e'],
  [['-b', '--batch-count'], 'batch', 'i'],
  [['--clip-skip'], 'clipSkip', 'i'],
  [['-i', '--init-img'], 'initImg', 's'],
  [['--strength'], 'strength', 'f'],
  [['--mask'], 'mask', 's'],
  [['--eta'], 'eta', 'f'],
  [['--sigmas'], 'sigmas', 's'],
  [['--rng'], 'rng', 's'],
  [['--upscale-repeats'], 'upscaleRepeats', 'i'],
  [['--upscale-tile-size'], 'upscaleTile', 'i'],
  [['--hires'], 'hires', 'b'],
  [['--hires-upscaler'], 'hiresUpscaler', 's'],
  [['--hires-scale'], 'hiresScale', 'f'],
  [['--hires-steps'], 'hiresSteps', 'i'],
  [['--hires-denoising-strength'], 'hiresStrength', 'f'],
  [['--hires-width'], 'hiresWidth', 'i'],
  [['--hires-height'], 'hiresHeight', 'i'],
  [['--control-image'], 'controlImage', 's'],
  [['--control-strength'], 'controlStrength', 'f'],
  // -r may be given several times (sd-cli --help: "can be used multiple times"): a list.
  [['-r', '--ref-image'], 'refImages', 'list'],
  [['--ref-image-args'], 'refImageArgs', 's'],
  [['--increase-ref-index'], 'increaseRefIndex', 'b'],
  [['--disable-auto-resize-ref-image'], 'noRefResize', 'b'],
  [['--ip-adapter'], 'ipAdapter', 's'],
  [['--ip-adapter-image'], 'ipAdapterImage', 's'],
  [['--ip-adapter-strength'], 'ipAdapterStrength', 'f'],
  [['--img-cfg-scale'], 'imgCfgScale', 'f'],
  [['--disable-image-metadata'], 'noMetadata', 'b'],
  [['-t', '--threads'], 'threads', 'i'],
  [['--vae-tiling'], 'vaeTiling', 'b'],
  [['--vae-tile-size'], 'vaeTileSize', 's'],
  [['--vae-tile-overlap'], 'vaeTileOverlap', 'f'],
  [['--vae-relative-tile-size'], 'vaeRelTile', 's'],
  [['--vae-on-cpu'], 'vaeOnCpu', 'b'],
  [['--clip-on-cpu'], 'clipOnCpu', 'b'],
  [['--control-net-cpu'], 'cnCpu', 'b'],
  [['--offload-to-cpu'], 'offload', 'b'],
  [['--backend'], 'backend', 's', 'new'],
  [['--params-backend'], 'paramsBackend', 's', 'new'],
  [['--max-vram'], 'maxVram', 's', 'new'],
  [['--stream-layers'], 'streamLayers', 'b', 'new'],
  [['--auto-fit'], 'autoFit', 'b', 'new'],
  [['--fa'], 'fa', 'b'],
  [['--diffusion-fa'], 'diffusionFa', 'b'],
  [['--diffusion-conv-direct'], 'dConv', 'b'],
  [['--vae-conv-direct'], 'vConv', 'b'],
  [['--mmap'], 'mmap', 'b'],
  [['--eager-load'], 'eager', 'b'],
  [['--list-devices'], 'listDevices', 'b'],
  [['-o', '--output'], 'output', 's'],
  [['--output-begin-idx'], 'beginIdx', 'i'],
  [['--preview'], 'preview', 'e'],
  [['--preview-path'], 'previewPath', 's'],
  [['--preview-interval'], 'previewInterval', 'i'],
  [['--preview-noisy'], 'previewNoisy', 'b'],
  [['--taesd-preview-only'], 'taesdPreviewOnly', 'b'],
  [['-M', '--mode'], 'mode', 'e'],
  [['--image'], 'image', 's'],
  [['--metadata-format'], 'metadataFormat', 's'],
  [['-v', '--verbose'], 'verbose', 'b'],
  [['--color'], 'color', 'b'],
  [['-h', '--help'], 'help', 'b'],
  [['--version'], 'version', 'b'],
];

const ENUMS = {
  sampler: [SAMPLERS, 'sample method'],
  scheduler: [SCHEDULERS, 'scheduler'],
  preview: [PREVIEWS, 'preview method'],
  mode: [MODES, 'mode'],
};

export function usage(prog) {
  const lines = [`usage: ${prog} [options]`, '', 'CLI Options:'];
  for (const [names, , type, since] of OPTIONS) {
    if (since === 'new' && process.env.SDCPP_STANDIN_LEGACY === '1') continue;
    lines.push(`  ${names.join(', ')}${type === 'b' ? '' : ' <value>'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** libstdc++'s message for an uncaught exception, then abort() → SIGABRT (exit 134 in a shell). */
export function abortWith(kind, what) {
  err(`terminate called after throwing an instance of '${kind}'\n  what():  ${what}\n`);
  process.kill(process.pid, 'SIGABRT');
  // SIGABRT is delivered asynchronously; never continue the program meanwhile.
  return new Promise(() => {});
}

/**
 * Parses argv. Returns `{opts}` or `{exit: code}` after printing what sd.cpp prints.
 * Numbers follow std::stoi/stof: a leading numeric prefix is accepted ("12px" → 12), none → abort.
 */
export async function parseArgs(argv, prog) {
  const legacy = process.env.SDCPP_STANDIN_LEGACY === '1';
  const opts = {};
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    const spec = OPTIONS.find(
      ([names, , , since]) => names.includes(a) && !(legacy && since === 'new'),
    );
    if (!spec) {
      error('common.cpp', 325, `error: unknown argument: ${a}`);
      out(usage(prog));
      return { exit: 1 };
    }
    const [, key, type] = spec;
    if (type === 'b') {
      opts[key] = true;
      continue;
    }
    if (k + 1 >= argv.length) {
      error('common.cpp', 318, `error: missing argument for: ${a}`);
      out(usage(prog));
      return { exit: 1 };
    }
    const v = argv[++k];
    if (type === 'i') {
      const m = /^\s*[+-]?\d+/.exec(v);
      if (!m) await abortWith('std::invalid_argument', key === 'seed' ? 'stoll' : 'stoi');
      // sd.cpp parses -s with std::stoll: seeds are exact 64-bit integers (BigInt here).
      opts[key] = key === 'seed' ? BigInt(m[0].trim()) : parseInt(m[0], 10);
    } else if (type === 'f') {
      const m = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(v);
      if (!m) await abortWith('std::invalid_argument', 'stof');
      opts[key] = parseFloat(m[0]);
    } else if (type === 'e') {
      const [values, what] = ENUMS[key];
      if (!values.includes(v)) {
        error('common.cpp', 1512, `error: invalid ${what} ${v}`);
        error('common.cpp', 331, `invalid parameter for argument: ${a}`);
        out(usage(prog));
        return { exit: 1 };
      }
      opts[key] = v;
    } else if (type === 'list') {
      (opts[key] ??= []).push(v);
    } else {
      opts[key] = v;
    }
  }
  return { opts };
}
