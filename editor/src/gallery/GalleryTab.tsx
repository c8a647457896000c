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

export function GalleryTab() {
  const open = useGallery((s) => s.open);
  // The lightbox and the comparison fill the window; the tab switch (bottom centre) would sit on
  // the picture, and switching to the editor from there is not what those views are for.
  const overlay = useGallery((s) => s.open && (s.lightbox !== null || s.compare !== null));
  useEffect(() => installGalleryKeys(), []);
  return (
    <>
      <div className="gal-tabs" role="tablist" hidden={overlay}>
        <button role="tab" aria-selected={!open} className={!open ? 'active' : ''} onClick={() => useGallery.setState({ open: false })} data-testid="tab-editor">
          Editor
        </button>
        <button role="tab" aria-selected={open} className={open ? 'active' : ''} onClick={() => useGallery.setState({ open: true })} data-testid="tab-gallery">
          Gallery
        </button>
      </div>
      {open && <GalleryView />}
    </>
  );
}
