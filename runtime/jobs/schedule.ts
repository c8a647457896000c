/**
 * The job kinds the gallery queues, with their priorities (higher first) and dedupe keys:
 * thumbnails first (the user is looking at the grid), then tags, then rescans.
 */
import type { NewJob } from '../store/jobs';

/** Thumbnail of one generation (priority 10, 3 attempts; one queued per generation). */
export const THUMB_JOB = (generationId: number): NewJob => ({
  kind: 'thumb',
  payload: { generationId },
  dedupeKey: `thumb:${generationId}`,
  priority: 10,
  maxAttempts: 3,
});
/** LLM auto-tagging of one generation (priority 5, 4 attempts; one queued per generation). */
export const AUTOTAG_JOB = (generationId: number): NewJob => ({
  kind: 'autotag',
  payload: { generationId },
  dedupeKey: `autotag:${generationId}`,
  priority: 5,
  maxAttempts: 4,
});
/** Integrity rescan of the whole library from the first id, `batch` generations per step (priority 0; one at a time). */
export const RESCAN_JOB = (batch = 500): NewJob => ({
  kind: 'rescan',
  payload: { afterId: 0, batch },
  dedupeKey: 'rescan',
  priority: 0,
  maxAttempts: 3,
});
/**
 * Embedding back-fill of one embedding space (issue 17; priority 3, below tags): walks the
 * library in id order from `afterId`, one batch per step, so it pauses for runs and resumes after
 * a restart. One per space; a new generation re-queues it from just below its id.
 */
export const EMBED_JOB = (spaceKey: string, afterId = 0): NewJob => ({
  kind: 'embed',
  payload: { spaceKey, afterId },
  dedupeKey: `embed:${spaceKey}`,
  priority: 3,
  maxAttempts: 5,
});
