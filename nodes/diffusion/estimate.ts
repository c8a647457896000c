/**
 * Compute-memory estimate for one sd.cpp job, in bytes, excluding weights (the runtime adds
 * model file sizes). Latent activations scale with pixel count: a measured ~1.3 GiB for SD1.x at
 * 512×512 batch 1 on sd.cpp CPU/CUDA (anchors-performance.md §2), so we use
 * 5,200 bytes per output pixel plus a 256 MiB floor for the VAE decode and buffers.
 */
export function estimateSdCompute(width: number, height: number, batchCount: number): number {
  const pixels = width * height;
  // batch images run one after another in sd.cpp (-b), so memory does not multiply by batch.
  void batchCount;
  return 256 * 1024 * 1024 + pixels * 5_200;
}
