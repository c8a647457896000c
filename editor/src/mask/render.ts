/**
 * Drawing the mask (canvas 2D): the history's operations replayed onto a canvas of the image's
 * size — the mask (black, white = repaint) or its tinted view — one stroke segment at a time
 * while painting, and the exported PNG — feathered with a Gaussian blur of the given radius (canvas `filter: blur()`), so the
 * repainted area fades into the kept one instead of leaving a seam.
 */
import type { MaskOp, Stroke } from './history';

type Ctx = CanvasRenderingContext2D;

/**
 * Where a replay draws: the `mask` itself (black/white, what is saved) or the `view` shown over
 * the image (tint where the mask is white, transparent elsewhere). The view is drawn with
 * compositing alone — no per-pixel pass — so painting on a 12 MP photo stays smooth.
 */
export type Target = 'mask' | 'view';

/** Tint of the repaint area in the view. */
export const TINT = '#ff3b3b';

/** Draws one stroke (or the part from point `from` on): paint → white / tint, erase → black / clear. */
export function drawStroke(ctx: Ctx, s: Stroke, from = 0, target: Target = 'mask'): void {
  ctx.save();
  const erase = s.mode === 'erase';
  ctx.globalCompositeOperation = target === 'view' && erase ? 'destination-out' : 'source-over';
  const color = target === 'view' ? TINT : erase ? '#000000' : '#ffffff';
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = s.size;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  const pts = s.points;
  if (from === 0) {
    // The dab where the stroke starts: a click that never moves is a zero-length path, which
    // canvas prunes before stroking (HTML spec), so the round cap alone would draw nothing.
    ctx.beginPath();
    ctx.arc(pts[0]![0], pts[0]![1], s.size / 2, 0, Math.PI * 2);
    ctx.fill();
  }
  if (pts.length > 1) {
    ctx.beginPath();
    const start = Math.max(0, from - 1);
    ctx.moveTo(pts[start]![0], pts[start]![1]);
    for (let i = start + 1; i < pts.length; i++) ctx.lineTo(pts[i]![0], pts[i]![1]);
    ctx.stroke();
  }
  ctx.restore();
}

/** Replays `ops` onto `ctx` (its canvas is w × h image px), starting from an empty mask. */
export function drawOps(ctx: Ctx, ops: readonly MaskOp[], target: Target = 'mask'): void {
  const { width, height } = ctx.canvas;
  const reset = () => {
    ctx.save();
    ctx.globalCompositeOperation = 'source-over';
    if (target === 'view') ctx.clearRect(0, 0, width, height);
    else {
      ctx.fillStyle = '#000000';
      ctx.fillRect(0, 0, width, height);
    }
    ctx.restore();
  };
  reset();
  for (const op of ops) {
    if (op.kind === 'stroke') drawStroke(ctx, op.stroke, 0, target);
    else if (op.kind === 'clear') reset();
    else {
      // Invert: the mask is white − pixel (difference with white); the view swaps tint and clear (xor).
      ctx.save();
      ctx.globalCompositeOperation = target === 'view' ? 'xor' : 'difference';
      ctx.fillStyle = target === 'view' ? TINT : '#ffffff';
      ctx.fillRect(0, 0, width, height);
      ctx.restore();
    }
  }
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
