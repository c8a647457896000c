/** The mask painter's history (editor/src/mask/history.ts): strokes, clear and invert undo and redo in order. */
import { describe, expect, it } from 'vitest';
import {
  apply,
  emptyHistory,
  redo,
  undo,
  visibleStrokes,
  type MaskOp,
} from '../../../editor/src/mask/history';

const stroke = (x: number): MaskOp => ({
  kind: 'stroke',
  stroke: { mode: 'paint', size: 8, points: [[x, x]] },
});

describe('mask history', () => {
  it('undo and redo walk the operations back and forth; a new edit drops the redo list', () => {
    let h = apply(apply(emptyHistory(), stroke(1)), stroke(2));
    expect(visibleStrokes(h)).toBe(2);
    h = undo(h);
    expect(h.done).toEqual([stroke(1)]);
    expect(h.undone).toEqual([stroke(2)]);
    h = redo(h);
    expect(h.done).toEqual([stroke(1), stroke(2)]);
    h = apply(undo(h), stroke(3));
    expect(h.done).toEqual([stroke(1), stroke(3)]);
    expect(redo(h)).toEqual(h);
  });

  it('clear and invert are undoable operations; strokes before a clear no longer count', () => {
    let h = apply(apply(apply(emptyHistory(), stroke(1)), { kind: 'clear' }), stroke(2));
    expect(visibleStrokes(h)).toBe(1);
    h = apply(h, { kind: 'invert' });
    expect(h.done.at(-1)).toEqual({ kind: 'invert' });
    h = undo(undo(undo(h)));
    expect(visibleStrokes(h)).toBe(1);
    expect(undo(undo(h))).toEqual(undo(undo(undo(h))));
  });
});
