/**
 * The filter panel: debounced search (250 ms), tag (with suggestions from the facets), tag source,
 * model (from the images' models), date range, minimum size, favorites, collection, trash. Every
 * change reloads the grid from its first keyset page.
 */
import { useEffect, useState } from 'react';
import { useGallery, setFilters } from './state';
import {
  galleryApi,
  type Collection,
  type Facets,
  type Filters,
  type SearchMode,
  type TagSource,
} from './api';
import { InlineInput } from './InlineInput';
import { toast } from '../state/toasts';

const day = (ms?: number) => (ms === undefined ? '' : new Date(ms).toISOString().slice(0, 10));
const parseDay = (v: string, end: boolean) =>
  v ? Date.parse(`${v}T${end ? '23:59:59.999' : '00:00:00.000'}Z`) : undefined;

export function FilterPanel({
  facets,
  collections,
}: {
  facets: Facets | null;
  collections: Collection[];
}) {
  const filters = useGallery((s) => s.filters);
  const [text, setText] = useState(filters.q ?? '');
  const set = (patch: Partial<Filters>) =>
    setFilters({ ...useGallery.getState().filters, ...patch });

  useEffect(() => {
    const t = setTimeout(() => {
      if ((useGallery.getState().filters.q ?? '') !== text) set({ q: text || undefined });
    }, 250);
    return () => clearTimeout(t);
  }, [text]);

  return (
    <aside className="gal-filters" data-testid="gallery-filters">
      <input
        type="search"
        placeholder="Search prompts and tags…"
        value={text}
        onChange={(e) => setText(e.target.value)}
        data-testid="gallery-search"
        aria-label="Search"
      />
      <label>
        Match
        <select
          value={filters.mode ?? ''}
          onChange={(e) => set({ mode: (e.target.value || undefined) as SearchMode | undefined })}
          data-testid="gallery-mode"
          title="Words: full-text. Meaning: embeddings. Both: fused (the default once an embedding model is set)."
        >
          <option value="">default</option>
          <option value="text">words</option>
          <option value="semantic">meaning</option>
          <option value="hybrid">both</option>
        </select>
      </label>
      {filters.similarTo && (
        <div className="gal-similar" data-testid="gallery-similar">
          More like this image{' '}
          <button onClick={() => set({ similarTo: undefined })} aria-label="Clear more like this">
            ✕
          </button>
        </div>
      )}
      <label>
        Tag
        <input
          list="gal-tags"
          value={filters.tag ?? ''}
          onChange={(e) => set({ tag: e.target.value || undefined })}
          data-testid="gallery-tag"
          placeholder="any"
        />
        <datalist id="gal-tags">
          {facets?.tags.map((t) => (
            <option key={t.name} value={t.name}>
              {t.count}
            </option>
          ))}
        </datalist>
      </label>
      <label>
        Tag source
        <select
          value={filters.tagSource ?? ''}
          onChange={(e) =>
            set({ tagSource: (e.target.value || undefined) as TagSource | undefined })
          }
        >
          <option value="">any</option>
          <option value="user">user</option>
          <option value="llm_auto">auto (LLM)</option>
          <option value="import">import</option>
        </select>
      </label>
      <label>
        Model
        <select
          value={filters.model ?? ''}
          onChange={(e) => set({ model: e.target.value || undefined })}
          data-testid="gallery-model"
        >
          <option value="">any</option>
          {facets?.models.map((m) => (
            <option key={m.modelId} value={m.modelId}>
              {m.modelId} ({m.count})
            </option>
          ))}
        </select>
      </label>
      <label>
        From
        <input
          type="date"
          value={day(filters.from)}
          onChange={(e) => set({ from: parseDay(e.target.value, false) })}
        />
      </label>
      <label>
        To
        <input
          type="date"
          value={day(filters.to)}
          onChange={(e) => set({ to: parseDay(e.target.value, true) })}
        />
      </label>
      <label>
        Min. width
        <input
          type="number"
          min={0}
          step={64}
          value={filters.minWidth ?? ''}
          onChange={(e) => set({ minWidth: e.target.value ? Number(e.target.value) : undefined })}
        />
      </label>
      <label>
        Collection
        <select
          value={filters.collection ?? ''}
          onChange={(e) => set({ collection: e.target.value ? Number(e.target.value) : undefined })}
        >
          <option value="">all images</option>
          {collections.map((c) => (
            <option key={c.id} value={c.id}>
              {c.kind === 'smart' ? '⚙ ' : ''}
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={!!filters.favorite}
          onChange={(e) => set({ favorite: e.target.checked || undefined })}
          data-testid="gallery-favorites"
        />{' '}
        Favorites
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={!!filters.trash}
          onChange={(e) => set({ trash: e.target.checked || undefined })}
          data-testid="gallery-trash"
        />{' '}
        Trash
      </label>
      <InlineInput
        className="small"
        label="Save as smart collection"
        placeholder="smart collection name"
        title="Save these filters as a smart collection"
        testId="save-smart"
        onSubmit={(name) =>
          void galleryApi
            .createCollection(name, 'smart', { ...useGallery.getState().filters })
            .then(
              () => {
                toast(`Saved smart collection "${name}"`, 'success', 2000);
                window.dispatchEvent(new Event('mysti:gallery-meta'));
              },
              (e: Error) => toast(`Smart collection: ${e.message}`, 'error'),
            )
        }
      />
      {facets && (
        <div className="muted gal-counts">
          {facets.counts.live} images · {facets.counts.favorites} ★ · {facets.counts.trash} in trash
          {facets.counts.missing ? ` · ${facets.counts.missing} missing` : ''}
        </div>
      )}
    </aside>
  );
}
