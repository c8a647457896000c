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
    'Re-generates an input image guided by a prompt. Denoising strength 0 keeps the image, 1 ignores it. ' +
    'Connect a mask (same size as the image; white = repaint, black = keep) to inpaint: outside the mask the input pixels are kept exactly.',
  inputs: {
    image: { type: 'image' },
    mask: { type: 'image', optional: true, label: 'mask (white = repaint)' },
    prompt: { type: 'text' },
    negative: { type: 'text', optional: true, label: 'negative prompt' },
  },
  outputs: { image: { type: 'image' } },
  params: z.object({
    ...samplingParams,
    strength: p.float(0.75, 0, 1, 0.01, { label: 'Denoising strength' }),
    maskBlur: p.int(4, 0, 64, {
      label: 'Mask blur (px)',
      description:
        'Inpainting: Gaussian blur of the mask edge (σ in px), as A1111’s Mask blur; 0 = hard edge',
    }),
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
