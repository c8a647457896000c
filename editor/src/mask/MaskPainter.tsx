/**
 * The mask painter (issue 14 item 2), over any library image (a Load image node's, a gallery
 * image): paint with the brush (white = repaint), erase, brush size, feather (blur radius of the
 * saved mask), invert, clear, undo/redo of each of these (Ctrl+Z / Ctrl+Shift+Z or Ctrl+Y; B / E
 * switch tools, [ and ] change the size). The mask is drawn at the image's own pixel size on a
 * canvas 2D (./render.ts) and saved as a mask upload with lineage to the image
 * (POST /api/uploads kind=mask), then placed in the graph (./wire.ts).
 */
import { useCallback, useEffect, useRef, useState, type PointerEvent } from 'react';
import { api, ApiError, generationImageUrl } from '../api/client';
import { useUi } from '../state/ui';
import { toast } from '../state/toasts';
import {
  apply,
  emptyHistory,
  redo,
  undo,
  visibleStrokes,
  type MaskHistory,
  type Stroke,
} from './history';
import { drawOps, drawStroke, exportMask } from './render';
import { placeMask } from './wire';
import { addNode } from '../graph/ops';

type Tool = 'paint' | 'erase';

export function MaskPainter() {
  const open = useUi((s) => s.maskPainter);
  if (!open) return null;
  return <Painter key={open.uuid} uuid={open.uuid} nodeId={open.nodeId} />;
}

