/**
 * `mysti run` against a studio that is already serving the same data directory: the graph is
 * submitted over the public HTTP API and progress is read from the WebSocket, exactly as the
 * editor does — so the CLI never opens the database behind a running studio's back.
 */
import path from 'node:path';
import WebSocket from 'ws';
import type { GraphDoc } from '../nodes/core/graph';
import type { MystiEvent } from './engine/events';
import { printEvent } from './cli-print';

interface RunView {
  status: string;
  error?: { code: string; message: string };
  outputs: { nodeId: string; port: string; kind: string; path?: string; text?: string }[];
}

/** Runs `graph` on the studio at `base` (e.g. http://127.0.0.1:1234); returns the process exit code. */
export async function runRemote(
  base: string,
  graph: GraphDoc,
  home: string,
  json: boolean,
): Promise<number> {
  const wsUrl = `${base.replace(/^http/, 'ws')}/ws`;
  const ws = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let runId: string | null = null;
  const early: MystiEvent[] = [];
  const finished = new Promise<void>((resolve) => {
    ws.on('message', (data) => {
      const e = JSON.parse(String(data)) as MystiEvent;
      if (!runId) return void early.push(e);
      if (e.runId !== runId) return;
      printEvent(e);
      if (['run.completed', 'run.failed', 'run.cancelled', 'run.interrupted'].includes(e.type))
        resolve();
    });
  });
  const res = await fetch(`${base}/api/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph }),
  });
  const body = (await res.json()) as { runId?: string; error?: { code: string; message: string } };
  if (!res.ok || !body.runId) {
    console.error(
      `${body.error?.code ?? res.status}: ${body.error?.message ?? 'the studio refused the run'}`,
    );
    ws.close();
    return 2;
  }
  runId = body.runId;
  console.error(`run ${runId} queued on the studio at ${base}`);
  // Events that raced ahead of the POST's answer.
  for (const e of early) if (e.runId === runId) printEvent(e);
  if (
    !early.some(
      (e) =>
        e.runId === runId &&
        e.type.startsWith('run.') &&
        e.type !== 'run.queued' &&
        e.type !== 'run.started',
    )
  )
    await finished;
  ws.close();
  const view = (await (await fetch(`${base}/api/runs/${runId}`)).json()) as RunView;
  if (json) console.log(JSON.stringify(view, null, 2));
  else {
    for (const o of view.outputs) {
      if (o.kind === 'image' && o.path)
        console.log(`${o.nodeId}.${o.port}: ${path.resolve(home, o.path)}`);
      else if (o.kind === 'text') console.log(`${o.nodeId}.${o.port}: ${JSON.stringify(o.text)}`);
    }
    console.error(
      `run ${runId}: ${view.status}${view.error ? ` — ${view.error.code}: ${view.error.message}` : ''}`,
    );
  }
  return view.status === 'completed' ? 0 : 1;
}
