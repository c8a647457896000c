/**
 * Finds the `sd-server` binary for resident mode (issue 12): `SD_CPP_SERVER_BIN` when set, else an
 * executable `sd-server` beside the CLI named by `SD_CPP_BIN`. `MYSTI_SD_MODE=cli` turns resident
 * mode off. No server found → null, and the worker runs one sd-cli per job (today's path).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WorkerJobError } from '../../protocol/server';
import { resolveBinary } from '../engine';

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
 * @returns the absolute sd-server path, or null (resident mode off / not found / sd.cpp not configured).
 * @throws WorkerJobError ENGINE_NOT_CONFIGURED when SD_CPP_SERVER_BIN names a file that is not executable.
 */
export function resolveServerBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.MYSTI_SD_MODE?.trim() === 'cli') return null;
  const named = env.SD_CPP_SERVER_BIN?.trim();
  if (named) {
    if (!isExecutable(named))
      throw new WorkerJobError(
        'ENGINE_NOT_CONFIGURED',
        `SD_CPP_SERVER_BIN points to ${named}, which is not an executable file`,
        { path: named },
      );
    return named;
  }
  let cli: string;
  try {
    cli = resolveBinary(env);
  } catch {
    return null;
  }
  const beside = join(dirname(cli), process.platform === 'win32' ? 'sd-server.exe' : 'sd-server');
  return isExecutable(beside) ? beside : null;
}
