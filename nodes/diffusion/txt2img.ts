import { z } from 'zod';
import { defineNode } from '../core/define-node';
import { samplingParams } from './sampling';
import { estimateSampling } from './estimate';
import { GUIDE_PAIRS, guideInputs, guideParams, hiresParams } from './guide';

/** Text to image with stable-diffusion.cpp (design.md §4). */
export const txt2img = defineNode({
  type: 'txt2img',
  version: 1,
  title: 'Text to image',
  category: 'diffusion',
  description:
    'Samples an image from a prompt with stable-diffusion.cpp. Width and height are rounded up to multiples of 64. ' +
    'Optional guides: a ControlNet control image (must already be a pose/edge/depth map, with a ControlNet model), ' +
    'reference images for edit models (Flux Kontext, Qwen-Image-Edit), an IP-Adapter image; Hires fix samples a second pass at a larger size.',
  inputs: {
    prompt: { type: 'text' },
    negative: { type: 'text', optional: true, label: 'negative prompt' },
    ...guideInputs,
  },
  outputs: { image: { type: 'image' } },
  params: z.object({ ...samplingParams, ...guideParams, ...hiresParams }),
  worker: 'sd',
  cache: 'pure',
  estimate: estimateSampling,
  estimateFrom: {
    width: 'width',
    height: 'height',
    batchCount: 'batchCount',
    cfgScale: 'cfgScale',
  },
  requires: {
    model: { param: 'model', nodeName: 'txt2img' },
    sdEngine: true,
    guides: GUIDE_PAIRS,
  },
  role: 'generator',
});
