/** Open a saved workflow (GET /api/graphs), or delete one. */
import { useEffect, useState } from 'react';
import { api, type SavedGraph } from '../api/client';
import { useUi } from '../state/ui';
import { useGraph } from '../state/graph';
import { openSaved } from '../graph/io';
import { toast } from '../state/toasts';
import { showView } from '../app/view';

export function WorkflowsDialog() {
  const open = useUi((s) => s.workflows);
  const [list, setList] = useState<SavedGraph[] | undefined>();
  const refresh = () =>
    api.listGraphs().then(setList, (e: Error) => {
      setList([]);
      toast(`Cannot list workflows: ${e.message}`, 'error');
    });
  useEffect(() => {
    if (open) void refresh();
  }, [open]);
  if (!open) return null;
  const close = () => useUi.setState({ workflows: false });
  return (
    <div className="overlay" onClick={close}>
      <div className="dialog" onClick={(e) => e.stopPropagation()} data-testid="workflows">
        <h2>Open workflow</h2>
        {!list && <p className="muted">Loading…</p>}
        {list?.length === 0 && (
          <p className="muted">No saved workflows yet. Save one with Ctrl+S.</p>
        )}
        <ul className="workflow-list">
          {list?.map((g) => (
            <li key={g.id}>
              <button
                className="link"
                onClick={async () => {
                  if (useGraph.getState().dirty && !confirm('Discard unsaved changes?')) return;
                  if (await openSaved(g.id)) close();
                }}
              >
                {g.name}
              </button>
              <button
                className="small"
                title="Open as a simple form (its own link: #/app/<id>)"
                data-testid="open-in-app"
                onClick={async () => {
                  if (useGraph.getState().dirty && !confirm('Discard unsaved changes?')) return;
                  if (await openSaved(g.id)) {
                    close();
                    showView('app');
                  }
                }}
              >
                Open in App
              </button>
              <small>{g.updatedAt ? new Date(g.updatedAt).toLocaleString() : ''}</small>
              <button
                className="small"
                onClick={async () => {
                  if (!confirm(`Delete “${g.name}”?`)) return;
                  await api.deleteGraph(g.id).catch((e: Error) => toast(e.message, 'error'));
                  void refresh();
                }}
              >
                Delete
              </button>
            </li>
          ))}
        </ul>
        <button onClick={close}>Close</button>
      </div>
    </div>
  );
}
