/**
 * Builds sd.cpp CLI argument arrays (never a shell string) from job payloads, following the flag
 * tables of shared/docs/sdcpp.md §1.1. Pure functions: everything they depend on is passed in.
 */
import { availableParallelism } from 'node:os';
import { basename, dirname, extname } from 'node:path';
import type { GenPayload, Mitigations, UpscalePayload } from './payload';
import { stackModelFlags, type StackFiles } from './model-flags';
import { stripLoraTags } from './lora-tags';

export { stackModelFlags, type StackFiles } from './model-flags';

/** Rounds a size up to the next multiple of 64 px, as sd.cpp does for SD1/SDXL UNets (sdcpp.md §1.1). */
export function align64(px: number): number {
  return Math.ceil(px / 64) * 64;
}

/** `-t` value: MYSTI_SD_THREADS when it is a positive integer, else the number of logical CPUs. */
export function sdThreads(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.MYSTI_SD_THREADS);
  return Number.isInteger(n) && n > 0 ? n : availableParallelism();
}

/** Options common to every argv. */
export interface ArgvOptions {
  /** Temporary output path (`-o`); the worker renames the file(s) after exit 0. */
  outPath: string;
  threads: number;
  /** Whether the build knows `--backend` / `--max-vram` (see engine.ts). */
  backendFlag: boolean;
  /** Where `--preview` writes; omitted = no live preview. */
  previewPath?: string;
}

/** Number formatting for float flags: plain decimal, no exponent (sd.cpp parses with std::stof). */
function num(x: number): string {
  return Number.isInteger(x) ? String(x) : String(Number(x.toFixed(6)));
}

/**
 * The prompt with one `<lora:name:weight>` tag per LoRA appended (sdcpp.md §1.5). Tags already in
 * `prompt` are stripped first: only the runtime-resolved `loras` may name files (issue 18 #2).
 */
export function promptWithLoras(
  prompt: string,
  loras: ReadonlyArray<{ name: string; weight: number }>,
): string {
  const tags = loras.map((l) => `<lora:${l.name}:${num(l.weight)}>`);
  return [stripLoraTags(prompt), ...tags].filter((s) => s.length > 0).join(' ');
}

/**
 * Mitigation flags (design.md §6). CPU placement uses `--backend te=cpu,vae=cpu` on builds that have
 * it and the deprecated `--clip-on-cpu` / `--vae-on-cpu` otherwise; `--max-vram` (GiB) exists only on
 * builds with `--backend` and is dropped on older ones.
 */
export function mitigationArgs(m: Mitigations | undefined, backendFlag: boolean): string[] {
  if (!m) return [];
  const a: string[] = [];
  if (m.vaeTiling) a.push('--vae-tiling');
  const cpu = [m.clipOnCpu ? 'te=cpu' : '', m.vaeOnCpu ? 'vae=cpu' : ''].filter(Boolean);
  if (cpu.length && backendFlag) a.push('--backend', cpu.join(','));
  if (!backendFlag) {
    if (m.clipOnCpu) a.push('--clip-on-cpu');
    if (m.vaeOnCpu) a.push('--vae-on-cpu');
  }
  if (m.offloadToCpu) a.push('--offload-to-cpu');
  if (m.maxVramMb && backendFlag)
    a.push('--max-vram', num(Math.round((m.maxVramMb / 1024) * 100) / 100));
  return a;
}

/**
 * argv for txt2img, or img2img when `initImagePath` is set (`-i` + `--strength`).
 * Sizes are rounded up to multiples of 64 here so the request sd.cpp sees is the size we report.
 */
