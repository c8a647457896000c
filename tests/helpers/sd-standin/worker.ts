/**
 * Test helper: starts the real sd worker process (`node --import tsx workers/sd/main.ts`) the way
 * the supervisor does, with a fresh token, and returns a WorkerClient for it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WorkerClient } from '../../../workers/protocol/client';
import { READY_PREFIX, TOKEN_ENV } from '../../../workers/protocol/messages';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const STANDIN = fileURLToPath(new URL('./sd-cli', import.meta.url));

export interface StartedWorker {
  client: WorkerClient;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the worker with `env` added to (or, for `undefined` values, removed from) the test env. */
export async function startSdWorker(
  env: Record<string, string | undefined>,
): Promise<StartedWorker> {
  const token = randomBytes(32).toString('hex');
  const full: NodeJS.ProcessEnv = { ...process.env, [TOKEN_ENV]: token };
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete full[k];
    else full[k] = v;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'workers/sd/main.ts'], {
    cwd: REPO,
    env: full,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d) => {
      buf += String(d);
      const line = buf.split('\n').find((l) => l.startsWith(READY_PREFIX));
      if (line) resolve(JSON.parse(line.slice(READY_PREFIX.length)).port);
    });
    child.on('exit', (code) =>
      reject(new Error(`sd worker exited ${code} before ready: ${stderr}`)),
    );
  });
  const client = new WorkerClient('sd', `http://127.0.0.1:${port}`, token);
  return {
    client,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** pids of live processes whose command line contains `needle` (Linux /proc). */
export function pidsWithArg(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      // Zombies (state Z) are already dead, only not yet reaped.
      if (cmd.includes(needle) && !/\) Z /.test(stat)) out.push(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}
