/**
 * Gallery actions shared by the lightbox, the batch bar and the keyboard: favorite, trash/restore,
 * open the image's workflow on the canvas, rerun it.
 */
import { galleryApi, type Item } from './api';
import { useGallery, patchItem, removeItems } from './state';
import { openDoc } from '../graph/io';
import { toast } from '../state/toasts';

const fail = (what: string) => (e: unknown) =>
  void toast(`${what}: ${(e as Error).message}`, 'error');
/** The filter panel's counts (★, trash) follow single-image edits too (GalleryView listens). */
const countsChanged = () => window.dispatchEvent(new Event('mysti:gallery-meta'));

export async function setFavorite(uuid: string, on: boolean): Promise<void> {
  await galleryApi.patch(uuid, { favorite: on }).then(() => {
    patchItem(uuid, { isFavorite: on });
    // In the favorites view an unfavorited image leaves the list.
    if (!on && useGallery.getState().filters.favorite) removeItems([uuid]);
    countsChanged();
  }, fail('Favorite'));
}

/** Trash (or restore, in the trash view) one image; the lightbox moves to the next one. */
export async function trashOrRestore(uuid: string): Promise<void> {
  const inTrash = !!useGallery.getState().filters.trash;
  try {
    if (inTrash) await galleryApi.restore(uuid);
    else await galleryApi.trash(uuid);
  } catch (e) {
    return fail(inTrash ? 'Restore' : 'Trash')(e);
  }
  const s = useGallery.getState();
  const k = s.items.findIndex((i) => i.uuid === uuid);
  const next: Item | undefined = s.items[k + 1] ?? s.items[k - 1];
  removeItems([uuid]);
  countsChanged();
  if (s.lightbox === uuid) useGallery.setState({ lightbox: next?.uuid ?? null });
  toast(inTrash ? 'Restored' : 'Moved to the trash', 'success', 2000);
}

/** Loads the image's workflow onto the canvas and closes the gallery. */
export async function openWorkflow(uuid: string): Promise<void> {
  try {
    const { graph } = await galleryApi.workflow(uuid);
    if (openDoc(graph, { name: graph.name ?? 'From gallery' }, true)) {
      useGallery.setState({ open: false, lightbox: null });
      toast('Workflow loaded from the image', 'success', 2500);
    }
  } catch (e) {
    fail('Open workflow')(e);
  }
}

/**
 * Queues the image's workflow again. With its run still recorded, the run's resolved params
 * (random seeds made concrete) are reused, so the same image comes back (from cache where possible).
 */
export async function rerun(uuid: string, runId: string | null): Promise<void> {
  try {
    let id: string;
    if (runId) {
      id = (await galleryApi.rerunRun(runId)).runId;
    } else {
      id = (await galleryApi.rerun((await galleryApi.workflow(uuid)).graph)).runId;
    }
    toast(`Queued run ${id.slice(0, 8)}`, 'success', 2500);
  } catch (e) {
    fail('Rerun')(e);
  }
}
