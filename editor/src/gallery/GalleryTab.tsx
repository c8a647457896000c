/**
 * The gallery's entry in the editor shell: a "Gallery" tab button and, when open, the gallery
 * view over the canvas (the canvas stays mounted underneath, so "open workflow" lands on it).
 * The shell renders `<GalleryTab />` once; everything else lives in editor/src/gallery/.
 */
import { useEffect } from 'react';
import { useGallery } from './state';
import { GalleryView } from './GalleryView';
import { installGalleryKeys } from './Lightbox';
import './gallery.css';
import { useApp, hashFor } from '../app/state';
import { AppView } from '../app/AppView';
import { useGraph } from '../state/graph';

type View = 'editor' | 'app' | 'gallery';

/** Shows one of the three views; the App view's URL is `#/app/<graphId>` once the graph is saved. */
export function showView(view: View): void {
  useGallery.setState({ open: view === 'gallery' });
  useApp.setState({ open: view === 'app' });
  const id = useGraph.getState().head.id;
  if (id && view !== 'gallery') history.replaceState(null, '', hashFor(id));
}

export function GalleryTab() {
  const open = useGallery((s) => s.open);
  const appOpen = useApp((s) => s.open);
  const appLightbox = useGallery((s) => !s.open && s.lightbox !== null);
  // The lightbox and the comparison fill the window; the tab switch (bottom centre) would sit on
  // the picture, and switching to the editor from there is not what those views are for.
  const overlay = useGallery((s) => s.open && (s.lightbox !== null || s.compare !== null));
  useEffect(() => installGalleryKeys(), []);
  return (
    <>
      <div className="gal-tabs" role="tablist" hidden={overlay || (appOpen && appLightbox)}>
        <button role="tab" aria-selected={!open && !appOpen} className={!open && !appOpen ? 'active' : ''} onClick={() => showView('editor')} data-testid="tab-editor">
          Editor
        </button>
        <button role="tab" aria-selected={!open && appOpen} className={!open && appOpen ? 'active' : ''} onClick={() => showView('app')} data-testid="tab-app">
          App
        </button>
        <button role="tab" aria-selected={open} className={open ? 'active' : ''} onClick={() => showView('gallery')} data-testid="tab-gallery">
          Gallery
        </button>
      </div>
      {appOpen && !open && <AppView />}
      {open && <GalleryView />}
    </>
  );
}
