/**
 * Semantic and hybrid gallery search (issue 17) over the stores: `text` is the FTS5 list
 * (runtime/store/gallery.ts), `semantic` ranks by cosine similarity of the query's embedding to
 * each generation's (runtime/store/vectors.ts), `hybrid` fuses both rankings by reciprocal rank
 * fusion (Cormack et al. 2009: score = Σ 1/(60 + rank)).
 *
 * Keyset paging over ranked results — the cursor's choice:
 * - A ranked search looks at a fixed candidate **window** per list (default 200, up to 1000,
 *   `window` query parameter): the `window` nearest vectors and the `window` newest FTS matches.
 *   Results past the window are not returned (the nearest 200 are what "search by meaning" is
 *   for); filters are applied to the candidates, so a very selective filter can shorten the list.
 * - The cursor is `{s: score, i: id, m: snapshot, w: window}`: the page after it holds the items
 *   ordered (score desc, id desc) strictly after (s, i). `m` is the highest generation id when the
 *   first page was served; later pages ignore newer generations, so the candidate set — and with
 *   it every RRF rank — is the same on every page: no item is repeated or skipped while paging
 *   (a generation deleted meanwhile just disappears). Semantic scores are pure functions of
 *   (query, item), so for `semantic` this holds even without the snapshot.
 * - The query text is embedded again for each page; the worker's embedding is deterministic.
 */
import type { GalleryFilter, GalleryItem } from '../../wire/gallery';
import type { GalleryQueries, GalleryPage } from '../store/gallery';
import { encodeCursor } from '../store/gallery';
import type { VectorStore } from '../store/vectors';
import type { Embedder } from './embedder';
import { UserError } from '../errors';

export type SearchMode = 'text' | 'semantic' | 'hybrid';
export const SEARCH_MODES: readonly SearchMode[] = ['text', 'semantic', 'hybrid'];
/** RRF's k: dampens the weight of the very first ranks (60 in the original paper). */
export const RRF_K = 60;
export const DEFAULT_WINDOW = 200;
export const MAX_WINDOW = 1000;

interface RankCursor {
  s: number;
  i: number;
  m: number;
  w: number;
}

/** A ranked page: items carry their `score` (cosine similarity, or the RRF score). */
export interface RankedPage extends GalleryPage {
  mode: SearchMode;
  /** Which space answered and how complete it is (absent for text). */
  embedding?: { model: string; embedded: number; total: number };
}

const CURSOR_PREFIX = 'r1.';

export function encodeRankCursor(c: RankCursor): string {
  return CURSOR_PREFIX + Buffer.from(JSON.stringify([c.s, c.i, c.m, c.w])).toString('base64url');
}

/** @throws UserError BAD_CURSOR when it is not a ranked cursor this server gave out */
export function decodeRankCursor(s: string): RankCursor {
  const bad = () =>
    new UserError('BAD_CURSOR', 'the cursor is not one this server gave out for a ranked search');
  if (!s.startsWith(CURSOR_PREFIX)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(s.slice(CURSOR_PREFIX.length), 'base64url').toString());
  } catch {
    throw bad();
  }
  if (
    !Array.isArray(v) ||
    v.length !== 4 ||
    !v.every((x) => typeof x === 'number' && Number.isFinite(x))
  )
    throw bad();
  const [sc, i, m, w] = v as [number, number, number, number];
  if (
    !Number.isInteger(i) ||
    !Number.isInteger(m) ||
    !Number.isInteger(w) ||
    w < 1 ||
    w > MAX_WINDOW
  )
    throw bad();
  return { s: sc, i, m, w };
}

export interface RankOptions {
  cursor?: string | null;
  limit?: number;
  window?: number;
}

export class SemanticSearch {
  constructor(
    private readonly queries: GalleryQueries,
    private readonly vectors: VectorStore,
    private readonly embedder: Embedder | null,
  ) {}

  /** `hybrid` once an embedding model is configured, else `text`. */
  defaultMode(): SearchMode {
    return this.embedder ? 'hybrid' : 'text';
  }

