import { z } from 'zod';
import { defineNode, p } from '../core/define-node';

/**
 * Upscale: an ESRGAN model through sd.cpp's `-M upscale`, or — only when chosen explicitly or
 * when no upscaler model is set — a Lanczos resize (sharp), which the node labels as such.
 */
export const upscale = defineNode({
  type: 'upscale',
  version: 1,
  title: 'Upscale',
  category: 'image',
  description:
    'Enlarges an image with an ESRGAN upscaler model (stable-diffusion.cpp). Without an upscaler model it uses a plain Lanczos resize and says so.',
  inputs: { image: { type: 'image' } },
  outputs: { image: { type: 'image' } },
  params: z.object({
    model: p.model('upscaler', {
      label: 'Upscaler model',
      description: 'ESRGAN model; empty = Lanczos resize',
    }),
    scale: p.float(2, 1, 8, 0.5, { label: 'Scale' }),
    method: p.choice(['esrgan', 'lanczos'] as const, 'esrgan', {
      label: 'Method',
      labels: { esrgan: 'ESRGAN model (sd.cpp)', lanczos: 'Lanczos resize (no model)' },
    }),
  }),
  worker: 'sd',
  cache: 'pure',
  estimate: () => ({ weightsBytes: 0, computeBytes: 256 * 1024 * 1024 }),
  // Without an upscaler model, or with method lanczos, it resizes in the runtime instead.
  requires: { sdEngine: { whenSet: 'model', unless: { method: 'lanczos' } } },
});
