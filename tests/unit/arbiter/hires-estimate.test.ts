/** The arbiter sizes a hires-fix job by its second pass (issue 14): that pass sets the peak memory. */
import { describe, expect, it } from 'vitest';
import { hiresSize } from '../../../runtime/arbiter/node-estimate';
import { estimateSd } from '../../../runtime/arbiter/estimate';

describe('hires fix in the memory estimate', () => {
  it('second-pass size: scale, or the target size when both are set; off → undefined', () => {
    expect(hiresSize({ hiresFix: false, hiresScale: 2 }, 512, 512)).toBeUndefined();
    expect(hiresSize({ hiresFix: true, hiresScale: 2 }, 512, 768)).toEqual({
      width: 1024,
      height: 1536,
    });
    expect(
      hiresSize({ hiresFix: true, hiresScale: 2, hiresWidth: 1280, hiresHeight: 720 }, 640, 360),
    ).toEqual({ width: 1280, height: 720 });
    // One of the two target sides alone is not a target: the scale applies.
    expect(hiresSize({ hiresFix: true, hiresScale: 1.5, hiresWidth: 900 }, 512, 512)).toEqual({
      width: 768,
      height: 768,
    });
  });

  it('the second pass needs more compute than the first', () => {
    const files = [{ role: 'diffusion' as const, bytes: 2e9 }];
    const at = (w: number, h: number) =>
      estimateSd(files, { family: 'sd1', width: w, height: h, batchCount: 1, cfgScale: 7 })
        .computeBytes;
    const hires = hiresSize({ hiresFix: true, hiresScale: 2 }, 512, 512)!;
    expect(at(hires.width, hires.height)).toBeGreaterThan(at(512, 512));
  });
});
