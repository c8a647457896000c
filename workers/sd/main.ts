/**
 * The sd worker process (design.md §2): started by the runtime's supervisor as
 * `node --import tsx workers/sd/main.ts` with MYSTI_WORKER_TOKEN (required), SD_CPP_BIN (the
 * stable-diffusion.cpp CLI; unset → every job fails with ENGINE_NOT_CONFIGURED), MYSTI_SD_THREADS
 * (optional `-t`). Serves the jobs `txt2img`, `img2img`, `upscale` (workers/sd/jobs.ts).
 */
import { serveWorker } from '../protocol/server';
import { currentModel, img2img, txt2img, upscale } from './jobs';
import { liveChildren } from './process';

// An sd.cpp child must not outlive the worker (it would keep using memory the arbiter thinks is free).
function killChildren(): void {
  for (const c of liveChildren) c.kill('SIGKILL');
}
process.on('exit', killChildren);
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(sig, () => {
    killChildren();
    process.exit(128 + ({ SIGTERM: 15, SIGINT: 2, SIGHUP: 1 } as const)[sig]);
  });
}

await serveWorker({
  kind: 'sd',
  jobs: { txt2img, img2img, upscale },
  // One sd.cpp process per job: weights are resident only while a job runs.
  loaded: () => currentModel,
  // Nothing stays loaded between jobs, so both soft and hard unload have nothing to free.
  unload: async () => {},
});
