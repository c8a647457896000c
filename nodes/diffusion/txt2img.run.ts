/**
 * Executor of `txt2img`: one sd.cpp run on the sd worker (workers/sd/jobs.ts). Progress (loading,
 * encoding, sampling, decoding; previews) is forwarded to the node; the seed sd.cpp actually used
 * (also for "random") is recorded in the image's info. A `preset` param supplies the model files
 * and default params: the engine hands over params with it merged (runtime/exec/prepare.ts).
 */
import { modelNodeName } from '../core/define-node';
import { implement, type ResolvedModel } from '../../runtime/engine/executor';
import {
  forwardProgress,
  genPayload,
  imageFromResult,
  textInput,
} from '../../runtime/exec/sd-payload';
import { guidePayload } from '../../runtime/exec/guide';
import { txt2img } from './txt2img';

export default implement(txt2img, async (ctx, inputs, params) => {
  const preset = ctx.preset?.value;
  const prompt = textInput(inputs.prompt, 'prompt', 'Text to image', true);
  const negative = textInput(inputs.negative, 'negative', 'Text to image', false);
  const used: Record<string, ResolvedModel> = {};
  const guide = guidePayload(ctx, 'Text to image', txt2img.requires, inputs, params, used);
  const payload = {
    ...genPayload(ctx, modelNodeName(txt2img), prompt, negative, params, used),
    ...guide.payload,
  };
  const { output } = await ctx.call('sd', 'txt2img', payload, { onProgress: forwardProgress(ctx) });
  return {
    image: imageFromResult(
      output,
      {
        mode: 'txt2img',
        model: params.model,
        ...(preset ? { preset: preset.name } : {}),
        steps: params.steps,
        cfgScale: params.cfgScale,
        sampler: params.sampler,
        scheduler: params.scheduler,
        ...guide.info,
      },
      { ctx, models: used },
    ),
  };
});
