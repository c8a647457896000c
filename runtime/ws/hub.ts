/**
 * The WebSocket hub at /ws (design.md §5): on connect, replays events after `?since=<seq>` (and
 * only one run's with `&runId=`), then streams live ones. Each client has a bounded send queue;
 * progress events for the same node are coalesced latest-wins when a client falls behind, so a
 * slow tab never grows the runtime's memory. Upgrades pass the same Host/Origin guard as HTTP.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { checkRequest, type OriginPolicy } from '../server/middleware/origin-guard';
import type { EventBus, MystiEvent } from '../engine/events';
import type { Logger } from '../log';

const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * Attaches the hub to `server`'s upgrade event (only the /ws path; others are destroyed); upgrades
 * pass {@link checkRequest} with `originPolicy` (the same exact-origin rule as HTTP).
 * @returns `close()` (terminates every client, closes the WebSocket server; the HTTP server stays up) and `clients()` (connected count)
 */
export function attachWsHub(
  server: Server,
  bus: EventBus,
  logger: Logger,
  originPolicy: OriginPolicy = {},
): { close(): void; clients(): number } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return socket.destroy();
    const err = checkRequest(
      {
        host: req.headers.host ?? null,
        origin: (req.headers.origin as string | undefined) ?? null,
        secFetchSite: (req.headers['sec-fetch-site'] as string | undefined) ?? null,
      },
      true,
      originPolicy,
    );
    if (err) {
      socket.end(
        `HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\n\r\n${JSON.stringify(err.toJSON())}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onClient(ws, url));
  });

  function onClient(ws: WebSocket, url: URL): void {
    const since = Number(url.searchParams.get('since') ?? 'NaN');
    const runId = url.searchParams.get('runId') ?? undefined;
    const pendingProgress = new Map<string, MystiEvent>();
    let flushTimer: NodeJS.Timeout | null = null;
    const send = (e: MystiEvent) => {
      if (ws.readyState !== ws.OPEN) return;
      if (e.type === 'node.progress' && ws.bufferedAmount > MAX_BUFFERED_BYTES / 4) {
        pendingProgress.set(`${e.runId}:${e.nodeId}`, e);
        flushTimer ??= setTimeout(flush, 100);
        return;
      }
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        logger.warn(
          { buffered: ws.bufferedAmount },
          'ws client too slow; closing it (it will resume with ?since=)',
        );
        ws.close(4008, 'too slow');
        return;
      }
      ws.send(JSON.stringify(e));
    };
    const flush = () => {
      flushTimer = null;
      const items = [...pendingProgress.values()];
      pendingProgress.clear();
      for (const e of items) send(e);
    };
    // Subscribe before replaying so nothing falls between the two; drop duplicates by seq.
    let replayedUpTo = 0;
    const buffered: MystiEvent[] = [];
    let replaying = true;
    const off = bus.on((e) => {
      if (runId && e.runId !== runId) return;
      if (replaying) buffered.push(e);
      else if (e.seq > replayedUpTo) send(e);
    });
    ws.send(JSON.stringify({ type: 'hello', seq: bus.lastSeq(), ts: Date.now() }));
    if (Number.isFinite(since)) {
      for (const e of bus.since(since, runId)) {
        send(e);
        replayedUpTo = e.seq;
      }
    } else replayedUpTo = bus.lastSeq();
    replaying = false;
    for (const e of buffered) if (e.seq > replayedUpTo) send(e);
    ws.on('close', () => {
      off();
      if (flushTimer) clearTimeout(flushTimer);
    });
    ws.on('error', () => off());
    ws.on('message', (m) => {
      if (String(m) === 'ping')
        ws.send(JSON.stringify({ type: 'pong', seq: bus.lastSeq(), ts: Date.now() }));
    });
  }

  return {
    close: () => {
      for (const c of wss.clients) c.terminate();
      wss.close();
    },
    clients: () => wss.clients.size,
  };
}
