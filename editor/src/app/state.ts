/**
 * App view state (issue 20): whether the App form is showing, the run count of "Run ×N", the runs
 * the form queued (newest batch) and whether the layout editor is open. The graph itself is the
 * editor's (state/graph.ts): one document, one undo history for both views.
 */
import { create } from 'zustand';

interface AppState {
  open: boolean;
  count: number;
  /** Run ids of the form's last "Run ×N", in submit order. */
  runIds: string[];
  editing: boolean;
}

export const useApp = create<AppState>(() => ({
  open: false,
  count: 1,
  runIds: [],
  editing: false,
}));

export const APP_HASH = '#/app/';
export const GRAPH_HASH = '#g=';

/** The URL hash naming saved graph `id` in the view showing now (`#/app/<id>` or `#g=<id>`). */
export function hashFor(id: string): string {
  return `${useApp.getState().open ? APP_HASH : GRAPH_HASH}${encodeURIComponent(id)}`;
}
