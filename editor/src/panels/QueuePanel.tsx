/** The queue (right): recent runs with status, the active one highlighted, per-run cancel. */
import { useRuns, isTerminal } from '../state/runs';
import { cancelRun } from '../queue/run';

export function QueuePanel() {
  const order = useRuns((s) => s.order);
  const runs = useRuns((s) => s.runs);
  const active = useRuns((s) => s.activeRunId);
  return (
    <aside className="queue" data-testid="queue">
      <h3>Queue</h3>
      {!order.length && <p className="muted">No runs yet. Press Run (Ctrl+Enter).</p>}
      <ul>
        {order.slice(0, 30).map((id) => {
          const r = runs[id]!;
          return (
            <li
              key={id}
              className={`run-item status-${r.status}${id === active ? ' active' : ''}`}
              data-testid="run-item"
              data-status={r.status}
              onClick={() => useRuns.setState({ activeRunId: id })}
              title={r.error ?? id}
            >
              <span className={`badge badge-${r.status === 'completed' ? 'done' : r.status}`}>
                {r.status}
              </span>
              <span className="run-name">{r.name ?? id.slice(0, 8)}</span>
              {r.createdAt ? <small>{new Date(r.createdAt).toLocaleTimeString()}</small> : null}
              {!isTerminal(r.status) && (
                <button
                  className="small"
                  data-testid="cancel-run"
                  onClick={(e) => {
                    e.stopPropagation();
                    void cancelRun(id);
                  }}
                >
                  Cancel
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
