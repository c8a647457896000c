import type { MemoryEstimate } from '../core/define-node';

/**
 * Coarse compute-memory floor for one sd.cpp job (bytes, excluding weights), used by the node
 * declaration's `estimate` hook where no model file is known. The arbiter's real estimate is
 * runtime/arbiter/estimate.ts (`estimateSd`: file sizes + a per-family table with its sources);
 * this floor only scales with pixel count so the editor can show a rough figure: 256 MiB of fixed
 * buffers + 5,200 bytes per output pixel (≈ 1.5 GiB at 512×512, the order of magnitude of SD1.x).
 */
export function estimateSdCompute(width: number, height: number, batchCount: number): number {
  // sd.cpp runs -b images one after another, so memory does not multiply by batch.
  void batchCount;
  return 256 * 1024 * 1024 + width * height * 5_200;
}

/**
 * The `estimate` hook of the sampling nodes (txt2img, img2img): weights unknown here (0; the
 * runtime adds file sizes), compute from {@link estimateSdCompute}, and the node's model ref.
 */
export function estimateSampling(params: {
  width: number;
  height: number;
  batchCount: number;
  model: string;
}): MemoryEstimate {
  return {
    weightsBytes: 0,
    computeBytes: estimateSdCompute(params.width, params.height, params.batchCount),
    model: params.model,
  };
}
