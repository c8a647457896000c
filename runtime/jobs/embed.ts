/**
 * The `embed` job (issue 17): fills the configured embedding model's space — new generations and
 * the back-fill of old ones — one batch per step (runner slices), resumable from the job's
 * `afterId`, with `job.progress` events `{kind: 'embed', embedded, total, done}`. A job whose
 * space is no longer the configured model's ends at once (the new model has its own job). When
 * a space is complete it becomes `ready` and every other space is dropped, so old and new
 * vectors never coexist longer than the re-embedding takes and are never queried together.
 */
import type { JobHandler } from './runner';
import type { VectorStore } from '../store/vectors';
import type { Embedder } from '../search/embedder';

export interface EmbedProgress {
  spaceKey: string;
  embedded: number;
  total: number;
  done: boolean;
}

/**
 * Payload `{spaceKey, afterId}` (schedule.ts EMBED_JOB).
 * @param batch generations embedded per step
 */
export function embedHandler(
  vectors: VectorStore,
  embedder: Embedder,
  opts: { batch: number; onProgress?: (p: EmbedProgress) => void },
): JobHandler {
  return async (job, signal) => {
    const p = job.payload as { spaceKey?: string; afterId?: number };
    const { model, key } = embedder.model();
    if (p.spaceKey !== key) return; // the model changed since this job was queued
    const space = vectors.space(key, model.id);
    const afterId = Number(p.afterId) || 0;
    const slice = vectors.pending(space.id, afterId, opts.batch);
    // Nothing to say about an empty text: prompt-less, tag-less imports get no vector.
    const todo = slice.items.filter((i) => i.text !== '');
    if (todo.length) {
      const r = await embedder.embed(
        todo.map((t) => t.text),
        signal,
      );
      if (r.key !== key) return;
      vectors.put(
        space.id,
        todo.map((t, i) => ({ generationId: t.generationId, sha1: t.sha1, vector: r.vectors[i]! })),
      );
    }
    const end = slice.scanned < opts.batch * 4 && slice.items.length < opts.batch;
    if (end) {
      vectors.prune(space.id);
      vectors.setState(space.id, 'ready');
      vectors.dropOthers(space.id);
    }
    const cov = vectors.coverage(space.id);
    opts.onProgress?.({ spaceKey: key, ...cov, done: end });
    return end ? undefined : { again: { spaceKey: key, afterId: slice.lastId ?? afterId } };
  };
}
