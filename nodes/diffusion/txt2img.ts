import { z } from 'zod';
import { defineNode } from '../core/define-node';
import { samplingParams } from './sampling';
import { estimateSampling } from './estimate';

/** Text to image with stable-diffusion.cpp (design.md §4). */
export const txt2img = defineNode({
  type: 'txt2img',
  version: 1,
  title: 'Text to image',
  category: 'diffusion',
  description:
    'Samples an image from a prompt with stable-diffusion.cpp. Width and height are rounded up to multiples of 64.',
  inputs: {
    prompt: { type: 'text' },
    negative: { type: 'text', optional: true, label: 'negative prompt' },
  },
  outputs: { image: { type: 'image' } },
  params: z.object(samplingParams),
  worker: 'sd',
  cache: 'pure',
  estimate: estimateSampling,
  estimateFrom: {
    width: 'width',
    height: 'height',
    batchCount: 'batchCount',
    cfgScale: 'cfgScale',
  },
  requires: { model: { param: 'model', nodeName: 'txt2img' }, sdEngine: true },
  role: 'generator',
});
