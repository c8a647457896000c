/**
 * Maps a failed sd.cpp run to a stable error code (shared/docs/sdcpp.md §1.4):
 *
 * | evidence | code |
 * | --- | --- |
 * | we cancelled it | CANCELLED |
 * | exit 137 / SIGKILL and the kernel's OOM-kill counter moved during the run (oom-evidence.ts), or ggml printed an allocation failure | OUT_OF_MEMORY |
 * | exit 137 / SIGKILL without that evidence (someone killed it: `kill -9`, a stop) | ENGINE_KILLED (not retried) |
 * | exit 134 / SIGABRT with `insufficient memory` (ggml_aligned_malloc) | OUT_OF_MEMORY |
 * | exit 134 / SIGABRT with `std::invalid_argument` (non-numeric number) | BAD_PARAMS |
 * | `unknown argument`, `invalid parameter for argument`, `arguments are required`, `load image from … failed` | BAD_PARAMS |
 * | `init model loader from file failed: '<p>'` / `get sd version …` / `new_sd_ctx_t failed` | MODEL_NOT_FOUND when `<p>` does not exist, else MODEL_INVALID |
 * | `not in model metadata`, `has wrong shape` | MODEL_INVALID |
 * | anything else (save failure, `failed to create directory`, unknown) | ENGINE_FAILED |
 *
 * Details always carry `exitCode`, `signal` and sd.cpp's `[ERROR]` lines (`errorLines`).
 */
import { existsSync } from 'node:fs';
import { WorkerJobError } from '../protocol/server';

/** How the sd.cpp process ended and what it printed. */
export interface SdExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Non-bar stdout lines (ANSI stripped). */
  stdoutLines: readonly string[];
  /** stderr lines. */
  stderrLines: readonly string[];
  cancelled: boolean;
  /**
   * Kernel evidence for a SIGKILL: true = an OOM kill was counted while the engine ran, false = none
   * was, undefined/null = unknown (counters unreadable). Only `true` makes a bare SIGKILL an OOM.
   */
  oomKilled?: boolean | null;
}

const ERROR_LINE = /^\[ERROR\]\s*/;

function details(x: SdExit, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const errorLines = x.stderrLines.filter((l) => l.trim()).slice(-40);
  const failureLines = x.stdoutLines.filter((l) => /failed|failure/i.test(l)).slice(-10);
  return {
    exitCode: x.code,
    signal: x.signal,
    errorLines,
    ...(failureLines.length ? { stdoutFailures: failureLines } : {}),
    ...extra,
  };
}

/** The message part of `[ERROR] file:LINE - message` lines (or the raw line). */
function messages(lines: readonly string[]): string[] {
  return lines
    .map((l) =>
      l
        .replace(ERROR_LINE, '')
        .replace(/^[^\s:]+:\d+\s*-\s/, '')
        .trim(),
    )
    .filter(Boolean);
}