  /**
   * GET /api/generations with `q` and `mode`.
   * @throws UserError EMBEDDINGS_OFF (409) for semantic/hybrid without an embedding model;
   *   BAD_CURSOR; BAD_REQUEST when semantic/hybrid has no `q`
   */
  async search(
    filter: GalleryFilter,
    mode: SearchMode,
    o: RankOptions,
    signal: AbortSignal,
  ): Promise<RankedPage> {
    // Without text a ranked mode has nothing to rank by: the plain (filtered, newest-first) list.
    if (mode === 'text' || filter.q === undefined || !filter.q.trim()) {
      return {
        ...this.queries.list(filter, { cursor: o.cursor ?? null, limit: o.limit ?? 50 }),
        mode: 'text',
      };
    }
    if (!this.embedder)
      throw new UserError(
        'EMBEDDINGS_OFF',
        `mode=${mode} needs an embedding model: set "search": {"embeddingModel": "<gguf>"} in config.json`,
        undefined,
        409,
      );
    const r = await this.embedder.embed([filter.q], signal);
    return this.rank(filter, mode, r.vectors[0]!, r.key, o);
  }

  /**
   * "More like this": the generations nearest to `generationId`'s own vector (itself excluded),
   * filtered by `filter` (default: not trashed).
   * @throws UserError EMBEDDINGS_OFF (409); NOT_EMBEDDED (409) when that generation has no vector yet
   */
  similar(generationId: number, filter: GalleryFilter, o: RankOptions): RankedPage {
    if (!this.embedder)
      throw new UserError(
        'EMBEDDINGS_OFF',
        'similar images need an embedding model: set "search": {"embeddingModel": "<gguf>"} in config.json',
        undefined,
        409,
      );
    const { model, key } = this.embedder.model();
    const space = this.vectors.space(key, model.id);
    const v = this.vectors.vector(space.id, generationId);
    if (!v)
      throw new UserError(
        'NOT_EMBEDDED',
        `generation ${generationId} has no embedding in ${model.id} yet (the background job is still embedding the library)`,
        undefined,
        409,
      );
    return this.rank({ ...filter, q: undefined }, 'semantic', v, key, o, generationId);
  }

  /**
   * Ranks with a given query vector (the search without the embedding call; the bench uses it).
   * `key` names the embedding space; only that space's vectors are compared.
   */
  rank(
    filter: GalleryFilter,
    mode: 'semantic' | 'hybrid',
    query: ArrayLike<number>,
    key: string,
    o: RankOptions,
    exclude?: number,
  ): RankedPage {
    const limit = Math.min(500, Math.max(1, Math.floor(o.limit ?? 50)));
    const c = o.cursor ? decodeRankCursor(o.cursor) : null;
    const window =
      c?.w ?? Math.min(MAX_WINDOW, Math.max(1, Math.floor(o.window ?? DEFAULT_WINDOW)));
    const snapshot = c?.m ?? this.vectors.maxGenerationId();
    const modelId = key.slice(0, key.lastIndexOf('@'));
    const space = this.vectors.space(key, modelId);
    const { q: _q, ...rest } = filter;

    const near = this.vectors
      .nearest(space.id, query, window + (exclude !== undefined ? 1 : 0))
      .filter((n) => n.generationId <= snapshot && n.generationId !== exclude);
    const passing = this.queries.byIds(
      rest,
      near.map((n) => n.generationId),
    );
    const scored = new Map<number, { item: GalleryItem; score: number }>();
    if (mode === 'semantic') {
      for (const n of near) {
        const item = passing.get(n.generationId);
        if (item) scored.set(item.id, { item, score: 1 - n.distance });
      }
    } else {
      let rank = 0;
      for (const n of near) {
        const item = passing.get(n.generationId);
        if (item) scored.set(item.id, { item, score: 1 / (RRF_K + ++rank) });
      }
      const text =
        filter.q !== undefined
          ? this.queries.list(filter, {
              cursor: encodeCursor({ t: 0, i: snapshot + 1 }),
              limit: window,
            }).items
          : [];
      text.forEach((item, k) => {
        const prev = scored.get(item.id);
        const add = 1 / (RRF_K + k + 1);
        scored.set(item.id, { item, score: (prev?.score ?? 0) + add });
      });
    }
    const ordered = [...scored.values()].sort((a, b) => b.score - a.score || b.item.id - a.item.id);
    const after = c
      ? ordered.filter((x) => x.score < c.s || (x.score === c.s && x.item.id < c.i))
      : ordered;
    const page = after.slice(0, limit);
    const last = page.at(-1);
    const cov = this.vectors.coverage(space.id);
    return {
      mode,
      items: page.map((x) => ({ ...x.item, score: x.score })),
      nextCursor:
        after.length > limit && last
          ? encodeRankCursor({ s: last.score, i: last.item.id, m: snapshot, w: window })
          : null,
      embedding: { model: modelId, ...cov },
    };
  }
}
