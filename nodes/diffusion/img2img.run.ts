/**
 * Executor of `img2img`: sd.cpp with `-i <input> --strength <s>`; it samples floor(steps×strength)+1
 * ticks (sdcpp.md §1.3), which is what the node's progress shows.
 */
import { implement } from '../../runtime/engine/executor';
import { forwardProgress, genPayload, imageFromResult, imageInput, textInput } from '../../workers/sd/node-payload';
import { img2img } from './img2img';

export default implement(img2img, async (ctx, inputs, params) => {
  const image = imageInput(inputs.image, 'Image to image');
  const prompt = textInput(inputs.prompt, 'prompt', 'Image to image', true);
  const negative = textInput(inputs.negative, 'negative', 'Image to image', false);
  const payload = { ...genPayload(ctx, 'img2img', prompt, negative, params), initImagePath: image.path, strength: params.strength };
  const { output } = await ctx.call('sd', 'img2img', payload, { onProgress: forwardProgress(ctx) });
  return { image: imageFromResult(output, { mode: 'img2img', model: params.model, steps: params.steps, cfgScale: params.cfgScale, sampler: params.sampler, scheduler: params.scheduler, strength: params.strength }) };
});
