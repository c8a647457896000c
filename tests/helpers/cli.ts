/**
 * Runs the `mysti` CLI as a user does: a child process (`node --import tsx runtime/cli.ts …`) on a
 * temp home with the sd.cpp stand-in; resolves with the exit code and both streams.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT, type TempHome } from './temp-home';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `mysti <args>` on `home`; `timeoutMs` kills a command that hangs (it then resolves with code null). */
export function mysti(
  home: TempHome,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'runtime/cli.ts'), ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, ...home.env, SDCPP_STANDIN_STEP_MS: '2', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
