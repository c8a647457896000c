/**
 * The sd worker process (design.md §2): started by the runtime's supervisor as
 * `node --import tsx workers/sd/main.ts` with MYSTI_WORKER_TOKEN (required), SD_CPP_BIN (the
 * stable-diffusion.cpp CLI; unset → every job fails with ENGINE_NOT_CONFIGURED), MYSTI_SD_THREADS
 * (optional `-t`), SD_CPP_SERVER_BIN / MYSTI_SD_MODE (resident mode, workers/sd/server/locate.ts).
 * Serves the jobs `txt2img`, `img2img`, `upscale` (workers/sd/jobs.ts). With an `sd-server` found,
 * txt2img/img2img run on a resident server child per model stack (workers/sd/server/); upscale
 * and live-preview jobs keep one sd-cli process per job.
 */
import { serveWorker } from '../protocol/server';
import { currentModel, img2img, sdMode, serverManager, txt2img, upscale } from './jobs';
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
  // Resident mode: the server's stack stays loaded between jobs; else the CLI job running now, if any.
  loaded: () => {
    const l = serverManager()?.loaded();
    if (l) return l;
    return currentModel ? { ...currentModel, mode: sdMode().mode } : null;
  },
  // Both soft and hard unload stop the resident sd-server (the weights live only in that process).
  unload: async () => {
    await serverManager()?.stop();
  },
});
