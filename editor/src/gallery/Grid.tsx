/**
 * The virtualized, infinite image grid (@tanstack/react-virtual): rows of square tiles sized to
 * the container; only visible rows (plus overscan) are in the DOM, so 100 k images scroll like
 * 100. Nearing the end loads the next keyset page. Click opens the lightbox; Ctrl/⌘/Shift-click
 * or the tile's checkbox selects.
 */
import { useEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useGallery, loadMore, toggleSelected } from './state';
import { thumbUrl } from './api';
import { Highlight } from './highlight';

const TILE = 196;
const GAP = 8;

export function Grid() {
  const items = useGallery((s) => s.items);
  const done = useGallery((s) => s.done);
  const loading = useGallery((s) => s.loading);
  const selected = useGallery((s) => s.selected);
  const q = useGallery((s) => s.filters.q);
  const scroller = useRef<HTMLDivElement>(null);
  const [cols, setCols] = useState(4);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const ro = new ResizeObserver(() =>
      setCols(Math.max(1, Math.floor((el.clientWidth - GAP) / (TILE + GAP)))),
    );
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const rows = Math.ceil(items.length / cols);
  const v = useVirtualizer({
    count: rows,
    getScrollElement: () => scroller.current,
    estimateSize: () => TILE + GAP,
    overscan: 3,
  });
  const virtualRows = v.getVirtualItems();
  const lastRow = virtualRows.at(-1)?.index ?? 0;
  useEffect(() => {
    if (!done && !loading && lastRow >= rows - 3) void loadMore();
  }, [lastRow, rows, done, loading]);

  return (
    <div className="gal-grid" ref={scroller} data-testid="gallery-grid">
      <div style={{ height: v.getTotalSize(), position: 'relative' }}>
        {virtualRows.map((row) => (
          <div
            key={row.key}
            className="gal-row"
            style={{ transform: `translateY(${row.start}px)`, gap: GAP, padding: `0 ${GAP}px` }}
          >
            {items.slice(row.index * cols, row.index * cols + cols).map((it) => (
              <div
                key={it.uuid}
                className={`gal-tile${selected.has(it.uuid) ? ' selected' : ''}${it.missing ? ' missing' : ''}`}
                style={{ width: TILE, height: TILE }}
                data-testid="gallery-tile"
                data-uuid={it.uuid}
                title={it.prompt ?? ''}
                onClick={(e) => {
                  if (e.ctrlKey || e.metaKey || e.shiftKey) toggleSelected(it.uuid);
                  else useGallery.setState({ lightbox: it.uuid });
                }}
              >
                <img
                  src={thumbUrl(it.uuid)}
                  alt={it.prompt ?? 'generated image'}
                  loading="lazy"
                  draggable={false}
                />
                <input
                  type="checkbox"
                  className="gal-check"
                  aria-label="Select"
                  checked={selected.has(it.uuid)}
                  onClick={(e) => e.stopPropagation()}
                  onChange={(e) => toggleSelected(it.uuid, e.target.checked)}
                />
                {it.isFavorite && (
                  <span className="gal-fav" aria-label="Favorite">
                    ★
                  </span>
                )}
                <div className="gal-caption">
                  {q ? <Highlight text={it.prompt ?? ''} q={q} /> : null}
                </div>
              </div>
            ))}
          </div>
        ))}
      </div>
      {!loading && items.length === 0 && <div className="gal-empty muted">No images match.</div>}
      {loading && <div className="gal-loading muted">Loading…</div>}
    </div>
  );
}
