import { z } from 'zod';
import { defineNode, p } from '../core/define-node';
import { samplingParams } from './sampling';
import { estimateSampling } from './estimate';

/** Image to image: re-noises the input image by the denoising strength, then samples (design.md §4). */
export const img2img = defineNode({
  type: 'img2img',
  version: 1,
  title: 'Image to image',
  category: 'diffusion',
  description:
    'Re-generates an input image guided by a prompt. Denoising strength 0 keeps the image, 1 ignores it.',
  inputs: {
    image: { type: 'image' },
    prompt: { type: 'text' },
    negative: { type: 'text', optional: true, label: 'negative prompt' },
  },
  outputs: { image: { type: 'image' } },
  params: z.object({
    ...samplingParams,
    strength: p.float(0.75, 0, 1, 0.01, { label: 'Denoising strength' }),
  }),
  worker: 'sd',
  cache: 'pure',
  estimate: estimateSampling,
  estimateFrom: {
    width: 'width',
    height: 'height',
    batchCount: 'batchCount',
    cfgScale: 'cfgScale',
  },
  requires: { model: { param: 'model', nodeName: 'img2img' }, sdEngine: true },
  role: 'generator',
});
