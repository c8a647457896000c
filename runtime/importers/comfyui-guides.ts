/**
 * ComfyUI's guide nodes (issue 14) for the ComfyUI mapper (comfyui-map.ts), by the class names and
 * input names of ComfyUI's nodes.py / comfy_extras:
 *
 * - conditioning that carries a guide, passed through on the way from the sampler to the prompt:
 *   `ControlNetApply` (conditioning, control_net, image, strength), `ControlNetApplyAdvanced`
 *   (positive, negative, control_net, image, strength, start_percent, end_percent),
 *   `ReferenceLatent` (conditioning, latent), `InpaintModelConditioning` (positive, negative, vae,
 *   pixels, mask → positive, negative, latent); `ControlNetLoader` (control_net_name) names the model;
 * - inpainting latents: `VAEEncodeForInpaint` (pixels, vae, mask, grow_mask_by),
 *   `SetLatentNoiseMask` (samples, mask), `InpaintModelConditioning`'s latent output;
 * - images: `FluxKontextImageScale` (image) is passed through (sd.cpp resizes reference images
 *   itself), `LoadImageMask` (image, channel) and LoadImage's MASK output become Load image nodes
 *   titled "needs mask …" — the files live in ComfyUI's input folder, not here.
 */
import { int, modelName, num, str, type GraphBuilder } from './build';
import type { IrNode } from './comfyui-ir';

/** What the mapper offers the guide tracing. */
export interface GuideHost {
  readonly b: GraphBuilder;
  nodeOf(v: unknown): IrNode | undefined;
  literal(v: unknown): unknown;
}

/** Guides found while tracing one sampler's conditioning and latent (refs into the IR). */
export interface Guides {
  control?: { image: unknown; model?: string; strength?: number };
  references: unknown[];
}

/** Guide classes the mapper folds into txt2img/img2img (never placeholders on their own). */
export const GUIDE_FOLDABLE = new Set([
  'ControlNetLoader',
  'ControlNetApply',
  'ControlNetApplyAdvanced',
  'ReferenceLatent',
  'InpaintModelConditioning',
  'VAEEncodeForInpaint',
  'SetLatentNoiseMask',
  'LoadImageMask',
  'FluxKontextImageScale',
]);

/**
 * One step of the conditioning trace through a guide node: records the guide in `g` and returns
 * the next conditioning ref, or undefined when `n` is no guide node.
 */
export function guideStep(
  h: GuideHost,
  n: IrNode,
  role: string,
  g: Guides,
  absorbed: string[],
): unknown {
  if (n.classType === 'ControlNetApply' || n.classType === 'ControlNetApplyAdvanced') {
    absorbed.push(n.id);
    const loader = h.nodeOf(n.inputs.control_net);
    if (loader) absorbed.push(loader.id);
    if (!g.control) {
      g.control = {
        image: n.inputs.image,
        ...(loader?.classType === 'ControlNetLoader'
          ? { model: modelName(h.literal(loader.inputs.control_net_name)) }
          : {}),
        ...(num(h.literal(n.inputs.strength)) !== undefined
          ? { strength: num(h.literal(n.inputs.strength)) }
          : {}),
      };
      if (loader && loader.classType !== 'ControlNetLoader')
        h.b.warn(
          `ComfyUI node ${loader.id} (${loader.classType}) loads the ControlNet; choose the ControlNet model in the generator's ControlNet group`,
        );
      const start = num(h.literal(n.inputs.start_percent)) ?? 0;
      const end = num(h.literal(n.inputs.end_percent)) ?? 1;
      if (start !== 0 || end !== 1)
        h.b.warn(
          `ComfyUI node ${n.id} (${n.classType}) applies the ControlNet from ${start} to ${end} of the steps; sd.cpp applies it to all steps`,
        );
    } else if (role === 'positive')
      h.b.warn(
        `ComfyUI node ${n.id} (${n.classType}) is a second ControlNet; sd.cpp takes one, so it was left out`,
      );
    return n.classType === 'ControlNetApply' ? n.inputs.conditioning : n.inputs[role];
  }
  if (n.classType === 'ReferenceLatent') {
    absorbed.push(n.id);
    const enc = h.nodeOf(n.inputs.latent);
    if (enc?.classType === 'VAEEncode') {
      absorbed.push(enc.id);
      if (role === 'positive') g.references.unshift(enc.inputs.pixels);
    }
    return n.inputs.conditioning;
  }
  if (n.classType === 'InpaintModelConditioning') {
    absorbed.push(n.id);
    return n.inputs[role];
  }
  return undefined;
}

/**
 * The image and mask of an inpainting latent (`VAEEncodeForInpaint`, `SetLatentNoiseMask` over a
 * `VAEEncode`, `InpaintModelConditioning`), or undefined for another latent.
 */
export function inpaintLatent(
  h: GuideHost,
  latent: IrNode,
  absorbed: string[],
): { pixels: unknown; mask: unknown } | undefined {
  if (
    latent.classType === 'VAEEncodeForInpaint' ||
    latent.classType === 'InpaintModelConditioning'
  ) {
    absorbed.push(latent.id);
    const grow = int(h.literal(latent.inputs.grow_mask_by));
    if (grow)
      h.b.warn(
        `ComfyUI node ${latent.id} (VAEEncodeForInpaint) grows the mask by ${grow} px; MystiCanvas uses the mask as painted (use Mask blur to soften its edge)`,
      );
    return { pixels: latent.inputs.pixels, mask: latent.inputs.mask };
  }
  if (latent.classType === 'SetLatentNoiseMask') {
    absorbed.push(latent.id);
    const enc = h.nodeOf(latent.inputs.samples);
    if (enc?.classType !== 'VAEEncode') {
      h.b.warn(
        `ComfyUI node ${latent.id} (SetLatentNoiseMask) masks a latent that is not an encoded image; connect the image to inpaint`,
      );
      return { pixels: undefined, mask: latent.inputs.mask };
    }
    absorbed.push(enc.id);
    return { pixels: enc.inputs.pixels, mask: latent.inputs.mask };
  }
  return undefined;
}

/** The Load image node's data for an image ComfyUI keeps in its input folder: titled "needs image …". */
export function needsImageData(
  n: IrNode,
  file: string,
  what: 'image' | 'mask',
): Record<string, unknown> {
  return {
    source: 'comfyui',
    classType: n.classType,
    needs: { [what]: file },
    extra: { title: `needs ${what} "${file || '?'}"` },
  };
}

/** What LoadImageMask / LoadImage's MASK output mean, said once per node. */
export function maskWarning(n: IrNode, h: GuideHost): string {
  const file = str(h.literal(n.inputs.image)) ?? '';
  const channel = str(h.literal(n.inputs.channel)) ?? 'alpha';
  return n.classType === 'LoadImageMask'
    ? `ComfyUI node ${n.id} (LoadImageMask) uses the ${channel} channel of "${file}" as the mask; MystiCanvas reads a mask as white = repaint (luminance), so pick or paint that mask again`
    : `ComfyUI node ${n.id} (LoadImage) gives its mask from the alpha of "${file}" (transparent = repaint); MystiCanvas reads a mask as white = repaint, so pick or paint that mask again`;
}
