/**
 * Finds and identifies the stable-diffusion.cpp CLI named by `SD_CPP_BIN` (design.md §10).
 *
 * The binary is `sd-cli` since 2025-12-13 and `sd` before (sdcpp.md top); `SD_CPP_BIN` may name the
 * executable or the folder holding it. `--version` gives the version line; `--help` tells whether
 * the build knows `--backend` (newer) or only the deprecated `--vae-on-cpu`/`--clip-on-cpu`.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { WorkerJobError } from '../protocol/server';
import { ERROR_CODES, SD_CPP_HOW_TO } from '../../wire/errors';

const run = promisify(execFile);

/** What the worker knows about the engine binary. */
export interface EngineInfo {
  /** Absolute path of the executable. */
  binary: string;
  /** File name: `sd-cli` (current) or `sd` (before 2025-12). */
  name: string;
  /** The `--version` line, e.g. `stable-diffusion.cpp version master-827-97d2990, commit 97d29908`; `unknown` if it has none. */
  version: string;
  /** True when `--backend`/`--max-vram` exist (per-module device flags); false → deprecated spellings. */
  backendFlag: boolean;
}

/** How to set SD_CPP_BIN; the sentence lives in wire/errors.ts so the editor shows the same words. */
export const HOW_TO_CONFIGURE = SD_CPP_HOW_TO;

const cache = new Map<string, EngineInfo>();

function isExecutable(p: string): boolean {
  try {
    if (!statSync(p).isFile()) return false;
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves `SD_CPP_BIN` to an executable path.
 * @throws WorkerJobError `ENGINE_NOT_CONFIGURED` when unset, missing or not executable.
 */
export function resolveBinary(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.SD_CPP_BIN?.trim();
  if (!configured)
    throw new WorkerJobError('ENGINE_NOT_CONFIGURED', ERROR_CODES.ENGINE_NOT_CONFIGURED.message);
  let st;
  try {
    st = statSync(configured);
  } catch {
    throw new WorkerJobError(
      'ENGINE_NOT_CONFIGURED',
      `SD_CPP_BIN points to ${configured}, which does not exist. ${HOW_TO_CONFIGURE}`,
      { path: configured },
    );
  }
  if (st.isDirectory()) {
    const found = ['sd-cli', 'sd', 'sd-cli.exe', 'sd.exe']
      .map((n) => join(configured, n))
      .find(isExecutable);
    if (!found)
      throw new WorkerJobError(
        'ENGINE_NOT_CONFIGURED',
        `SD_CPP_BIN is the folder ${configured}, which holds no sd-cli or sd executable. ${HOW_TO_CONFIGURE}`,
        { path: configured },
      );
    return found;
  }
  if (!isExecutable(configured))
    throw new WorkerJobError(
      'ENGINE_NOT_CONFIGURED',
      `SD_CPP_BIN points to ${configured}, which is not executable (chmod +x?). ${HOW_TO_CONFIGURE}`,
      { path: configured },
    );
  return configured;
}

/**
 * Identifies the engine (cached per path + mtime, so replacing the binary is noticed).
 * @throws WorkerJobError `ENGINE_NOT_CONFIGURED` (see {@link resolveBinary}).
 */
export async function detectEngine(env: NodeJS.ProcessEnv = process.env): Promise<EngineInfo> {
  const binary = resolveBinary(env);
  const key = `${binary}:${statSync(binary).mtimeMs}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const version = await run(binary, ['--version'], { timeout: 15_000 })
    .then((r) => r.stdout.split('\n')[0]?.trim() || 'unknown')
    .catch(() => 'unknown');
  // `--help` exits 0 with the usage on stdout; some builds exit 1 after printing it, so read stdout either way.
  const help = await run(binary, ['--help'], { timeout: 15_000, maxBuffer: 4 * 1024 * 1024 })
    .then((r) => r.stdout)
    .catch((e: { stdout?: string }) => e.stdout ?? '');
  const info: EngineInfo = {
    binary,
    name: basename(binary),
    version,
    backendFlag: /(^|\s)--backend\b/m.test(help),
  };
  cache.set(key, info);
  return info;
}
