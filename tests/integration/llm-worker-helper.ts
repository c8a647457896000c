/**
 * Spawns the real LLM worker process (`node --import tsx workers/llm/main.ts`) for integration
 * tests, waits for its ready line and returns a WorkerClient. One thread: on a shared 2-core box
 * llama.cpp's default thread count collapses generation (shared/models/README.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { WorkerClient } from '../../workers/protocol/client';
import { READY_PREFIX, TOKEN_ENV } from '../../workers/protocol/messages';
import { REPO_ROOT, TINY_GGUF } from '../helpers/temp-home';

export const STORIES_MODEL = TINY_GGUF;

export interface SpawnedWorker {
  client: WorkerClient;
  proc: ChildProcess;
  stderr: () => string;
  stop: () => Promise<void>;
}

export async function spawnLlmWorker(env: Record<string, string> = {}): Promise<SpawnedWorker> {
  const token = randomBytes(32).toString('hex');
  const proc = spawn(process.execPath, ['--import', 'tsx', 'workers/llm/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      [TOKEN_ENV]: token,
      MYSTI_LLM_THREADS: '1',
      MYSTI_LLM_GPU: 'false',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (c) => (err += String(c)));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer) => {
      out += String(c);
      const line = out.split('\n').find((l) => l.startsWith(READY_PREFIX));
      if (line) {
        proc.stdout!.off('data', onData);
        resolve((JSON.parse(line.slice(READY_PREFIX.length)) as { port: number }).port);
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) =>
      reject(new Error(`llm worker exited (${code}) before ready: ${err}`)),
    );
  });
  const client = new WorkerClient('llm', `http://127.0.0.1:${port}`, token);
  return {
    client,
    proc,
    stderr: () => err,
    stop: async () => {
      if (proc.exitCode !== null || proc.signalCode) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
