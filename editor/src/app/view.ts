/** Switching between the Editor, App and Gallery views (the tab bar, "Open in App"). */
import { useGallery } from '../gallery/state';
import { useGraph } from '../state/graph';
import { hashFor, useApp } from './state';

export type View = 'editor' | 'app' | 'gallery';

/**
 * Shows one of the three views. The graph stays the same document (one undo history); a saved
 * graph's URL follows the view (`#/app/<graphId>` or `#g=<graphId>`) so a reload or a shared
 * link comes back to it.
 */
export function showView(view: View): void {
  useGallery.setState({ open: view === 'gallery' });
  useApp.setState({ open: view === 'app' });
  const id = useGraph.getState().head.id;
  if (id && view !== 'gallery') history.replaceState(null, '', hashFor(id));
}
