/**
 * Executor of `upscale`. With an ESRGAN model and method `esrgan`: sd.cpp `-M upscale` on the sd
 * worker (then resized to the asked scale if the model's own factor differs). With method
 * `lanczos`, or no upscaler model: a Lanczos3 resize with sharp right here, and the output says so
 * in `info.method` — never a silent fallback. The source image's seed is carried into the
 * output's info (`seed`), so an upscaled image still names the seed that made it.
 */
import sharp from 'sharp';
import { canonicalSeed } from '../core/seed';
import { sha256FileAsync } from '../../runtime/fs/hash';
import { implement, type ResolvedModel } from '../../runtime/engine/executor';
import {
  forwardProgress,
  imageFromResult,
  imageInput,
  sdMitigations,
} from '../../runtime/exec/sd-payload';
import { preparedModel } from '../../runtime/exec/models';
import { upscale } from './upscale';
import { needsSdEngine } from '../core/define-node';

export default implement(upscale, async (ctx, inputs, params) => {
  const image = imageInput(inputs.image, 'Upscale');
  const src = inputs.image?.kind === 'image' ? inputs.image.info : undefined;
  const srcSeed = canonicalSeed(src?.seed);
  const carried = srcSeed !== undefined ? { seed: srcSeed } : {};
  if (!needsSdEngine(upscale.requires, params)) {
    const meta = await sharp(image.path).metadata();
    const width = Math.round(meta.width! * params.scale);
    const height = Math.round(meta.height! * params.scale);
    const tempPath = ctx.tempPath('.png');
    ctx.progress({ phase: 'upscaling', step: 0, steps: 1 });
    // write-point: none — a temp file in tmp/ (swept at start); persistOutputs names the move into artifacts/.
    await sharp(image.path)
      .resize(width, height, { kernel: 'lanczos3', fit: 'fill' })
      .png()
      .toFile(tempPath);
    ctx.progress({ phase: 'upscaling', step: 1, steps: 1 });
    const method = params.method === 'lanczos' ? 'lanczos' : 'lanczos (no upscaler model)';
    if (params.method !== 'lanczos')
      ctx.log('warn', 'upscale: no upscaler model chosen, used a Lanczos resize');
    const engine = {
      name: 'sharp',
      version: `sharp ${sharp.versions.sharp ?? '?'}, libvips ${sharp.versions.vips}`,
    };
    return {
      image: {
        kind: 'image',
        tempPath,
        sha256: await sha256FileAsync(tempPath),
        width,
        height,
        info: {
          mode: 'upscale',
          method,
          scale: params.scale,
          engine,
          argv: [],
          models: {},
          ...carried,
        },
      },
    };
  }
  const model = preparedModel(ctx, 'model');
  const used: Record<string, ResolvedModel> = { upscaler: model };
  const payload: Record<string, unknown> = {
    initImagePath: image.path,
    upscaleModelPath: model.path,
    scale: params.scale,
    outDir: ctx.paths.tmp,
  };
  const m = sdMitigations(ctx.mitigations);
  if (m) payload.mitigations = m;
  const { output } = await ctx.call('sd', 'upscale', payload, { onProgress: forwardProgress(ctx) });
  return {
    image: imageFromResult(
      output,
      { mode: 'upscale', scale: params.scale, model: params.model, ...carried },
      { ctx, models: used },
    ),
  };
});
