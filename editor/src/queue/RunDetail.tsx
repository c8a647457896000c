/**
 * One run's detail in the queue panel (issue 15 §5): graph name, status and error, and per node
 * its status, time (ms) and outputs (image thumbnails, text) — GET /api/runs/:id, fetched when
 * opened and again when the run's status changes.
 */
import { useEffect, useState } from 'react';
import { api } from '../api/client';

interface DetailNode {
  type: string;
  status: string;
  ms: number | null;
  error?: { code?: string; message?: string };
}
interface DetailOutput {
  nodeId: string;
  port: string;
  kind: string;
  url?: string;
  text?: string;
}
interface Detail {
  status: string;
  error?: { code?: string; message?: string };
  graph?: { name?: string };
  nodes: Record<string, DetailNode>;
  outputs: DetailOutput[];
  resumeOf?: string | null;
}

const fmtMs = (ms: number | null) =>
  ms == null ? '' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;

export function RunDetail({ runId, status }: { runId: string; status: string }) {
  const [d, setD] = useState<Detail | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api
      .getRun(runId)
      .then((r) => live && setD(r as unknown as Detail))
      .catch((e: Error) => live && setErr(e.message));
    return () => {
      live = false;
    };
  }, [runId, status]);
  if (err) return <div className="run-detail muted">{err}</div>;
  if (!d) return <div className="run-detail muted">Loading…</div>;
  const outs = new Map<string, DetailOutput[]>();
  for (const o of d.outputs) outs.set(o.nodeId, [...(outs.get(o.nodeId) ?? []), o]);
  return (
    <div className="run-detail" data-testid="run-detail" onClick={(e) => e.stopPropagation()}>
      <div className="run-detail-head">
        <strong>{d.graph?.name ?? 'Untitled'}</strong>
        {d.resumeOf && <small> · resumes {d.resumeOf.slice(0, 8)}</small>}
      </div>
      {d.error && (
        <p className="run-detail-error" data-testid="run-detail-error">
          {d.error.code}: {d.error.message}
        </p>
      )}
      <table>
        <tbody>
          {Object.entries(d.nodes).map(([id, n]) => (
            <tr key={id} data-testid="run-detail-node" data-node={id} data-status={n.status}>
              <td title={n.type}>{id}</td>
              <td>
                <span className={`badge badge-${n.status === 'completed' ? 'done' : n.status}`}>
                  {n.status}
                </span>
              </td>
              <td className="num">{n.status === 'cached' ? '' : fmtMs(n.ms)}</td>
              <td>
                {(outs.get(id) ?? []).map((o) =>
                  o.kind === 'image' && o.url ? (
                    <img key={o.port} src={o.url} alt={`${id}.${o.port}`} loading="lazy" />
                  ) : o.text ? (
                    <span key={o.port} className="run-detail-text" title={o.text}>
                      {o.text.slice(0, 40)}
                    </span>
                  ) : null,
                )}
                {n.error?.message && <span className="run-detail-error">{n.error.message}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
