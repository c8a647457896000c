/**
 * The `autotag` job (issue 8): asks the LLM worker's grammar-constrained `tag` job about a
 * generation's prompt and stores the normalized, alias-mapped tags with source `llm_auto` — a
 * user's own tag of the same name is never downgraded (runtime/store/tags.ts). It is only
 * scheduled when config.json names a model: `"autoTag": {"model": "<llm registry id or file>"}`.
 */
import type { Store } from '../store';
import { attachTags, resolveAlias } from '../store/tags';
import { normalizeTags, type RawTag } from '../llm/tags';
import type { JobHandler } from './runner';
import { PermanentJobError } from './errors';
import type { GalleryStores } from '../store/gallery-stores';

/** Reads `autoTag` from the raw config.json: the model reference, or null when auto-tagging is off. */
export function autoTagModel(
  raw: Record<string, unknown>,
): { model: string; maxTags: number } | null {
  const a = raw.autoTag as { model?: unknown; maxTags?: unknown } | undefined;
  if (!a || typeof a.model !== 'string' || !a.model.trim()) return null;
  const maxTags = Number.isInteger(a.maxTags) ? Math.min(32, Math.max(1, a.maxTags as number)) : 8;
  return { model: a.model.trim(), maxTags };
}

/** Asks the LLM for tags of `text` (the runtime wires this to arbiter + supervisor). */
export type TagText = (text: string, maxTags: number, signal: AbortSignal) => Promise<RawTag[]>;

/**
 * Payload `{generationId}`. The text is the generation's prompt, else the nearest prompt along its
 * lineage (issue 17 §5); with neither the job fails permanently with NOTHING_KNOWN (no retries:
 * waiting will not make a description appear).
 */
export function autotagHandler(
  store: Store,
  g: GalleryStores,
  tagText: TagText,
  opts: { categories: readonly string[]; maxTags: number },
): JobHandler {
  return async (job, signal) => {
    const id = Number(job.payload.generationId);
    const src = g.files.source(id);
    const row = src ? store.generations.byUuid(src.uuid) : undefined;
    if (!row) return;
    const text =
      (row.prompt ?? '').trim() ||
      (
        store.generations.lineagePrompt({ sha256: row.sha256, artifactId: row.artifactId }) ?? ''
      ).trim();
    if (!text)
      throw new PermanentJobError(
        'NOTHING_KNOWN',
        `nothing is known about generation ${row.uuid} to tag it from: no prompt in it or its lineage`,
      );
    const db = store.db;
    const raw = await tagText(text, opts.maxTags, signal);
    const tags = normalizeTags(raw, {
      categories: opts.categories,
      maxTags: opts.maxTags,
      alias: (n) => resolveAlias(db, n)?.normalizedName,
    });
    db.transaction(() => attachTags(db, id, tags, 'llm_auto'))();
  };
}
