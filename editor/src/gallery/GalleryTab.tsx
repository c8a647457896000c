/**
 * The view tabs of the editor shell (Editor / App / Gallery) and, when open, the App view (issue
 * 20) or the gallery view over the canvas (the canvas stays mounted underneath, so "open
 * workflow" lands on it and App and Editor share one graph).
 * The shell renders `<GalleryTab />` once; everything else lives in editor/src/gallery/.
 */
import { useEffect } from 'react';
import { useGallery } from './state';
import { GalleryView } from './GalleryView';
import { installGalleryKeys } from './Lightbox';
import './gallery.css';
import { useApp } from '../app/state';
import { showView } from '../app/view';
import { AppView } from '../app/AppView';

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
        <button
          role="tab"
          aria-selected={!open && !appOpen}
          className={!open && !appOpen ? 'active' : ''}
          onClick={() => showView('editor')}
          data-testid="tab-editor"
        >
          Editor
        </button>
        <button
          role="tab"
          aria-selected={!open && appOpen}
          className={!open && appOpen ? 'active' : ''}
          onClick={() => showView('app')}
          data-testid="tab-app"
        >
          App
        </button>
        <button
          role="tab"
          aria-selected={open}
          className={open ? 'active' : ''}
          onClick={() => showView('gallery')}
          data-testid="tab-gallery"
        >
          Gallery
        </button>
      </div>
      {appOpen && !open && <AppView />}
      {open && <GalleryView />}
    </>
  );
}
