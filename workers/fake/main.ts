/**
 * A scriptable fake worker for tests and benchmarks only (never used by the studio): speaks the
 * real protocol (workers/protocol/server.ts) so supervisor, scheduler and cancellation are tested
 * against a real process. Job `run` payload:
 * `{mode: 'succeed'|'slow'|'hang'|'crash'|'fail', steps?, stepMs?, crashAtStep?, errorCode?,
 *   memoryBytes?, text?, image?: {width, height, outDir}}`.
 * Every job kind name is accepted (txt2img, complete, …) and behaves like `run`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { ErrorCode } from '../../wire/errors';
import { serveWorker, WorkerJobError, type JobHandler } from '../protocol/server';

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(new WorkerJobError('CANCELLED', 'cancelled'));
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new WorkerJobError('CANCELLED', 'cancelled'));
      },
      { once: true },
    );
  });

let jobsDone = 0;

const run: JobHandler = async (payload, ctx) => {
  const mode = String(payload.mode ?? 'succeed');
  const steps = Number(payload.steps ?? 0);
  const stepMs = Number(payload.stepMs ?? (mode === 'slow' ? 50 : 0));
  for (let step = 1; step <= steps; step++) {
    if (mode === 'crash' && step === Number(payload.crashAtStep ?? 1))
      process.kill(process.pid, 'SIGKILL');
    if (stepMs) await sleep(stepMs, ctx.signal);
    ctx.progress({ phase: 'sampling', step, steps });
  }
  if (mode === 'crash') process.kill(process.pid, 'SIGKILL');
  if (mode === 'hang') await sleep(24 * 3600 * 1000, ctx.signal);
  // Tests choose the code, including ones without a row (to exercise unknown-code handling).
  if (mode === 'fail')
    throw new WorkerJobError(
      String(payload.errorCode ?? 'ENGINE_FAILED') as ErrorCode,
      String(payload.message ?? 'the fake engine failed'),
    );
  jobsDone++;
  const output: Record<string, unknown> = { jobsDone, pid: process.pid };
  if (typeof payload.text === 'string') output.text = payload.text;
  const img = payload.image as { outDir: string; name?: string } | undefined;
  if (img) {
    // A valid 1×1 PNG; content varies with the payload so different params → different files.
    const bytes = Buffer.concat([ONE_PX_PNG, Buffer.from(JSON.stringify(payload))]);
    const file = path.join(img.outDir, img.name ?? `fake-${process.pid}-${jobsDone}.png`);
    fs.mkdirSync(img.outDir, { recursive: true });
    // write-point: none — test worker; scratch in tmp/, swept at start.
    fs.writeFileSync(file, bytes);
    output.images = [
      { path: file, sha256: createHash('sha256').update(bytes).digest('hex'), width: 1, height: 1 },
    ];
  }
  const memoryBytes = Number(payload.memoryBytes ?? 0);
  return { output, ...(memoryBytes ? { memory: { peakRssBytes: memoryBytes } } : {}) };
};

// 1×1 transparent PNG (bytes of a minimal valid file); trailing bytes after IEND are ignored by decoders.
const ONE_PX_PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082',
  'hex',
);

await serveWorker({
  kind: process.env.MYSTI_FAKE_KIND ?? 'fake',
  jobs: new Proxy({} as Record<string, JobHandler>, { get: () => run }),
  loaded: () => (jobsDone ? { modelId: 'fake-model', path: '/dev/null', bytes: 1024 } : null),
  unload: async () => {},
});
