/**
 * Starts one runtime for the whole e2e suite and tells the tests where it is through
 * MYSTI_E2E_URL (Playwright passes env set in global setup to the workers).
 *
 * - MYSTI_HOME: a fresh temp dir (removed at teardown).
 * - MYSTI_MODELS: a temp folder with `checkpoints/dummy-sd15.safetensors` (a minimal safetensors
 *   header, which the sd-cli stand-in accepts as a model) and `llm/stories260K.gguf` linked from
 *   the shared models folder (`../shared/models` next to the repository, so a fresh clone in CI
 *   finds it the same way).
 * - SD_CPP_BIN: tests/helpers/sd-standin/sd-cli, stepping slowly enough (SDCPP_STANDIN_STEP_MS)
 *   that progress is observable.
 * The editor must be built (editor/dist); it is built here when missing.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  copyFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SHARED = resolve(REPO, '../shared');

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

/** A minimal safetensors file: u64 LE header length, then a JSON header, no tensors. */
function dummySafetensors(path: string, note = 'e2e dummy model'): void {
  const header = Buffer.from(JSON.stringify({ __metadata__: { format: 'pt', note } }));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  writeFileSync(path, Buffer.concat([len, header]));
}

async function waitHealthy(
  url: string,
  server: ChildProcess,
  log: () => string,
  ms = 60_000,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (server.exitCode !== null)
      throw new Error(`runtime exited with ${server.exitCode}:\n${log()}`);
    try {
      const r = await fetch(`${url}/api/health`);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`runtime did not become healthy in ${ms} ms:\n${log()}`);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  // Debugging against an already running runtime: MYSTI_E2E_URL=http://127.0.0.1:1234
  if (process.env.MYSTI_E2E_URL) return async () => {};
  if (!existsSync(join(REPO, 'editor/dist/index.html'))) {
    execFileSync('npx', ['vite', 'build', '--config', 'editor/vite.config.ts'], {
      cwd: REPO,
      stdio: 'inherit',
    });
  }
  const root = mkdtempSync(join(tmpdir(), 'mysti-e2e-'));
  const home = join(root, 'home');
  const models = join(root, 'models');
  mkdirSync(home, { recursive: true });
  mkdirSync(join(models, 'checkpoints'), { recursive: true });
  mkdirSync(join(models, 'llm'), { recursive: true });
  dummySafetensors(join(models, 'checkpoints', 'dummy-sd15.safetensors'));
  // A well-formed container (so the runtime accepts it at submit) that the engine fails to load
  // (the stand-in's `missing-tensor` fault, tests/helpers/sd-standin/README.md): a node failure at run time.
  // The trailing space ends the marker word before the JSON string's closing quote. Named to sort
  // after the working one: the default workflow preselects the first model by name.
  dummySafetensors(
    join(models, 'checkpoints', 'zz-broken-sd.safetensors'),
    'sdcpp-standin: missing-tensor ',
  );
  const llm = join(SHARED, 'models', 'stories260K.gguf');
  try {
    symlinkSync(llm, join(models, 'llm', 'stories260K.gguf'));
  } catch {
    copyFileSync(llm, join(models, 'llm', 'stories260K.gguf'));
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const server = spawn('npx', ['tsx', 'runtime/cli.ts', 'serve'], {
    cwd: REPO,
    env: {
      ...process.env,
      MYSTI_HOME: home,
      MYSTI_PORT: String(port),
      MYSTI_HOST: '127.0.0.1',
      MYSTI_MODELS: models,
      SD_CPP_BIN: join(REPO, 'tests/helpers/sd-standin/sd-cli'),
      SDCPP_STANDIN_STEP_MS: '120',
      MYSTI_LLM_THREADS: '1',
      MYSTI_SD_THREADS: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const keep = (b: Buffer) => {
    output = (output + b.toString()).slice(-20_000);
  };
  server.stdout!.on('data', keep);
  server.stderr!.on('data', keep);
  await waitHealthy(url, server, () => output);
  process.env.MYSTI_E2E_URL = url;
  process.env.MYSTI_E2E_ROOT = root;
  return async () => {
    // The server was started detached: end its whole process group (runtime + its workers).
    if (server.pid && server.exitCode === null) {
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      await new Promise((r) => setTimeout(r, 1500));
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    mkdirSync(join(REPO, 'tests/e2e/artifacts'), { recursive: true });
    writeFileSync(join(REPO, 'tests/e2e/artifacts/server.log'), output);
    rmSync(root, { recursive: true, force: true });
  };
}
