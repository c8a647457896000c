/**
 * The mask painter's edit history (pure, no DOM): every change is an operation — a brush or
 * eraser stroke, clear, invert — kept in order, so undo/redo replays the list (Photoshop's and
 * Krita's history model, small: a mask has tens of strokes, replaying them is instant). Points
 * and sizes are in image pixels.
 */

/** One brush (`paint`: white = repaint) or eraser (`erase`: back to black = keep) stroke. */
export interface Stroke {
  mode: 'paint' | 'erase';
  /** Brush diameter, image px. */
  size: number;
  /** The pointer path, image px; one point is a dab. */
  points: [number, number][];
}

export type MaskOp = { kind: 'stroke'; stroke: Stroke } | { kind: 'clear' } | { kind: 'invert' };

export interface MaskHistory {
  /** Applied operations, oldest first. */
  done: MaskOp[];
  /** Undone operations, the next redo last. */
  undone: MaskOp[];
}

export const emptyHistory = (): MaskHistory => ({ done: [], undone: [] });

/** `h` with `op` applied; a new edit drops the redo list (as every editor does). */
export function apply(h: MaskHistory, op: MaskOp): MaskHistory {
  return { done: [...h.done, op], undone: [] };
}

/** `h` with its last operation undone (unchanged when there is none). */
export function undo(h: MaskHistory): MaskHistory {
  const last = h.done.at(-1);
  return last ? { done: h.done.slice(0, -1), undone: [...h.undone, last] } : h;
}

/** `h` with the last undone operation applied again (unchanged when there is none). */
export function redo(h: MaskHistory): MaskHistory {
  const next = h.undone.at(-1);
  return next ? { done: [...h.done, next], undone: h.undone.slice(0, -1) } : h;
}

/** Strokes that still show: those after the last clear (for counts and "is it empty?"). */
export function visibleStrokes(h: MaskHistory): number {
  let n = 0;
  for (const op of h.done) {
    if (op.kind === 'clear') n = 0;
    else if (op.kind === 'stroke') n++;
  }
  return n;
}
