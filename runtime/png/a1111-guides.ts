/**
 * The A1111 `parameters` fields of an image's guides (issue 14 §6), read from its provenance: the
 * generating node's params and the image inputs it had connected. A1111 writes them as
 * `Denoising strength`, `Mask blur` (inpainting), `Hires upscale` / `Hires resize`, `Hires steps`,
 * `Hires upscaler` (its `Size` is then the first pass's), and sd-webui-controlnet's
 * `ControlNet 0: "Module: …, Model: name [hash], Weight: …"`.
 */
import type { ExecContext } from '../engine/executor';
import type { A1111Info } from './a1111';
import type { Provenance } from '../library/provenance';
import { alignTo64 } from '../../nodes/diffusion/sampling';

type GuideFields = Pick<A1111Info, 'maskBlur' | 'hires' | 'controlNets' | 'denoisingStrength'>;

/** The guide fields + the first-pass size when a hires fix ran. Unknown models are named without a hash. */
export function a1111Guides(
  ctx: Pick<ExecContext, 'registry'>,
  prov: Pick<Provenance, 'params' | 'imagePorts'>,
): { fields: GuideFields; firstPass?: { width: number; height: number } } {
  const p = prov.params;
  const fields: GuideFields = {};
  let firstPass: { width: number; height: number } | undefined;
  if (prov.imagePorts.includes('mask') && typeof p.maskBlur === 'number')
    fields.maskBlur = p.maskBlur;
  if (prov.imagePorts.includes('control') && typeof p.controlNet === 'string' && p.controlNet) {
    let hash: string | undefined;
    try {
      hash = /^sha256:([0-9a-f]{64})$/.exec(
        ctx.registry.resolve(p.controlNet, 'controlnet').identity,
      )?.[1];
    } catch {
      // moved since the run: named without a hash
    }
    fields.controlNets = [
      {
        model: p.controlNet,
        ...(hash ? { hash } : {}),
        weight: typeof p.controlStrength === 'number' ? p.controlStrength : 0.9,
      },
    ];
  }
  if (p.hiresFix === true) {
    const w = Number(p.hiresWidth ?? 0);
    const h = Number(p.hiresHeight ?? 0);
    const upscaler =
      p.hiresUpscaler === 'ESRGAN' && typeof p.hiresModel === 'string' && p.hiresModel
        ? p.hiresModel
            .split(/[\\/]/)
            .pop()!
            .replace(/\.[^.]+$/, '')
        : String(p.hiresUpscaler ?? 'Latent');
    fields.hires = {
      ...(w > 0 && h > 0
        ? { resize: { width: w, height: h } }
        : { upscale: Number(p.hiresScale ?? 2) }),
      steps: Number(p.hiresSteps ?? 0),
      upscaler,
    };
    fields.denoisingStrength = Number(p.hiresDenoisingStrength ?? 0.7);
    if (typeof p.width === 'number' && typeof p.height === 'number')
      firstPass = { width: alignTo64(p.width), height: alignTo64(p.height) };
  }
  return { fields, ...(firstPass ? { firstPass } : {}) };
}