/** Maps a non-zero (or signalled) exit to a {@link WorkerJobError}. */
export function mapSdFailure(x: SdExit): WorkerJobError {
  const all = [...x.stderrLines, ...x.stdoutLines].join('\n');
  const aborted = x.code === 134 || x.signal === 'SIGABRT';
  const msgs = messages(x.stderrLines);
  const first = msgs.find((m) => !/^GGML_ASSERT|what\(\)/.test(m)) ?? msgs[0];
  if (x.cancelled) return new WorkerJobError('CANCELLED', 'cancelled', details(x));
  const oom =
    /insufficient memory \(attempted to allocate ([\d.]+ ?[KMG]?B)\)/.exec(all) ??
    (/out of memory|failed to allocate/i.test(all) ? [''] : null);
  if (x.code === 137 || x.signal === 'SIGKILL') {
    if (x.oomKilled === true || oom) {
      return new WorkerJobError(
        'OUT_OF_MEMORY',
        "stable-diffusion.cpp was killed by the kernel's out-of-memory killer (exit 137). Try a smaller size, VAE tiling or a smaller model.",
        details(x, {
          oomEvidence: x.oomKilled === true ? 'kernel oom_kill counter' : 'engine allocation error',
        }),
      );
    }
    const why =
      x.oomKilled === false
        ? 'the kernel counted no out-of-memory kill, so another process killed it'
        : 'no out-of-memory evidence was readable';
    return new WorkerJobError(
      'ENGINE_KILLED',
      `stable-diffusion.cpp was killed by SIGKILL from outside (${why}); not retried`,
      details(x),
    );
  }
  if (aborted && oom) {
    return new WorkerJobError(
      'OUT_OF_MEMORY',
      `stable-diffusion.cpp ran out of memory${oom[1] ? ` (could not allocate ${oom[1]})` : ''}. Try a smaller size, VAE tiling, or VAE/CLIP on CPU.`,
      details(x, oom[1] ? { attempted: oom[1] } : {}),
    );
  }
  if (aborted && /std::invalid_argument|std::out_of_range/.test(all)) {
    return new WorkerJobError(
      'BAD_PARAMS',
      'stable-diffusion.cpp rejected a numeric parameter (not a number or out of range)',
      details(x),
    );
  }
  const loader =
    /init model loader from file failed: '([^']*)'|get sd version from file failed: '([^']*)'/.exec(
      all,
    );
  if (loader) {
    const path = loader[1] ?? loader[2] ?? '';
    if (!existsSync(path))
      return new WorkerJobError(
        'MODEL_NOT_FOUND',
        `model file not found: ${path}`,
        details(x, { path }),
      );
    return new WorkerJobError(
      'MODEL_INVALID',
      `stable-diffusion.cpp cannot load ${path}: not a supported model file, or truncated`,
      details(x, { path }),
    );
  }
  const tensor = /tensor '([^']+)' (not in model metadata|has wrong shape[^\n]*)/.exec(all);
  if (tensor) {
    return new WorkerJobError(
      'MODEL_INVALID',
      `the model does not fit this engine: tensor '${tensor[1]}' ${tensor[2]!.startsWith('not') ? 'is missing' : 'has the wrong shape'} (wrong family, or a partial file)`,
      details(x, { tensor: tensor[1] }),
    );
  }
  if (/new_sd_ctx_t failed/.test(all))
    return new WorkerJobError(
      'MODEL_INVALID',
      `stable-diffusion.cpp could not load the model${first ? `: ${first}` : ''}`,
      details(x),
    );
  const img = /load image from '([^']*)' failed/.exec(all);
  if (img)
    return new WorkerJobError(
      'BAD_PARAMS',
      `the input image ${img[1]} could not be read`,
      details(x, { path: img[1] }),
    );
  if (
    /unknown argument|invalid parameter for argument|arguments are required|error: invalid /.test(
      all,
    )
  ) {
    return new WorkerJobError(
      'BAD_PARAMS',
      `stable-diffusion.cpp rejected the arguments: ${first ?? 'bad parameter'}`,
      details(x),
    );
  }
  const how = x.signal ? `was killed by ${x.signal}` : `exited with code ${x.code}`;
  return new WorkerJobError(
    'ENGINE_FAILED',
    `stable-diffusion.cpp ${how}${first ? `: ${first}` : ''}`,
    details(x),
  );
}

/**
 * The exit-0 upscale failure (sdcpp.md §1.4 last row): `new_upscaler_ctx failed` / `upscale failed`
 * on stderr while the NON-upscaled image is saved. Returns the error, or null when upscaling worked
 * as far as the log tells (callers also compare the output size with the input size).
 */
export function upscaleFailure(x: SdExit, upscalerPath: string): WorkerJobError | null {
  const text = x.stderrLines.join('\n');
  if (/new_upscaler_ctx failed/.test(text)) {
    if (!existsSync(upscalerPath))
      return new WorkerJobError(
        'MODEL_NOT_FOUND',
        `upscaler model not found: ${upscalerPath}`,
        details(x, { path: upscalerPath }),
      );
    return new WorkerJobError(
      'MODEL_INVALID',
      `stable-diffusion.cpp could not load the upscaler ${upscalerPath} (not an ESRGAN model?)`,
      details(x, { path: upscalerPath }),
    );
  }
  if (/upscale failed/.test(text))
    return new WorkerJobError(
      'ENGINE_FAILED',
      'stable-diffusion.cpp failed to upscale the image (it exited 0 but kept the original size)',
      details(x),
    );
  return null;
}
