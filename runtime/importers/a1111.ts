/**
 * A1111 / Forge `parameters` infotext → graph (anchors-mission.md §2.3). Hires fix becomes
 * txt2img's own Hires fix params (sd.cpp `--hires-*`; issue 14), or with `{hires: 'pair'}` the older
 * upscale + img2img pair; `Denoising strength` without hires means the image came from img2img.
 */
import { parseA1111Parameters, parseHashList, parseSize } from '../png/a1111';
import { int, num, seedOf, type ImportResult } from './build';
import { encoderParamOf } from './comfyui-map';
import { linearGraph } from './linear';
import { mapA1111Sampler } from './samplers';

/** How an importer maps A1111's hires fix: txt2img's Hires fix params (default) or an upscale → img2img pair. */
export interface A1111ImportOptions {
  hires?: 'params' | 'pair';
}

/** Imports an A1111/Forge infotext. */
export function importA1111(text: string, opts: A1111ImportOptions = {}): ImportResult {
  const a = parseA1111Parameters(text);
  const p = a.params;
  const warnings: string[] = [];
  if (!a.hasParamsLine)
    warnings.push(
      'The parameters text has no settings line (Steps, Sampler, …); only the prompt was imported',
    );
  const sm = mapA1111Sampler(p.Sampler, p['Schedule type']);
  if (sm.warning) warnings.push(sm.warning);
  const size = parseSize(p.Size);
  const hiresResize = parseSize(p['Hires resize']);
  const hiresScale = num(p['Hires upscale']) ?? (hiresResize ? 2 : undefined);
  const denoise = num(p['Denoising strength']);
  const loraHashes = parseHashList(p['Lora hashes']);
  const clipSkip = int(p['Clip skip']);
  const params: Record<string, unknown> = {
    model: p.Model || undefined,
    width: size?.width,
    height: size?.height,
    steps: int(p.Steps),
    cfgScale: num(p['CFG scale']),
    sampler: sm.sampler,
    scheduler: sm.scheduler,
    seed: seedOf(p.Seed, (m) => warnings.push(m)),
    batchCount: undefined,
    clipSkip: clipSkip !== undefined && clipSkip > 1 ? clipSkip : undefined,
  };
  // Forge names a Flux/SD3 stack's separate files as `Module 1: ae, Module 2: clip_l, Module 3: t5xxl_fp16`
  // (no extension) and the distilled guidance as `Distilled CFG Scale`.
  const withExt = (f: string) =>
    /\.(safetensors|gguf|sft|ckpt|pt|pth|bin)$/i.test(f) ? f : `${f}.safetensors`;
  for (const k of Object.keys(p).filter((x) => /^Module \d+$/.test(x))) {
    const file = p[k]!;
    const param =
      encoderParamOf(file) ?? (/(^|[^a-z])(ae|vae)([^a-z]|$)/i.test(file) ? 'vae' : undefined);
    if (param) params[param] = withExt(file);
    else
      warnings.push(
        `Forge ${k}: ${file} is not a recognisable text encoder or VAE; choose it in the node's fields`,
      );
  }
  // Inpainting (img2img with a mask) and sd-webui-controlnet's first unit (issue 14).
  const maskBlur = int(p['Mask blur']);
  if (maskBlur !== undefined) params.maskBlur = maskBlur;
  const cn = controlUnit(p['ControlNet 0']);
  if (cn) {
    params.controlNet = cn.model;
    if (cn.strength !== undefined) params.controlStrength = cn.strength;
  }
  const distilled = num(p['Distilled CFG Scale']);
  if (distilled !== undefined) params.guidance = distilled;
  const known = new Set([
    'Distilled CFG Scale',
    ...Object.keys(p).filter((x) => /^Module \d+$/.test(x)),
    'Steps',
    'Sampler',
    'Schedule type',
    'CFG scale',
    'Seed',
    'Size',
    'Model',
    'Model hash',
    'Version',
    'Mask blur',
    'ControlNet 0',
    'Hires upscale',
    'Hires resize',
    'Hires steps',
    'Hires upscaler',
    'Denoising strength',
    'Lora hashes',
    'TI hashes',
    'Clip skip',
    'Hashes',
  ]);
  const unmapped = Object.keys(p).filter((k) => !known.has(k));
  if (unmapped.length)
    warnings.push(
      `A1111 settings without a MystiCanvas equivalent were not applied: ${unmapped.join(', ')}`,
    );
  const isForge = /^f\d/.test(p.Version ?? '');
  return linearGraph({
    prompt: a.prompt,
    negativePrompt: a.negativePrompt,
    params,
    loraTags: true,
    warnings,
    ...(maskBlur !== undefined && denoise !== undefined && hiresScale === undefined
      ? { inpaint: { maskBlur } }
      : {}),
    ...(cn ? { control: cn } : {}),
    ...(hiresScale !== undefined
      ? {
          hires: {
            scale: hiresScale,
            strength: denoise ?? 0.7,
            ...(int(p['Hires steps']) ? { steps: int(p['Hires steps']) } : {}),
            ...(p['Hires upscaler'] ? { upscaler: p['Hires upscaler'] } : {}),
            ...(hiresResize ? { resize: hiresResize } : {}),
            as: opts.hires ?? 'params',
          },
        }
      : denoise !== undefined
        ? { img2imgStrength: denoise }
        : {}),
    name: a.prompt.split('\n')[0]!.slice(0, 60) || (isForge ? 'Forge image' : 'A1111 image'),
    data: {
      source: isForge ? 'forge' : 'a1111',
      imported: {
        ...(p['Model hash'] ? { modelHash: p['Model hash'] } : {}),
        ...(Object.keys(loraHashes).length ? { loraHashes } : {}),
        ...(p['TI hashes'] ? { tiHashes: parseHashList(p['TI hashes']) } : {}),
        ...(p.Version ? { version: p.Version } : {}),
        ...(unmapped.length
          ? { unmapped: Object.fromEntries(unmapped.map((k) => [k, p[k]])) }
          : {}),
      },
    },
  });
}

/**
 * sd-webui-controlnet's unit text (`Module: openpose, Model: control_v11p_sd15_openpose [cab727d4],
 * Weight: 1, …`) → the model file name (the bracketed hash dropped, `.safetensors` assumed when no
 * extension is given) and the weight; undefined without a model (`Model: None`).
 */
export function controlUnit(
  v: string | undefined,
): { model: string; strength?: number } | undefined {
  if (!v) return undefined;
  const field = (k: string) => new RegExp(`(?:^|,\\s*)${k}:\\s*([^,]+)`).exec(v)?.[1]?.trim();
  const model = field('Model')?.replace(/\s*\[[0-9a-f]+\]$/i, '');
  if (!model || /^none$/i.test(model)) return undefined;
  const weight = num(field('Weight'));
  return {
    model: /\.(safetensors|pth|pt|ckpt|bin|gguf)$/i.test(model) ? model : `${model}.safetensors`,
    ...(weight !== undefined ? { strength: weight } : {}),
  };
}
