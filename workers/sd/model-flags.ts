/**
 * The model files of a stack as stable-diffusion.cpp flags (sdcpp.md §1.1): `-m` for a full
 * checkpoint or `--diffusion-model` for a standalone one, then `--clip_l`, `--clip_g`, `--t5xxl`,
 * `--llm` (underscores, as sd.cpp spells them), `--vae`, `--taesd`. One function for every
 * place that starts sd.cpp on a stack — the CLI argv (argv.ts) and the resident sd-server's
 * start flags — so both always carry every file.
 */

/** Absolute paths of a resolved stack. */
export interface StackFiles {
  modelPath: string;
  /** `diffusion_model` = a standalone UNet/DiT (`--diffusion-model`); default full checkpoint (`-m`). */
  modelRole?: 'checkpoint' | 'diffusion_model';
  clipLPath?: string;
  clipGPath?: string;
  t5xxlPath?: string;
  llmPath?: string;
  vaePath?: string;
  taesdPath?: string;
  /** `--control-net`: ControlNet weights (sd-server loads them at start-up only). */
  controlNetPath?: string;
  /** `--ip-adapter` + `--clip_vision` (IP-Adapter needs the CLIP vision encoder). */
  ipAdapterPath?: string;
  clipVisionPath?: string;
  /** `--hires-upscalers-dir`: the folder of the ESRGAN model a hires fix names by stem. */
  hiresUpscalersDir?: string;
}

/** Flags for a stack, in a fixed order (model, encoders, VAE, TAESD, ControlNet, IP-Adapter, hires upscalers). */
export function stackModelFlags(s: StackFiles): string[] {
  const a =
    s.modelRole === 'diffusion_model' ? ['--diffusion-model', s.modelPath] : ['-m', s.modelPath];
  if (s.clipLPath) a.push('--clip_l', s.clipLPath);
  if (s.clipGPath) a.push('--clip_g', s.clipGPath);
  if (s.t5xxlPath) a.push('--t5xxl', s.t5xxlPath);
  if (s.llmPath) a.push('--llm', s.llmPath);
  if (s.vaePath) a.push('--vae', s.vaePath);
  if (s.taesdPath) a.push('--taesd', s.taesdPath);
  if (s.controlNetPath) a.push('--control-net', s.controlNetPath);
  if (s.clipVisionPath) a.push('--clip_vision', s.clipVisionPath);
  if (s.ipAdapterPath) a.push('--ip-adapter', s.ipAdapterPath);
  if (s.hiresUpscalersDir) a.push('--hires-upscalers-dir', s.hiresUpscalersDir);
  return a;
}