function Painter({ uuid, nodeId }: { uuid: string; nodeId?: string }) {
  const [size, setSize] = useState<{ w: number; h: number }>();
  const [tool, setTool] = useState<Tool>('paint');
  const [brush, setBrush] = useState(24);
  const [feather, setFeather] = useState(0);
  const [history, setHistory] = useState<MaskHistory>(emptyHistory);
  const [saving, setSaving] = useState(false);
  const viewRef = useRef<HTMLCanvasElement>(null);
  const stroke = useRef<Stroke | null>(null);
  const cursor = useRef<HTMLDivElement>(null);
  const close = useCallback(() => useUi.setState({ maskPainter: undefined }), []);

  // The view (the tinted mask over the image) is replayed from the history on every change; the
  // saved PNG is rendered from the same operations (./render.ts exportMask).
  useEffect(() => {
    const view = viewRef.current;
    if (size && view) drawOps(view.getContext('2d')!, history.done, 'view');
  }, [size, history]);

  const at = (e: PointerEvent<HTMLCanvasElement>): [number, number] => {
    const r = e.currentTarget.getBoundingClientRect();
    const c = e.currentTarget;
    return [
      ((e.clientX - r.left) * c.width) / r.width,
      ((e.clientY - r.top) * c.height) / r.height,
    ];
  };
  const onDown = (e: PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    e.currentTarget.setPointerCapture(e.pointerId);
    stroke.current = { mode: tool, size: brush, points: [at(e)] };
    drawStroke(e.currentTarget.getContext('2d')!, stroke.current, 0, 'view');
  };
  // The brush outline follows the pointer at the size it paints (image px → screen px).
  const moveCursor = (e: PointerEvent<HTMLCanvasElement>) => {
    const el = cursor.current;
    if (!el) return;
    const r = e.currentTarget.getBoundingClientRect();
    const d = (brush * r.width) / e.currentTarget.width;
    el.style.display = 'block';
    el.style.width = el.style.height = `${d}px`;
    el.style.transform = `translate(${e.clientX - r.left - d / 2}px, ${e.clientY - r.top - d / 2}px)`;
  };
  const onMove = (e: PointerEvent<HTMLCanvasElement>) => {
    moveCursor(e);
    const s = stroke.current;
    if (!s) return;
    const from = s.points.length;
    const events = e.nativeEvent.getCoalescedEvents?.() ?? [];
    if (events.length)
      for (const ce of events)
        s.points.push(at({ ...e, clientX: ce.clientX, clientY: ce.clientY } as typeof e));
    else s.points.push(at(e));
    drawStroke(e.currentTarget.getContext('2d')!, s, from, 'view');
  };
  const onUp = () => {
    const s = stroke.current;
    stroke.current = null;
    if (s) setHistory((h) => apply(h, { kind: 'stroke', stroke: s }));
  };

  const save = async () => {
    if (!size) return;
    setSaving(true);
    try {
      const blob = await exportMask(history.done, size.w, size.h, feather);
      const up = await api.upload(blob, 'mask.png', { kind: 'mask', parent: uuid });
      // From the gallery: the image comes onto the canvas too, in a Load image node of its own.
      const origin = nodeId ?? addNode('load-image', { x: 0, y: 0 }, undefined, { source: uuid });
      const placed = placeMask(up.uuid, origin);
      toast(
        placed.wired.length
          ? `Mask saved and connected to ${placed.wired.join(', ')} (white = repaint)`
          : 'Mask saved (white = repaint): connect its Load image node to a mask input',
        'success',
      );
      close();
    } catch (e) {
      toast(
        `Cannot save the mask: ${e instanceof ApiError ? e.message : (e as Error).message}`,
        'error',
      );
    } finally {
      setSaving(false);
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (k === 'escape') close();
      else if (mod && (k === 'y' || (k === 'z' && e.shiftKey))) setHistory(redo);
      else if (mod && k === 'z') setHistory(undo);
      else if (mod) return;
      else if (k === 'b') setTool('paint');
      else if (k === 'e') setTool('erase');
      else if (k === '[') setBrush((b) => Math.max(1, Math.round(b / 1.25)));
      else if (k === ']') setBrush((b) => Math.min(512, Math.round(b * 1.25) + 1));
      else return;
      e.preventDefault();
      e.stopPropagation();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [close]);

  const strokes = visibleStrokes(history);
  return (
    <div className="overlay mask-overlay">
      <div
        className="dialog mask-painter"
        role="dialog"
        aria-label="Paint a mask"
        data-testid="mask-painter"
        data-strokes={strokes}
        data-ops={history.done.length}
      >
        <div className="mask-tools">
          <strong>Mask</strong>
          <button
            className={tool === 'paint' ? 'on' : ''}
            onClick={() => setTool('paint')}
            title="Brush: paint the area to repaint (B)"
            data-testid="mask-brush"
          >
            Brush
          </button>
          <button
            className={tool === 'erase' ? 'on' : ''}
            onClick={() => setTool('erase')}
            title="Eraser: back to keep (E)"
            data-testid="mask-eraser"
          >
            Eraser
          </button>
          <label title="Brush size, image pixels ([ and ])">
            Size
            <input
              type="range"
              min={1}
              max={256}
              value={Math.min(brush, 256)}
              onChange={(e) => setBrush(Number(e.target.value))}
              data-testid="mask-size"
            />
            <span>{brush}px</span>
          </label>
          <label title="Feather: blur radius of the saved mask's edge, image pixels">
            Feather
            <input
              type="range"
              min={0}
              max={64}
              value={feather}
              onChange={(e) => setFeather(Number(e.target.value))}
              data-testid="mask-feather"
            />
            <span>{feather}px</span>
          </label>
          <button
            onClick={() => setHistory((h) => apply(h, { kind: 'invert' }))}
            data-testid="mask-invert"
          >
            Invert
          </button>
          <button
            onClick={() => setHistory((h) => apply(h, { kind: 'clear' }))}
            data-testid="mask-clear"
          >
            Clear
          </button>
          <button
            onClick={() => setHistory(undo)}
            disabled={!history.done.length}
            title="Undo (Ctrl+Z)"
            data-testid="mask-undo"
          >
            Undo
          </button>
          <button
            onClick={() => setHistory(redo)}
            disabled={!history.undone.length}
            title="Redo (Ctrl+Shift+Z)"
            data-testid="mask-redo"
          >
            Redo
          </button>
          <span className="mask-spacer" />
          <button onClick={close}>Cancel</button>
          <button
            className="primary"
            onClick={() => void save()}
            disabled={!size || saving}
            data-testid="mask-save"
          >
            {saving ? 'Saving…' : 'Save mask'}
          </button>
        </div>
        <div className="mask-stage">
          <img
            src={generationImageUrl(uuid)}
            alt="the image being masked"
            draggable={false}
            onLoad={(e) =>
              setSize({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })
            }
            data-testid="mask-image"
          />
          {size && (
            <canvas
              ref={viewRef}
              width={size.w}
              height={size.h}
              className={`mask-canvas tool-${tool}`}
              onPointerDown={onDown}
              onPointerMove={onMove}
              onPointerUp={onUp}
              onPointerCancel={onUp}
              onPointerLeave={() => cursor.current && (cursor.current.style.display = 'none')}
              data-testid="mask-canvas"
            />
          )}
          <div ref={cursor} className={`mask-cursor tool-${tool}`} aria-hidden />
        </div>
        <p className="muted small-print">
          White = repaint, the rest is kept. {size ? `${size.w}×${size.h} px` : 'Loading…'} ·{' '}
          {strokes} stroke{strokes === 1 ? '' : 's'}
        </p>
      </div>
    </div>
  );
}
