/**
 * The "Tags" view of the gallery (issue 17 §6): every tag with its image count, aliases and
 * category; rename in place, recategorize, merge into another tag (its images are re-labelled and
 * its name becomes an alias, so later LLM output lands on the kept tag), delete.
 */
import { useCallback, useEffect, useState } from 'react';
import { galleryApi, type TaxonomyTag } from './api';
import { reload } from './state';
import { toast } from '../state/toasts';

export function TagsView({ onClose }: { onClose: () => void }) {
  const [tags, setTags] = useState<TaxonomyTag[]>([]);
  const [categories, setCategories] = useState<string[]>([]);
  const [filter, setFilter] = useState('');
  const refresh = useCallback(() => {
    void galleryApi.tags().then(
      (r) => {
        setTags(r.tags);
        setCategories(r.categories);
      },
      (e: Error) => toast(`Tags: ${e.message}`, 'error'),
    );
  }, []);
  useEffect(refresh, [refresh]);

  const done = (msg?: string) => {
    if (msg) toast(msg, 'success');
    refresh();
    reload();
    window.dispatchEvent(new Event('mysti:gallery-meta'));
  };
  const fail = (e: Error) => toast(e.message, 'error');
  const shown = filter ? tags.filter((t) => t.name.includes(filter.toLowerCase())) : tags;

  return (
    <div className="gal-taxonomy" data-testid="tags-view" role="dialog" aria-label="Tags">
      <div className="gal-taxonomy-bar">
        <strong>Tags</strong>
        <input
          type="search"
          placeholder="Filter tags…"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          aria-label="Filter tags"
        />
        <span className="grow" />
        <button onClick={onClose} data-testid="tags-close">
          Close
        </button>
      </div>
      <table>
        <thead>
          <tr>
            <th>Tag</th>
            <th>Images</th>
            <th>Category</th>
            <th>Aliases</th>
            <th>Merge into</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {shown.map((t) => (
            <tr key={t.id} data-testid="tag-row" data-tag={t.name}>
              <td>
                <input
                  defaultValue={t.name}
                  aria-label={`Rename ${t.name}`}
                  data-testid="tag-name"
                  onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()}
                  onBlur={(e) => {
                    const name = e.target.value.trim();
                    if (name && name !== t.name)
                      void galleryApi
                        .patchTag(t.id, { name })
                        .then(() => done(`Renamed to ${name}`), fail);
                  }}
                />
              </td>
              <td>{t.count}</td>
              <td>
                <select
                  value={t.category ?? ''}
                  onChange={(e) =>
                    void galleryApi
                      .patchTag(t.id, { category: e.target.value || null })
                      .then(() => done(), fail)
                  }
                  aria-label={`Category of ${t.name}`}
                >
                  <option value="">—</option>
                  {categories.map((c) => (
                    <option key={c} value={c}>
                      {c}
                    </option>
                  ))}
                </select>
              </td>
              <td className="gal-taxonomy-aliases">{t.aliases.join(', ')}</td>
              <td>
                <select
                  value=""
                  data-testid="tag-merge"
                  aria-label={`Merge ${t.name} into`}
                  onChange={(e) => {
                    const into = Number(e.target.value);
                    const target = tags.find((x) => x.id === into);
                    if (
                      !target ||
                      !window.confirm(
                        `Merge "${t.name}" into "${target.name}"? Its ${t.count} images get "${target.name}".`,
                      )
                    )
                      return;
                    void galleryApi
                      .mergeTags([t.id], into)
                      .then((r) => done(`Merged: ${r.relabelled} images re-labelled`), fail);
                  }}
                >
                  <option value="">…</option>
                  {tags
                    .filter((x) => x.id !== t.id)
                    .map((x) => (
                      <option key={x.id} value={x.id}>
                        {x.name}
                      </option>
                    ))}
                </select>
              </td>
              <td>
                <button
                  data-testid="tag-delete"
                  onClick={() =>
                    window.confirm(`Delete "${t.name}" from ${t.count} images?`) &&
                    void galleryApi.deleteTag(t.id).then(() => done(`Deleted ${t.name}`), fail)
                  }
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