export function buildGenArgv(p: GenPayload, o: ArgvOptions): string[] {
  const a: string[] = stackModelFlags(guideStack(p));
  if (p.loras.length && p.loraDir) a.push('--lora-model-dir', p.loraDir);
  a.push('-p', promptWithLoras(p.prompt, p.loras));
  const negative = stripLoraTags(p.negativePrompt);
  if (negative) a.push('-n', negative);
  a.push('-W', String(align64(p.width)), '-H', String(align64(p.height)));
  a.push('--steps', String(p.steps), '--cfg-scale', num(p.cfgScale), '-s', String(p.seed));
  if (p.sampler !== 'default') a.push('--sampling-method', p.sampler);
  if (p.scheduler !== 'default') a.push('--scheduler', p.scheduler);
  if (p.guidance !== undefined) a.push('--guidance', num(p.guidance));
  if (p.flowShift !== undefined) a.push('--flow-shift', num(p.flowShift));
  if (p.batchCount > 1) a.push('-b', String(p.batchCount));
  if (p.clipSkip !== -1) a.push('--clip-skip', String(p.clipSkip));
  if (p.initImagePath) a.push('-i', p.initImagePath, '--strength', num(p.strength ?? 0.75));
  a.push(...guideArgs(p));
  a.push(...mitigationArgs(p.mitigations, o.backendFlag));
  a.push('-t', String(o.threads), '--disable-image-metadata');
  const preview = p.preview === 'tae' && !p.taesdPath ? 'proj' : p.preview;
  if (o.previewPath && preview !== 'none')
    a.push('--preview', preview, '--preview-path', o.previewPath);
  a.push('-o', o.outPath);
  return a;
}

/**
 * The payload's stack files plus the guide models that sd.cpp takes as Context options (ControlNet,
 * IP-Adapter + CLIP vision, the hires upscaler's folder): for the CLI argv and sd-server's start-up.
 */
export function guideStack(p: GenPayload): GenPayload & StackFiles {
  return {
    ...p,
    ...(p.hires?.upscalerPath ? { hiresUpscalersDir: dirname(p.hires.upscalerPath) } : {}),
  };
}

/** The hires upscaler as sd.cpp names it: a built-in name, or the ESRGAN file's stem (looked up in `--hires-upscalers-dir`). */
export function hiresUpscalerName(h: NonNullable<GenPayload['hires']>): string {
  return h.upscalerPath ? basename(h.upscalerPath, extname(h.upscalerPath)) : h.upscaler;
}

/**
 * Per-job guide flags (sd-cli --help at master-827-97d2990): `--mask`, `--control-image`,
 * `--control-strength`, `-r` per reference image, `--ref-image-args`, `--ip-adapter-image`,
 * `--ip-adapter-strength`, `--img-cfg-scale`, and the hires fix (`--hires`, `--hires-upscaler`,
 * `--hires-scale` or `--hires-width/--hires-height`, `--hires-steps`, `--hires-denoising-strength`).
 */
export function guideArgs(p: GenPayload): string[] {
  const a: string[] = [];
  if (p.maskPath) a.push('--mask', p.maskPath);
  if (p.controlImagePath) a.push('--control-image', p.controlImagePath);
  if (p.controlStrength !== undefined) a.push('--control-strength', num(p.controlStrength));
  for (const r of p.refImagePaths ?? []) a.push('-r', r);
  if (p.refImageArgs) a.push('--ref-image-args', p.refImageArgs);
  if (p.ipAdapterImagePath) a.push('--ip-adapter-image', p.ipAdapterImagePath);
  if (p.ipAdapterStrength !== undefined) a.push('--ip-adapter-strength', num(p.ipAdapterStrength));
  if (p.imgCfgScale !== undefined) a.push('--img-cfg-scale', num(p.imgCfgScale));
  const h = p.hires;
  if (h) {
    a.push('--hires', '--hires-upscaler', hiresUpscalerName(h));
    if (h.width > 0 && h.height > 0)
      a.push('--hires-width', String(h.width), '--hires-height', String(h.height));
    else a.push('--hires-scale', num(h.scale));
    if (h.steps > 0) a.push('--hires-steps', String(h.steps));
    a.push('--hires-denoising-strength', num(h.denoisingStrength));
  }
  return a;
}

/** ESGRAN passes needed to reach `scale` with a ×4 model (the usual factor); the result is resized after. */
export function upscaleRepeats(scale: number | undefined): number {
  return scale !== undefined && scale > 4 ? 2 : 1;
}

/** argv for `-M upscale` (sdcpp.md §1 typical lines). */
export function buildUpscaleArgv(p: UpscalePayload, o: ArgvOptions): string[] {
  const a = ['-M', 'upscale', '-i', p.initImagePath, '--upscale-model', p.upscaleModelPath];
  a.push('--upscale-repeats', String(upscaleRepeats(p.scale)));
  if (p.tileSize) a.push('--upscale-tile-size', String(p.tileSize));
  if (p.mitigations?.offloadToCpu) a.push('--offload-to-cpu');
  a.push('-t', String(o.threads), '--disable-image-metadata', '-o', o.outPath);
  return a;
}
