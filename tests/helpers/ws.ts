/**
 * A WebSocket test client for `/ws` (the `ws` package): collects every JSON message, lets a test
 * wait for one, and reports a refused upgrade as its HTTP status.
 */
import WebSocket from 'ws';

export interface WsClient {
  socket: WebSocket;
  messages: any[];
  /** Resolves with the first message (already received or future) matching `pred`. */
  next(pred: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  close(): Promise<void>;
}

/** Opens `ws://127.0.0.1:<port><path>`; rejects with `{status}` when the upgrade is refused. */
export function connectWs(
  port: number,
  urlPath = '/ws',
  headers: Record<string, string> = {},
): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${urlPath}`, { headers });
    const messages: any[] = [];
    const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
    socket.on('message', (data) => {
      const m = JSON.parse(String(data));
      messages.push(m);
      for (const w of [...waiters]) {
        if (w.pred(m)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    socket.once('unexpected-response', (_req, res) =>
      reject(
        Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode }),
      ),
    );
    socket.once('error', reject);
    socket.once('open', () =>
      resolve({
        socket,
        messages,
        next(pred, timeoutMs = 10_000) {
          const hit = messages.find(pred);
          if (hit) return Promise.resolve(hit);
          return new Promise((res, rej) => {
            const w = { pred, resolve: (m: any) => (clearTimeout(t), res(m)) };
            const t = setTimeout(() => {
              waiters.splice(waiters.indexOf(w), 1);
              rej(new Error('no matching ws message in time'));
            }, timeoutMs);
            waiters.push(w);
          });
        },
        close: () =>
          new Promise<void>((res) => {
            if (socket.readyState === WebSocket.CLOSED) return res();
            socket.once('close', () => res());
            socket.close();
          }),
      }),
    );
  });
}
