/**
 * Executor of `img2img`: sd.cpp with `-i <input> --strength <s>` (+ `--mask` when the mask input is
 * connected: inpainting, workers/sd/inpaint.ts); it samples floor(steps×strength)+1
 * ticks (sdcpp.md §1.3), which is what the node's progress shows. A `preset` param supplies the
 * model files and default params: the engine hands over params with it merged (runtime/exec/prepare.ts).
 */
import { modelNodeName } from '../core/define-node';
import { implement, type ResolvedModel } from '../../runtime/engine/executor';
import {
  forwardProgress,
  genPayload,
  imageFromResult,
  imageInput,
  optionalImage,
  textInput,
} from '../../runtime/exec/sd-payload';
import { img2img } from './img2img';

export default implement(img2img, async (ctx, inputs, params) => {
  const preset = ctx.preset?.value;
  const image = imageInput(inputs.image, 'Image to image');
  const mask = optionalImage(inputs.mask);
  const prompt = textInput(inputs.prompt, 'prompt', 'Image to image', true);
  const negative = textInput(inputs.negative, 'negative', 'Image to image', false);
  const used: Record<string, ResolvedModel> = {};
  const payload = {
    ...genPayload(ctx, modelNodeName(img2img), prompt, negative, params, used),
    initImagePath: image.path,
    strength: params.strength,
    ...(mask ? { maskPath: mask, maskBlur: params.maskBlur } : {}),
  };
  const { output } = await ctx.call('sd', 'img2img', payload, { onProgress: forwardProgress(ctx) });
  return {
    image: imageFromResult(
      output,
      {
        mode: 'img2img',
        model: params.model,
        ...(preset ? { preset: preset.name } : {}),
        steps: params.steps,
        cfgScale: params.cfgScale,
        sampler: params.sampler,
        scheduler: params.scheduler,
        strength: params.strength,
        ...(mask ? { inpainting: true, maskBlur: params.maskBlur } : {}),
      },
      { ctx, models: used },
    ),
  };
});
