/**
 * The integrity rescan job (issue 8): walks every generation in id order, 500 per slice, flags
 * those whose image file is gone (`generations.missing`), clears the flag when a file is back,
 * and queues a thumbnail for any present image without one. Each slice is one job run, so the
 * runner can pause it for interactive work and a restart resumes at the last slice.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GalleryStores } from '../store/gallery-stores';
import type { JobHandler } from './runner';
import { THUMB_JOB } from './schedule';

export interface RescanProgress {
  checked: number;
  missing: number;
  thumbsQueued: number;
  done: boolean;
}

/**
 * Payload `{afterId?: number, checked?, missing?, thumbsQueued?, batch?: number}`.
 * @param onProgress called after every slice with running totals
 */
export function rescanHandler(
  g: GalleryStores,
  roots: { home: string },
  onProgress?: (p: RescanProgress) => void,
): JobHandler {
  return async (job) => {
    const p = job.payload as {
      afterId?: number;
      checked?: number;
      missing?: number;
      thumbsQueued?: number;
      batch?: number;
    };
    const batch = Math.min(5000, Math.max(1, p.batch ?? 500));
    const rows = g.files.scanBatch(p.afterId ?? 0, batch);
    let missing = p.missing ?? 0;
    let thumbsQueued = p.thumbsQueued ?? 0;
    for (const r of rows) {
      // Paths come from our own rows (relative to home, or absolute imports): existence only, nothing is served.
      const exists = fs.existsSync(path.resolve(roots.home, r.filePath));
      if (!exists) missing++;
      if (exists !== !r.missing) g.library.setMissing(r.id, !exists);
      if (exists && !r.hasThumb) thumbsQueued += g.jobs.enqueue(THUMB_JOB(r.id)) ? 1 : 0;
    }
    const progress = {
      checked: (p.checked ?? 0) + rows.length,
      missing,
      thumbsQueued,
      done: rows.length < batch,
    };
    onProgress?.(progress);
    if (progress.done) return;
    return {
      again: { afterId: rows.at(-1)!.id, checked: progress.checked, missing, thumbsQueued, batch },
    };
  };
}
