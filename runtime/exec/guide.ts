/**
 * The guide part of a txt2img/img2img job payload (issue 14; nodes/diffusion/guide.ts): ControlNet
 * model + control image + strength, reference images in port order, IP-Adapter (+ CLIP vision),
 * image CFG and the hires fix, as the sd worker's payload fields (workers/sd/payload.ts). Half-set
 * guide pairs are refused here too (GUIDE_INCOMPLETE), for graphs that reach a run without the
 * submit check (runtime/server/graph-input.ts).
 */
import type { ExecContext, ResolvedModel } from '../engine/executor';
import type { PortValue } from '../engine/values';
import { UserError } from '../errors';
import { guideProblems, type NodeRequirements } from '../../nodes/core/define-node';
import { REFERENCE_PORTS } from '../../nodes/diffusion/guide';
import { preparedModel as prepared } from './models';

/** The guide params (all optional: img2img has no hires params). */
export interface GuideParamsLike {
  controlNet?: string;
  controlStrength?: number;
  refImageArgs?: string;
  ipAdapter?: string;
  clipVision?: string;
  ipAdapterStrength?: number;
  imgCfgScale?: number;
  hiresFix?: boolean;
  hiresUpscaler?: string;
  hiresModel?: string;
  hiresScale?: number;
  hiresWidth?: number;
  hiresHeight?: number;
  hiresSteps?: number;
  hiresDenoisingStrength?: number;
}

const imagePath = (v: PortValue | undefined) => (v && v.kind === 'image' ? v.path : undefined);

/**
 * Payload fields for the guides, and what the image's `info` records about them. Models used are
 * added to `used` (lineage roles `controlNet`, `ipAdapter`, `clipVision`, `hiresModel`).
 * @throws UserError GUIDE_INCOMPLETE for a guide image without its model (or the other way round);
 *   BAD_PARAMS for a hires fix with the ESRGAN upscaler but no model.
 */
export function guidePayload(
  ctx: ExecContext,
  node: string,
  requires: NodeRequirements | undefined,
  inputs: Record<string, PortValue | undefined>,
  params: GuideParamsLike,
  used: Record<string, ResolvedModel>,
): { payload: Record<string, unknown>; info: Record<string, unknown> } {
  const connected = new Set(
    Object.entries(inputs)
      .filter(([, v]) => v !== undefined)
      .map(([k]) => k),
  );
  const problems = guideProblems(requires, connected, params as Record<string, unknown>);
  if (problems.length)
    throw new UserError(
      'GUIDE_INCOMPLETE',
      `${node}: ${problems.map((p) => p.message).join('; ')}`,
      { problems },
    );
  const payload: Record<string, unknown> = {};
  const info: Record<string, unknown> = {};
  const control = imagePath(inputs.control);
  if (control && params.controlNet) {
    payload.controlNetPath = (used.controlNet = prepared(ctx, 'controlNet')).path;
    payload.controlImagePath = control;
    payload.controlStrength = params.controlStrength ?? 0.9;
    info.controlNet = { model: params.controlNet, strength: payload.controlStrength };
  }
  const refs = REFERENCE_PORTS.map((p) => imagePath(inputs[p])).filter((p): p is string => !!p);
  if (refs.length) {
    payload.refImagePaths = refs;
    info.references = refs.length;
  }
  if (refs.length && params.refImageArgs?.trim()) {
    payload.refImageArgs = params.refImageArgs.trim();
    info.refImageArgs = payload.refImageArgs;
  }
  const ip = imagePath(inputs.ipAdapterImage);
  if (ip && params.ipAdapter) {
    payload.ipAdapterPath = (used.ipAdapter = prepared(ctx, 'ipAdapter')).path;
    payload.clipVisionPath = (used.clipVision = prepared(ctx, 'clipVision')).path;
    payload.ipAdapterImagePath = ip;
    payload.ipAdapterStrength = params.ipAdapterStrength ?? 1;
    info.ipAdapter = { model: params.ipAdapter, strength: payload.ipAdapterStrength };
  }
  if (params.imgCfgScale) payload.imgCfgScale = info.imgCfgScale = params.imgCfgScale;
  if (params.hiresFix) {
    const upscaler = params.hiresUpscaler ?? 'Latent';
    const hires: Record<string, unknown> = {
      upscaler,
      scale: params.hiresScale ?? 2,
      width: params.hiresWidth ?? 0,
      height: params.hiresHeight ?? 0,
      steps: params.hiresSteps ?? 0,
      denoisingStrength: params.hiresDenoisingStrength ?? 0.7,
    };
    if (upscaler === 'ESRGAN') {
      if (!params.hiresModel)
        throw new UserError(
          'BAD_PARAMS',
          `${node}: the hires fix's upscaler is ESRGAN but no ESRGAN model is chosen`,
          { field: 'hiresModel' },
        );
      hires.upscalerPath = (used.hiresModel = prepared(ctx, 'hiresModel')).path;
    }
    payload.hires = hires;
    const { upscalerPath: _p, ...recorded } = hires;
    info.hires = {
      ...recorded,
      ...(params.hiresModel && upscaler === 'ESRGAN' ? { model: params.hiresModel } : {}),
    };
  }
  return { payload, info };
}
