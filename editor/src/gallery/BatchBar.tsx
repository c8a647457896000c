/** Actions on the multi-selection: favorite, trash / restore, tag, add to a collection, compare two. */
import { useGallery, reload } from './state';
import { galleryApi, type BatchAction, type Collection } from './api';
import { toast } from '../state/toasts';
import { InlineInput } from './InlineInput';

export function BatchBar({
  collections,
  onChanged,
}: {
  collections: Collection[];
  onChanged: () => void;
}) {
  const selected = useGallery((s) => s.selected);
  const inTrash = useGallery((s) => !!s.filters.trash);
  if (!selected.size) return null;
  const uuids = [...selected];
  const run = async (
    action: BatchAction,
    extra: { tags?: string[]; collectionId?: number } = {},
  ) => {
    try {
      const r = await galleryApi.batch(uuids, action, extra);
      toast(`${action}: ${r.changed} changed`, 'success', 2000);
      reload();
      onChanged();
    } catch (e) {
      toast(`${action}: ${(e as Error).message}`, 'error');
    }
  };
  return (
    <div className="gal-batch" data-testid="batch-bar">
      <span>{selected.size} selected</span>
      <button onClick={() => void run('favorite')}>★ Favorite</button>
      <button onClick={() => void run('unfavorite')}>☆ Unfavorite</button>
      <button onClick={() => void run(inTrash ? 'restore' : 'trash')} data-testid="batch-trash">
        {inTrash ? 'Restore' : 'Trash'}
      </button>
      <InlineInput
        label="Tag…"
        placeholder="tags, comma-separated"
        testId="batch-tag"
        onSubmit={(t) =>
          void run('addTags', {
            tags: t
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
          })
        }
      />
      <select
        value=""
        onChange={(e) =>
          e.target.value && void run('addToCollection', { collectionId: Number(e.target.value) })
        }
        aria-label="Add to collection"
      >
        <option value="">Add to collection…</option>
        {collections
          .filter((c) => c.kind === 'manual')
          .map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
      </select>
      <InlineInput
        label="New collection…"
        placeholder="collection name"
        testId="batch-new-collection"
        onSubmit={(name) =>
          void galleryApi.createCollection(name, 'manual').then(
            (c) => run('addToCollection', { collectionId: c.id }),
            (e: Error) => toast(`New collection: ${e.message}`, 'error'),
          )
        }
      />
      <button
        disabled={selected.size !== 2}
        onClick={() => useGallery.setState({ compare: [uuids[0]!, uuids[1]!] })}
        data-testid="batch-compare"
      >
        Compare
      </button>
      <button onClick={() => useGallery.setState({ selected: new Set() })}>Clear</button>
    </div>
  );
}
