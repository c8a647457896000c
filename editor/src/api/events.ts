/**
 * The WebSocket event stream (design.md §5) with resume: the client remembers the highest `seq`
 * it folded and reconnects to `/ws?since=<seq>`, so events emitted while it was away are
 * replayed and none are applied twice (state/runs.ts drops seq ≤ lastSeq). Backoff 0.5 s → 8 s.
 */
import { applyEvent, setConnected, useRuns, type RunEvent } from '../state/runs';
import { toast } from '../state/toasts';
import { assistantEvent } from '../assistant/state';

let socket: WebSocket | undefined;
let retry = 0;
let stopped = false;
let timer: ReturnType<typeof setTimeout> | undefined;

/** Opens the stream (idempotent). */
export function connectEvents(): void {
  stopped = false;
  if (socket && socket.readyState <= WebSocket.OPEN) return;
  const proto = location.protocol === 'https:' ? 'wss' : 'ws';
  const since = useRuns.getState().lastSeq;
  const ws = new WebSocket(`${proto}://${location.host}/ws?since=${since}`);
  socket = ws;
  ws.onopen = () => {
    retry = 0;
    setConnected(true);
  };
  ws.onmessage = (m) => {
    let ev: RunEvent;
    try {
      ev = JSON.parse(String(m.data)) as RunEvent;
    } catch {
      return;
    }
    const before = useRuns.getState().lastSeq;
    if (typeof ev.type === 'string' && ev.type.startsWith('assistant.'))
      assistantEvent(ev as unknown as Record<string, unknown>);
    applyEvent(ev);
    const fresh = typeof ev.seq !== 'number' || ev.seq > before;
    if (fresh) notify(ev);
  };
  ws.onclose = () => {
    setConnected(false);
    if (socket === ws) socket = undefined;
    if (stopped) return;
    const delay = Math.min(8000, 500 * 2 ** retry++);
    timer = setTimeout(connectEvents, delay);
  };
  ws.onerror = () => ws.close();
}

/** Closes the stream and stops reconnecting. */
export function disconnectEvents(): void {
  stopped = true;
  if (timer) clearTimeout(timer);
  socket?.close();
}

/** Drops the socket as a network hiccup would; the client reconnects with ?since=. Exposed as `window.mysti.dropEvents` for e2e tests. */
export function dropConnection(): void {
  socket?.close();
}

function notify(ev: RunEvent): void {
  const msg = typeof ev.message === 'string' ? ev.message : undefined;
  switch (ev.type) {
    case 'arbiter.decision':
      // "fits, proceed" happens for every node that loads a model: only what the user should
      // know about (evictions, waits, mitigations, refusals) becomes a toast.
      if (msg && ev.action !== 'proceed')
        toast(msg, ev.action === 'refuse' ? 'warning' : 'info', 6000);
      break;
    case 'system.alert':
      toast(msg ?? 'system alert', 'warning', 6000);
      break;
    case 'run.failed': {
      const e = ev.error as { message?: string } | undefined;
      toast(`Run failed: ${e?.message ?? 'see the failing node'}`, 'error');
      break;
    }
    default:
      break;
  }
}
