/**
 * Memory status from GET /api/vram: the arbiter's budget, what each worker holds resident, and
 * the projected (arbiter estimate) vs actual (measured) use. Polled every 2 s while a run is
 * active, every 10 s otherwise. Field names are read leniently (bytes or MB variants) so the
 * indicator survives the runtime refining its answer.
 */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { isTerminal, useRuns } from '../state/runs';

interface Resident {
  worker?: string;
  model?: string;
  bytes?: number;
}

interface VramView {
  budget?: number;
  projected?: number;
  actual?: number;
  resident: Resident[];
  device?: string;
}

const pick = (o: Record<string, unknown>, ...keys: string[]): number | undefined => {
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v))
      return k.endsWith('MB') || k.endsWith('Mb') ? v * 1024 * 1024 : v;
  }
  return undefined;
};

/** Normalizes the /api/vram answer (bytes). Exported for tests. */
export function readVram(raw: Record<string, unknown>): VramView {
  const residentRaw = (raw.resident ?? raw.models ?? raw.workers ?? []) as unknown;
  const resident: Resident[] = Array.isArray(residentRaw)
    ? residentRaw.map((r: Record<string, unknown>) => ({
        worker:
          typeof r.worker === 'string' ? r.worker : typeof r.kind === 'string' ? r.kind : undefined,
        model:
          typeof r.model === 'string'
            ? r.model
            : typeof r.modelId === 'string'
              ? r.modelId
              : typeof r.name === 'string'
                ? r.name
                : undefined,
        bytes: pick(r, 'bytes', 'weightsBytes', 'residentBytes', 'actualBytes'),
      }))
    : [];
  return {
    budget: pick(raw, 'budgetBytes', 'budget', 'budgetMB'),
    projected: pick(raw, 'projectedBytes', 'projected', 'reservedBytes', 'estimatedBytes'),
    actual: pick(raw, 'actualBytes', 'usedBytes', 'actual', 'used'),
    resident,
    device:
      typeof raw.device === 'string'
        ? raw.device
        : typeof raw.source === 'string'
          ? raw.source
          : undefined,
  };
}

export const gb = (b: number | undefined) =>
  b === undefined ? '?' : `${(b / 1024 ** 3).toFixed(b < 1024 ** 3 ? 2 : 1)} GB`;

export function VramIndicator() {
  const [v, setV] = useState<VramView | undefined>();
  const [failed, setFailed] = useState(false);
  const busy = useRuns((s) => s.order.some((id) => !isTerminal(s.runs[id]?.status ?? 'completed')));
  useEffect(() => {
    let alive = true;
    const tick = () =>
      api.vram().then(
        (raw) => alive && (setV(readVram(raw)), setFailed(false)),
        () => alive && setFailed(true),
      );
    void tick();
    const t = setInterval(tick, busy ? 2000 : 10000);
    return () => {
      alive = false;
      clearInterval(t);
    };
  }, [busy]);
  if (failed || !v)
    return (
      <span className="vram muted" data-testid="vram">
        VRAM ?
      </span>
    );
  const used = v.actual ?? v.projected ?? 0;
  const pct = v.budget ? Math.min(100, (used / v.budget) * 100) : 0;
  const ppct =
    v.budget && v.projected !== undefined
      ? Math.min(100, (v.projected / v.budget) * 100)
      : undefined;
  return (
    <span className="vram" data-testid="vram" tabIndex={0}>
      <span className="vram-label">
        VRAM {gb(used)} / {gb(v.budget)}
      </span>
      <span className="vram-bar">
        <span className="vram-fill" style={{ width: `${pct}%` }} />
        {ppct !== undefined && (
          <span className="vram-projected" style={{ left: `${ppct}%` }} title="projected" />
        )}
      </span>
      <span className="vram-pop">
        <b>Memory budget</b> {gb(v.budget)} {v.device ? `(${v.device})` : ''}
        <br />
        projected {gb(v.projected)} · actual {gb(v.actual)}
        <br />
        {v.resident.length ? (
          v.resident.map((r, i) => (
            <span key={i} className="vram-res">
              {r.worker ?? 'worker'}: {r.model ?? '—'} {r.bytes !== undefined ? gb(r.bytes) : ''}
              <br />
            </span>
          ))
        ) : (
          <span>no models resident</span>
        )}
      </span>
    </span>
  );
}
