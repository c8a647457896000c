/**
 * The gallery view (issue 8): filter panel, virtualized grid, batch bar, lightbox and comparison;
 * the Tags view (issue 17) edits the taxonomy.
 * It loads the first page and the facets when opened; "Empty trash" removes files for good.
 */
import { useCallback, useEffect, useState } from 'react';
import { useGallery, reload } from './state';
import { galleryApi, type Collection, type Facets } from './api';
import { FilterPanel } from './FilterPanel';
import { Grid } from './Grid';
import { Lightbox } from './Lightbox';
import { BatchBar } from './BatchBar';
import { Compare } from './Compare';
import { TagsView } from './TagsView';
import { toast } from '../state/toasts';

export function GalleryView() {
  const compare = useGallery((s) => s.compare);
  const inTrash = useGallery((s) => !!s.filters.trash);
  const [facets, setFacets] = useState<Facets | null>(null);
  const [collections, setCollections] = useState<Collection[]>([]);
  const [tagsOpen, setTagsOpen] = useState(false);
  const refreshMeta = useCallback(() => {
    void galleryApi.facets().then(setFacets, () => {});
    void galleryApi.collections().then(setCollections, () => {});
  }, []);

  useEffect(() => {
    reload();
    refreshMeta();
    window.addEventListener('mysti:gallery-meta', refreshMeta);
    return () => window.removeEventListener('mysti:gallery-meta', refreshMeta);
  }, [refreshMeta]);

  return (
    <div className="gal-view" data-testid="gallery">
      <FilterPanel facets={facets} collections={collections} />
      <div className="gal-center">
        <div className="gal-top">
          <BatchBar collections={collections} onChanged={refreshMeta} />
          <span className="grow" />
          {inTrash && (
            <button
              data-testid="empty-trash"
              onClick={() => {
                if (
                  !window.confirm(
                    'Delete every image in the trash and its files? This cannot be undone.',
                  )
                )
                  return;
                void galleryApi.emptyTrash().then(
                  (r) => {
                    toast(`Removed ${r.removed} images`, 'success');
                    reload();
                    refreshMeta();
                  },
                  (e: Error) => toast(e.message, 'error'),
                );
              }}
            >
              Empty trash
            </button>
          )}
          <button
            onClick={() => setTagsOpen(true)}
            data-testid="open-tags"
            title="Rename, merge, recategorize and delete tags"
          >
            Tags
          </button>
          <button
            onClick={() => {
              reload();
              refreshMeta();
            }}
            title="Reload"
          >
            ⟳
          </button>
        </div>
        <Grid />
      </div>
      <Lightbox />
      {compare && <Compare pair={compare} />}
      {tagsOpen && <TagsView onClose={() => setTagsOpen(false)} />}
    </div>
  );
}
