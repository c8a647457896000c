/**
 * The queue (right, issue 15 §5): running, waiting (in start order; move up / down / to the top,
 * cancel) and finished runs (paged; resume an interrupted or failed run, rerun with the same
 * seeds, clear finished). Clicking a run makes it the one the canvas shows and opens its detail.
 * "Queue ×N" queues the current graph N times with seeds + 0 … N−1.
 */
import { useEffect, useMemo, useState } from 'react';
import { useRuns, isTerminal, type RunInfo } from '../state/runs';
import { cancelRun } from '../queue/run';
import {
  clearFinished,
  loadRuns,
  MAX_QUEUE_COUNT,
  moveRun,
  queueTimes,
  rerunRun,
  resumeRun,
} from '../queue/panel-actions';
import { RunDetail } from '../queue/RunDetail';
import './queue-panel.css';

/** Finished runs shown per "Show more". */
const PAGE = 20;

export function QueuePanel() {
  const order = useRuns((s) => s.order);
  const runs = useRuns((s) => s.runs);
  const active = useRuns((s) => s.activeRunId);
  const queueOrder = useRuns((s) => s.queueOrder);
  const [shown, setShown] = useState(PAGE);
  const [more, setMore] = useState(false);
  const [open, setOpen] = useState<string | null>(null);
  const [count, setCount] = useState(2);
  useEffect(() => {
    loadRuns()
      .then(setMore)
      .catch(() => undefined);
  }, []);

  const { running, waiting, finished } = useMemo(() => {
    const all = order.map((id) => runs[id]!).filter(Boolean);
    const pos = new Map(queueOrder.map((id, i) => [id, i]));
    const waiting = all
      .filter((r) => r.status === 'queued')
      // Server order first; runs it has not listed yet (just queued) after them, oldest first.
      .sort(
        (a, b) =>
          (pos.get(a.id) ?? Infinity) - (pos.get(b.id) ?? Infinity) ||
          (a.createdAt ?? 0) - (b.createdAt ?? 0),
      );
    return {
      running: all.filter((r) => r.status === 'running'),
      waiting,
      finished: all.filter((r) => isTerminal(r.status)),
    };
  }, [order, runs, queueOrder]);

  const item = (r: RunInfo, actions: React.ReactNode) => (
    <li
      key={r.id}
      className={`run-item status-${r.status}${r.id === active ? ' active' : ''}`}
      data-testid="run-item"
      data-run-id={r.id}
      data-status={r.status}
      onClick={() => {
        useRuns.setState({ activeRunId: r.id });
        setOpen((o) => (o === r.id ? null : r.id));
      }}
      title={r.error ?? r.id}
    >
      <span className={`badge badge-${r.status === 'completed' ? 'done' : r.status}`}>
        {r.status}
      </span>
      <span className="run-name">{r.name ?? r.id.slice(0, 8)}</span>
      {r.createdAt ? <small>{new Date(r.createdAt).toLocaleTimeString()}</small> : null}
      <span className="run-actions" onClick={(e) => e.stopPropagation()}>
        {actions}
      </span>
      {open === r.id && <RunDetail runId={r.id} status={r.status} />}
    </li>
  );
  const btn = (label: string, testid: string, onClick: () => void, title?: string) => (
    <button type="button" className="small" data-testid={testid} title={title} onClick={onClick}>
      {label}
    </button>
  );
  const cancel = (r: RunInfo) => btn('Cancel', 'cancel-run', () => void cancelRun(r.id));

  return (
    <aside className="queue" data-testid="queue">
      <h3>Queue</h3>
      <div className="queue-bar">
        <label title="Queue the graph N times; the i-th run's fixed seeds are increased by i">
          ×
          <input
            type="number"
            min={1}
            max={MAX_QUEUE_COUNT}
            value={count}
            aria-label="Times to queue"
            data-testid="queue-count"
            onChange={(e) => setCount(Number(e.target.value))}
          />
        </label>
        {btn('Queue ×N', 'queue-times', () => void queueTimes(count), 'Seeds + 0 … N−1')}
        {finished.length > 0 && btn('Clear finished', 'clear-finished', () => void clearFinished())}
      </div>
      {!order.length && <p className="muted">No runs yet. Press Run (Ctrl+Enter).</p>}
      {running.length > 0 && (
        <>
          <h4>Running</h4>
          <ul data-testid="queue-running">{running.map((r) => item(r, cancel(r)))}</ul>
        </>
      )}
      {waiting.length > 0 && (
        <>
          <h4>Waiting ({waiting.length})</h4>
          <ul data-testid="queue-waiting">
            {waiting.map((r, i) =>
              item(
                r,
                <>
                  {i > 0 && btn('⤒', 'move-top', () => void moveRun(r.id, 'top'), 'To the top')}
                  {i > 0 && btn('↑', 'move-up', () => void moveRun(r.id, 'up'), 'Up')}
                  {i < waiting.length - 1 &&
                    btn('↓', 'move-down', () => void moveRun(r.id, 'down'), 'Down')}
                  {cancel(r)}
                </>,
              ),
            )}
          </ul>
        </>
      )}
      {finished.length > 0 && (
        <>
          <h4>Finished</h4>
          <ul data-testid="queue-finished">
            {finished.slice(0, shown).map((r) =>
              item(
                r,
                <>
                  {(r.status === 'interrupted' || r.status === 'failed') &&
                    !r.resumedBy?.length &&
                    btn(
                      'Resume',
                      'resume-run',
                      () => void resumeRun(r.id),
                      'Reuse every finished output; run only what had not finished',
                    )}
                  {btn('Rerun', 'rerun-run', () => void rerunRun(r.id), 'Again, same seeds')}
                </>,
              ),
            )}
          </ul>
          {(finished.length > shown || more) &&
            btn('Show more', 'queue-more', () => {
              setShown((n) => n + PAGE);
              if (finished.length <= shown + PAGE && more)
                void loadRuns(true)
                  .then(setMore)
                  .catch(() => undefined);
            })}
        </>
      )}
    </aside>
  );
}
