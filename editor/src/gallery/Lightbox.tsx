/**
 * The lightbox: the full image, ←/→ to move through the loaded list (loading more at the end),
 * Esc to close (the comparison too), i to toggle the metadata panel, f to favorite; buttons for favorite, trash /
 * restore, open workflow, rerun, "paint mask" (the mask painter on this image, then back to the canvas),
 * "more like this" (similar images) and "compare with…" (pick a second image).
 */
import { useEffect, useState } from 'react';
import { useGallery, step, patchItem, setFilters } from './state';
import { galleryApi, imageUrl, type Detail } from './api';
import { MetaPanel } from './MetaPanel';
import { openWorkflow, rerun, setFavorite, trashOrRestore } from './actions';
import { toast } from '../state/toasts';
import { useUi } from '../state/ui';

export function Lightbox() {
  const uuid = useGallery((s) => s.lightbox);
  const infoOpen = useGallery((s) => s.infoOpen);
  const q = useGallery((s) => s.filters.q);
  const inTrash = useGallery((s) => !!s.filters.trash);
  const [d, setD] = useState<Detail | null>(null);

  useEffect(() => {
    if (!uuid) return setD(null);
    let live = true;
    galleryApi.detail(uuid).then(
      (x) => live && setD(x),
      (e: Error) => toast(`Cannot load the image details: ${e.message}`, 'error'),
    );
    return () => {
      live = false;
    };
  }, [uuid]);

  if (!uuid) return null;
  const cur = d?.uuid === uuid ? d : null;
  const fav = cur?.isFavorite ?? false;

  const onTags = (add: string[], remove: string[]) =>
    void galleryApi
      .patch(uuid, { addTags: add, removeTags: remove })
      .then(setD, (e: Error) => toast(`Tags: ${e.message}`, 'error'));

  return (
    <div
      className="gal-lightbox"
      data-testid="lightbox"
      data-uuid={uuid}
      role="dialog"
      aria-label="Image viewer"
    >
      <div className="gal-lb-main">
        <div className="gal-lb-bar">
          <button onClick={() => step(-1)} title="Previous (←)" aria-label="Previous">
            ←
          </button>
          <button onClick={() => step(1)} title="Next (→)" aria-label="Next">
            →
          </button>
          <button
            onClick={() =>
              void setFavorite(uuid, !fav).then(() =>
                setD((x) => (x ? { ...x, isFavorite: !fav } : x)),
              )
            }
            data-testid="lb-favorite"
            aria-pressed={fav}
            title="Favorite (F)"
          >
            {fav ? '★ Favorite' : '☆ Favorite'}
          </button>
          <button onClick={() => void trashOrRestore(uuid)} data-testid="lb-trash">
            {inTrash ? 'Restore' : 'Trash'}
          </button>
          <button
            onClick={() => void openWorkflow(uuid)}
            disabled={!cur?.hasWorkflow}
            data-testid="lb-open-workflow"
            title="Load this image's workflow into the editor"
          >
            Open workflow
          </button>
          <button
            onClick={() => void rerun(uuid, cur?.runId ?? null)}
            disabled={!cur?.hasWorkflow}
            data-testid="lb-rerun"
          >
            Rerun
          </button>
          <button
            onClick={() => {
              useGallery.setState({ open: false, lightbox: null });
              useUi.setState({ maskPainter: { uuid } });
            }}
            data-testid="lb-paint-mask"
            title="Paint a mask on this image for inpainting (white = repaint)"
          >
            Paint mask…
          </button>
          <button
            onClick={() => {
              useGallery.setState({ lightbox: null });
              setFilters({
                ...useGallery.getState().filters,
                q: undefined,
                mode: undefined,
                similarTo: uuid,
              });
            }}
            data-testid="lb-more-like"
            title="Show the images nearest to this one by meaning (needs an embedding model)"
          >
            More like this
          </button>
          <button
            onClick={() => {
              useGallery.setState({ lightbox: null, selected: new Set([uuid]) });
              toast(
                'Pick a second image to compare (Ctrl-click), then press Compare',
                'info',
                4000,
              );
            }}
          >
            Compare with…
          </button>
          <span className="grow" />
          <button
            onClick={() => useGallery.setState({ infoOpen: !infoOpen })}
            title="Info (i)"
            aria-pressed={infoOpen}
          >
            i
          </button>
          <button
            onClick={() => useGallery.setState({ lightbox: null })}
            title="Close (Esc)"
            aria-label="Close"
          >
            ✕
          </button>
        </div>
        <div className="gal-lb-image">
          <img src={imageUrl(uuid)} alt={cur?.prompt ?? ''} data-testid="lightbox-image" />
        </div>
      </div>
      {infoOpen && cur && (
        <MetaPanel
          d={cur}
          q={q}
          onTags={onTags}
          onJump={(u) => {
            patchItem(u, {});
            useGallery.setState({ lightbox: u });
          }}
        />
      )}
    </div>
  );
}

/** Keyboard for the gallery while it is open (capture phase, so canvas shortcuts stay quiet). */
export function installGalleryKeys(): () => void {
  const onKey = (e: KeyboardEvent) => {
    const s = useGallery.getState();
    if (!s.open) return;
    const el = e.target as HTMLElement | null;
    const typing =
      !!el &&
      (el.tagName === 'INPUT' ||
        el.tagName === 'TEXTAREA' ||
        el.tagName === 'SELECT' ||
        el.isContentEditable);
    if (typing) {
      if (e.key === 'Escape') (el as HTMLElement).blur();
      e.stopPropagation();
      return;
    }
    e.stopPropagation();
    if (s.lightbox) {
      if (e.key === 'ArrowRight') step(1);
      else if (e.key === 'ArrowLeft') step(-1);
      else if (e.key === 'Escape') useGallery.setState({ lightbox: null });
      else if (e.key === 'i') useGallery.setState({ infoOpen: !s.infoOpen });
      else if (e.key === 'f') {
        const it = s.items.find((x) => x.uuid === s.lightbox);
        if (it) void setFavorite(it.uuid, !it.isFavorite);
      } else return;
      e.preventDefault();
    } else if (e.key === 'Escape') {
      if (s.compare) useGallery.setState({ compare: null });
      else if (s.selected.size) useGallery.setState({ selected: new Set() });
      else useGallery.setState({ open: false });
    }
  };
  window.addEventListener('keydown', onKey, true);
  return () => window.removeEventListener('keydown', onKey, true);
}
