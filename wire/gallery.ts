/**
 * The gallery's JSON shapes as they cross the HTTP API (runtime/server/routes/generations.ts):
 * declared once here for the runtime's stores and the editor's client (editor/src/gallery/api.ts),
 * with the generation-parameters record they share.
 * Types only, no imports: the editor bundle stays free of Node code.
 */

/**
 * The generation-parameters record: the settings an image was made with, as the gallery stores,
 * searches and shows them. Declared once here and extended by every record that carries it — the
 * store's rows (runtime/store/generations.ts), the importers' extract (runtime/importers/index.ts),
 * the library reader (runtime/library/import-read.ts) and {@link GalleryItem}.
 * null = unknown (e.g. an imported image whose metadata lacks the field).
 */
export interface GenerationParams {
  prompt: string | null;
  negativePrompt: string | null;
  /** Exact decimal seed text (seeds go up to 2^63−1, beyond JSON's exact integers). */
  seed: string | null;
  /** px */
  width: number | null;
  /** px */
  height: number | null;
  steps: number | null;
  /** CFG scale. */
  cfgScale: number | null;
  /** sd.cpp sampler name (mapped from the source tool's). */
  sampler: string | null;
  /** sd.cpp scheduler name. */
  scheduler: string | null;
}

/** Who attached a tag: the user, the LLM tagger, or an imported file's own metadata. */
export type TagSource = 'user' | 'llm_auto' | 'import';

/** Filters of GET /api/generations. Times are ms since epoch; sizes are px. */
export interface GalleryFilter {
  /** Free text over prompt, negative prompt and tag names (every word must match; the last is a prefix). */
  q?: string;
  /** A tag name (normalized and alias-mapped by the runtime). */
  tag?: string;
  /** Only tags from this source (with `tag`: that tag from that source; alone: any tag from it). */
  tagSource?: TagSource;
  /** Exact `model_id` (the registry id the image was made with). */
  model?: string;
  /** created_at ≥ from (inclusive). */
  from?: number;
  /** created_at ≤ to (inclusive). */
  to?: number;
  favorite?: boolean;
  minWidth?: number;
  minHeight?: number;
  maxWidth?: number;
  maxHeight?: number;
  /** A collection id: manual = its items; smart = its saved query merged under these filters. */
  collection?: number;
  /** true = the trash only; default = everything not trashed. */
  trash?: boolean;
  /** Only images whose file is missing (integrity rescan). */
  missing?: boolean;
}

/** One gallery tile (an item of GET /api/generations). Sizes px, times ms since epoch. */
export interface GalleryItem extends Omit<GenerationParams, 'scheduler'> {
  id: number;
  uuid: string;
  createdAt: number;
  modelId: string | null;
  modelName: string | null;
  isFavorite: boolean;
  deletedAt: number | null;
  missing: boolean;
  hasThumb: boolean;
  /** Ranked searches only (issue 17): cosine similarity (semantic) or the fused RRF score (hybrid). */
  score?: number;
}

/** GET /api/generations/facets: what the filter panel offers, with counts. */
export interface Facets {
  models: { modelId: string; count: number }[];
  tags: { name: string; count: number }[];
  counts: { live: number; favorites: number; trash: number; missing: number };
}
