/**
 * The gallery image picker of a Load image node (opened from its "Choose an image" button): the
 * newest library images as thumbnails (GET /api/generations, 60 at a time), searchable by prompt
 * text (the gallery's `q`). Choosing one sets the node's `source` to the generation's uuid, one
 * undo step. Enter picks the first match; Esc closes (keyboard.ts).
 */
import { useEffect, useState } from 'react';
import { api, generationThumbUrl, type GalleryImage } from '../api/client';
import { useUi } from '../state/ui';
import { useGraph } from '../state/graph';
import { setParam } from '../graph/ops';
import type { ParamNodeData } from '../graph/types';

const LIMIT = 60;
/** Typing pauses this long (ms) before the search is sent. */
const DEBOUNCE_MS = 200;

export function ImagePicker() {
  const nodeId = useUi((s) => s.imagePicker);
  const current = useGraph((s) => {
    const n = nodeId ? s.nodes.find((x) => x.id === nodeId) : undefined;
    const v = (n?.data as ParamNodeData | undefined)?.params?.source;
    return typeof v === 'string' ? v : '';
  });
  const [q, setQ] = useState('');
  const [items, setItems] = useState<GalleryImage[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setQ('');
    setItems(undefined);
    setError(undefined);
  }, [nodeId]);
  useEffect(() => {
    if (!nodeId) return;
    let live = true;
    const t = setTimeout(
      () => {
        api.recentImages(q, LIMIT).then(
          (list) => live && (setItems(list), setError(undefined)),
          (e: Error) => live && setError(e.message),
        );
      },
      q ? DEBOUNCE_MS : 0,
    );
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [nodeId, q]);
  if (!nodeId) return null;
  const close = () => useUi.setState({ imagePicker: undefined });
  const choose = (uuid: string) => {
    setParam(nodeId, 'source', uuid);
    close();
  };
  return (
    <div className="overlay" onClick={close}>
      <div
        className="dialog image-picker"
        onClick={(e) => e.stopPropagation()}
        data-testid="image-picker"
        role="dialog"
        aria-label="Choose an image"
      >
        <div className="image-picker-head">
          <h2>Choose an image</h2>
          <input
            type="search"
            autoFocus
            value={q}
            placeholder="Search prompts…"
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && items?.[0]) choose(items[0].uuid);
            }}
            data-testid="image-picker-search"
          />
          <button onClick={close}>Cancel</button>
        </div>
        {error && <p className="palette-error">Cannot list the gallery: {error}</p>}
        {!error && !items && <p className="muted">Loading…</p>}
        {items?.length === 0 && (
          <p className="muted">
            {q
              ? `No image matches “${q}”.`
              : 'No images in the gallery yet: run a workflow with a Save image node, or import a folder of images.'}
          </p>
        )}
        {!!items?.length && (
          <ul className="image-grid">
            {items.map((it) => (
              <li key={it.uuid}>
                <button
                  className={it.uuid === current ? 'current' : ''}
                  onClick={() => choose(it.uuid)}
                  title={[it.prompt, it.width && it.height ? `${it.width}×${it.height}` : '']
                    .filter(Boolean)
                    .join('\n')}
                  data-testid="picker-image"
                  data-uuid={it.uuid}
                >
                  <img
                    src={generationThumbUrl(it.uuid)}
                    alt={it.prompt ?? 'gallery image'}
                    loading="lazy"
                    draggable={false}
                  />
                  <span>{it.prompt || 'untitled'}</span>
                </button>
              </li>
            ))}
          </ul>
        )}
        <p className="muted small-print">
          Not in the gallery? Type a path inside the data folder under “Advanced” on the node.
        </p>
      </div>
    </div>
  );
}
