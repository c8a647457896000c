/**
 * Gallery state (zustand): the open flag, filters, the loaded pages (keyset cursor), the
 * multi-selection, the lightbox position and the comparison pair. Loading is generation-counted
 * so a slow answer to an older filter never overwrites a newer one.
 */
import { create } from 'zustand';
import { galleryApi, type Filters, type Item } from './api';
import { toast } from '../state/toasts';

interface GalleryState {
  open: boolean;
  filters: Filters;
  items: Item[];
  cursor: string | null;
  done: boolean;
  loading: boolean;
  /** Bumped on every reset; answers for an older value are dropped. */
  epoch: number;
  selected: Set<string>;
  /** uuid shown in the lightbox, or null. */
  lightbox: string | null;
  infoOpen: boolean;
  compare: [string, string] | null;
}

export const useGallery = create<GalleryState>(() => ({
  open: false,
  filters: {},
  items: [],
  cursor: null,
  done: false,
  loading: false,
  epoch: 0,
  selected: new Set(),
  lightbox: null,
  infoOpen: true,
  compare: null,
}));

const PAGE = 60;

/** Replaces the filters and reloads from the first page. */
export function setFilters(f: Filters): void {
  useGallery.setState((s) => ({
    filters: f,
    items: [],
    cursor: null,
    done: false,
    loading: false,
    epoch: s.epoch + 1,
    selected: new Set(),
  }));
  void loadMore();
}

/** Reloads the current filters (after an edit that may move items in or out). */
export function reload(): void {
  setFilters(useGallery.getState().filters);
}

/** Loads the next page unless one is loading or the end was reached. */
export async function loadMore(): Promise<void> {
  const s = useGallery.getState();
  if (s.loading || s.done) return;
  const epoch = s.epoch;
  useGallery.setState({ loading: true });
  try {
    const page = await galleryApi.list(s.filters, s.cursor, PAGE);
    if (useGallery.getState().epoch !== epoch) return;
    useGallery.setState((cur) => ({
      items: [...cur.items, ...page.items],
      cursor: page.nextCursor,
      done: !page.nextCursor,
      loading: false,
    }));
  } catch (e) {
    if (useGallery.getState().epoch === epoch) useGallery.setState({ loading: false, done: true });
    toast(`Gallery: ${(e as Error).message}`, 'error');
  }
}

/** Updates one loaded item in place (after favorite etc.). */
export function patchItem(uuid: string, patch: Partial<Item>): void {
  useGallery.setState((s) => ({
    items: s.items.map((i) => (i.uuid === uuid ? { ...i, ...patch } : i)),
  }));
}

/** Drops items from the loaded list (trashed out of a normal view, restored out of the trash). */
export function removeItems(uuids: readonly string[]): void {
  const gone = new Set(uuids);
  useGallery.setState((s) => ({
    items: s.items.filter((i) => !gone.has(i.uuid)),
    selected: new Set([...s.selected].filter((u) => !gone.has(u))),
  }));
}

export function toggleSelected(uuid: string, on?: boolean): void {
  useGallery.setState((s) => {
    const next = new Set(s.selected);
    if (on ?? !next.has(uuid)) next.add(uuid);
    else next.delete(uuid);
    return { selected: next };
  });
}

/** Moves the lightbox by `delta` items, loading the next page when it runs off the end. */
export function step(delta: number): void {
  const s = useGallery.getState();
  const k = s.items.findIndex((i) => i.uuid === s.lightbox);
  if (k < 0) return;
  const n = k + delta;
  if (n >= 0 && n < s.items.length) useGallery.setState({ lightbox: s.items[n]!.uuid });
  if (n >= s.items.length - 3) void loadMore();
}
