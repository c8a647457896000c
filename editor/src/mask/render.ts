/**
 * Drawing the mask (canvas 2D): the history's operations replayed onto a black canvas of the
 * image's size (white = repaint), one stroke segment at a time while painting, and the exported
 * PNG — feathered with a Gaussian blur of the given radius (canvas `filter: blur()`), so the
 * repainted area fades into the kept one instead of leaving a seam.
 */
import type { MaskOp, Stroke } from './history';

type Ctx = CanvasRenderingContext2D;

/** Draws one stroke (or the part from point `from` on) in white (paint) or black (erase). */
export function drawStroke(ctx: Ctx, s: Stroke, from = 0): void {
  ctx.save();
  ctx.globalCompositeOperation = 'source-over';
  const color = s.mode === 'paint' ? '#ffffff' : '#000000';
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = s.size;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const pts = s.points;
  if (pts.length === 1) {
    ctx.beginPath();
    ctx.arc(pts[0]![0], pts[0]![1], s.size / 2, 0, Math.PI * 2);
    ctx.fill();
  } else {
    ctx.beginPath();
    const start = Math.max(0, from - 1);
    ctx.moveTo(pts[start]![0], pts[start]![1]);
    for (let i = start + 1; i < pts.length; i++) ctx.lineTo(pts[i]![0], pts[i]![1]);
    ctx.stroke();
  }
  ctx.restore();
}

/** Replays `ops` onto `ctx` (its canvas is the mask: w × h image px), starting from black. */
export function drawOps(ctx: Ctx, ops: readonly MaskOp[]): void {
  const { width, height } = ctx.canvas;
  ctx.save();
  ctx.globalCompositeOperation = 'source-over';
  ctx.fillStyle = '#000000';
  ctx.fillRect(0, 0, width, height);
  ctx.restore();
  for (const op of ops) {
    if (op.kind === 'stroke') drawStroke(ctx, op.stroke);
    else if (op.kind === 'clear') {
      ctx.fillStyle = '#000000';
      ctx.fillRect(0, 0, width, height);
    } else {
      // Invert: white − pixel, i.e. the difference with white.
      ctx.save();
      ctx.globalCompositeOperation = 'difference';
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, width, height);
      ctx.restore();
    }
  }
}

/** The mask tinted for display over the image: white → `color`, black → transparent. */
export function drawOverlay(view: Ctx, mask: HTMLCanvasElement, color = '#ff3b3b'): void {
  const { width, height } = view.canvas;
  view.save();
  view.clearRect(0, 0, width, height);
  view.globalCompositeOperation = 'source-over';
  view.fillStyle = color;
  view.fillRect(0, 0, width, height);
  // Keep the tint only where the mask is white: its luminance as alpha.
  view.globalCompositeOperation = 'destination-in';
  view.drawImage(lumaAsAlpha(mask), 0, 0);
  view.restore();
}

let lumaCanvas: HTMLCanvasElement | null = null;

/** A copy of the mask whose alpha is the mask's gray value (for {@link drawOverlay}). */
function lumaAsAlpha(mask: HTMLCanvasElement): HTMLCanvasElement {
  const c = (lumaCanvas ??= document.createElement('canvas'));
  c.width = mask.width;
  c.height = mask.height;
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(mask, 0, 0);
  const img = ctx.getImageData(0, 0, c.width, c.height);
  const d = img.data;
  for (let i = 0; i < d.length; i += 4) {
    d[i + 3] = d[i]!;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

/**
 * The mask as a PNG: the replayed operations, blurred by `feather` px (0 = hard edges).
 * Same size as the image: the runtime refuses a mask of another size.
 */
export async function exportMask(
  ops: readonly MaskOp[],
  width: number,
  height: number,
  feather: number,
): Promise<Blob> {
  const hard = document.createElement('canvas');
  hard.width = width;
  hard.height = height;
  drawOps(hard.getContext('2d')!, ops);
  let out = hard;
  if (feather > 0) {
    out = document.createElement('canvas');
    out.width = width;
    out.height = height;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#000000';
    ctx.fillRect(0, 0, width, height);
    ctx.filter = `blur(${feather}px)`;
    ctx.drawImage(hard, 0, 0);
  }
  return new Promise((resolve, reject) =>
    out.toBlob(
      (b) => (b ? resolve(b) : reject(new Error('the mask could not be encoded'))),
      'image/png',
    ),
  );
}
