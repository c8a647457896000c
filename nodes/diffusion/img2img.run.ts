/**
 * Executor of `img2img`: sd.cpp with `-i <input> --strength <s>`; it samples floor(steps×strength)+1
 * ticks (sdcpp.md §1.3), which is what the node's progress shows. A `preset` param supplies the
 * model files and default params (runtime/exec/presets.ts).
 */
import { implement, type ResolvedModel } from '../../runtime/engine/executor';
import { presetFingerprint, presetStoreOf, withImagePreset } from '../../runtime/exec/presets';
import { forwardProgress, genPayload, imageFromResult, imageInput, textInput } from '../../runtime/exec/sd-payload';
import { img2img } from './img2img';

export default implement(img2img, async (ctx, inputs, raw) => {
  const { params, preset } = withImagePreset(img2img, raw, presetStoreOf(ctx.services));
  const image = imageInput(inputs.image, 'Image to image');
  const prompt = textInput(inputs.prompt, 'prompt', 'Image to image', true);
  const negative = textInput(inputs.negative, 'negative', 'Image to image', false);
  const used: Record<string, ResolvedModel> = {};
  const payload = { ...genPayload(ctx, 'img2img', prompt, negative, params, used), initImagePath: image.path, strength: params.strength };
  const { output } = await ctx.call('sd', 'img2img', payload, { onProgress: forwardProgress(ctx) });
  return { image: imageFromResult(output, { mode: 'img2img', model: params.model, ...(preset ? { preset: preset.name } : {}), steps: params.steps, cfgScale: params.cfgScale, sampler: params.sampler, scheduler: params.scheduler, strength: params.strength }, { ctx, models: used }) };
}, (ctx, params) => presetFingerprint(ctx.services, 'image', params.preset) ?? '');
