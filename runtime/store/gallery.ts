/**
 * Gallery listing (issue 8, design.md §7–8): filtered, newest-first pages with keyset (cursor)
 * pagination — never OFFSET (anchors-performance.md §5: OFFSET costs ~50 µs per 1 000 skipped
 * rows; a seek is O(log n) at any depth).
 *
 * Each list is driven by exactly one index walked backwards from the cursor, chosen from the most
 * selective filter present; the other filters become per-row predicates on the generation (a
 * primary-key lookup):
 *
 * | filter present      | driving index                                   | order               |
 * |---------------------|-------------------------------------------------|---------------------|
 * | `q` (text)          | generations_fts (FTS5 rowid)                    | id DESC (added)     |
 * | `collection`        | collection_items_order                          | created_at, id DESC |
 * | `tag` + `favorite`  | gallery_tag_fav (partial: live favorites only)  | created_at, id DESC |
 * | `tag`               | gallery_tag_index                               | created_at, id DESC |
 * | `model`             | gen_model_created                               | created_at, id DESC |
 * | `favorite`          | gen_fav_created                                 | created_at, id DESC |
 * | `trash`             | gen_trash_created                               | created_at, id DESC |
 * | (none)              | gen_live_created                                | created_at, id DESC |
 *
 * Text search orders by FTS rowid (= generation id, i.e. the order images were added), which
 * keeps "newest first" sub-millisecond at 1 M rows (anchors-performance.md §6); bm25 ranking
 * over many hits would not be.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db';
import { normalizeTagName } from '../llm/tags';
import { resolveAlias } from './tags';
import type { GalleryFilter, GalleryItem } from '../../wire/gallery';
import { UserError } from '../errors';

export type { GalleryFilter, GalleryItem } from '../../wire/gallery';

export interface GalleryPage {
  items: GalleryItem[];
  /** Opaque; pass back as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

interface Cursor {
  t: number;
  i: number;
}

// Past any ms timestamp or rowid we will ever store, so the first page is the same seek as later ones.
const TOP: Cursor = { t: Number.MAX_SAFE_INTEGER, i: Number.MAX_SAFE_INTEGER };
export const MAX_PAGE = 500;

/** Encodes a keyset position as an opaque URL-safe string. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.t}:${c.i}`).toString('base64url');
}

/**
 * Decodes a cursor from {@link encodeCursor}.
 * @throws UserError BAD_CURSOR (400) when it is not one of ours
 */
export function decodeCursor(s: string): Cursor {
  const m = /^(-?\d{1,16}):(\d{1,16})$/.exec(Buffer.from(s, 'base64url').toString());
  if (!m) throw new UserError('BAD_CURSOR', 'the cursor is not one this server gave out');
  return { t: Number(m[1]), i: Number(m[2]) };
}

const ITEM_COLUMNS = `g.id, g.uuid, g.created_at, g.prompt, g.negative_prompt, g.width, g.height, CAST(g.seed AS TEXT) AS seed, g.steps, g.cfg_scale,
  g.sampler, g.model_id, g.model_name, g.is_favorite, g.deleted_at, g.missing,
  EXISTS (SELECT 1 FROM generation_files tf WHERE tf.generation_id = g.id AND tf.role = 'thumb') AS has_thumb`;

interface RawItem {
  id: number;
  uuid: string;
  created_at: number;
  prompt: string | null;
  negative_prompt: string | null;
  width: number | null;
  height: number | null;
  seed: string | null;
  steps: number | null;
  cfg_scale: number | null;
  sampler: string | null;
  model_id: string | null;
  model_name: string | null;
  is_favorite: number;
  deleted_at: number | null;
  missing: number;
  has_thumb: number;
}

const toItem = (r: RawItem): GalleryItem => ({
  id: r.id,
  uuid: r.uuid,
  createdAt: r.created_at,
  prompt: r.prompt,
  negativePrompt: r.negative_prompt,
  width: r.width,
  height: r.height,
  seed: r.seed,
  steps: r.steps,
  cfgScale: r.cfg_scale,
  sampler: r.sampler,
  modelId: r.model_id,
  modelName: r.model_name,
  isFavorite: r.is_favorite === 1,
  deletedAt: r.deleted_at,
  missing: r.missing === 1,
  hasThumb: r.has_thumb === 1,
});

/**
 * Turns what a user typed into a safe FTS5 query: each word quoted (so `(masterpiece:1.2)` or
 * `ver1.1` cannot become an operator or a slow phrase — anchors-performance.md §6), all words
 * required, the last one a prefix (search as you type) unless the text ends after it (a space or
 * punctuation: the word is finished). Returns null when nothing searchable is left.
 *
 * Why the finished-word rule matters: an exact term is read incrementally, newest first, while a
 * prefix longer than the prefix indexes (0050: 1–3 characters) makes FTS5 merge the doclists of
 * every matching term before the first row (1 M rows: "lighthouse" 4.8 ms, "blurry" 9.8 ms p50;
 * as exact terms well under 1 ms).
 */
export function ftsQuery(text: string): string | null {
  const norm = text.normalize('NFKC').toLowerCase();
  const words = norm.match(/[\p{L}\p{N}]+/gu)?.slice(0, 16) ?? [];
  if (!words.length) return null;
  const lastIsPrefix = /[\p{L}\p{N}]$/u.test(norm);
  return words
    .map((w, k) => (k === words.length - 1 && lastIsPrefix ? `"${w}"*` : `"${w}"`))
    .join(' ');
}

/** The SQL a filter set runs (exposed so tests can EXPLAIN QUERY PLAN it) and its parameters. */
export interface BuiltQuery {
  sql: string;
  params: Record<string, unknown>;
  /** 'id' when the order is the FTS rowid; 'created' when (created_at, id). */
  order: 'id' | 'created';
}

/**
 * Builds the page query for `f` (a smart collection must already be merged in) from a cursor.
 * Returns null when the filters cannot match anything (an unknown tag, an empty search).
 * With `ids` it instead selects those generations that pass every filter except `q` (semantic
 * search's candidates; unordered, no paging).
 */
export function buildListQuery(
  db: Db,
  f: GalleryFilter,
  cursor: Cursor | null,
  limit: number,
  ids?: readonly number[],
): BuiltQuery | null {
  const params: Record<string, unknown> = { limit };
  const preds: string[] = [];
  const c = cursor ?? { t: f.to ?? TOP.t, i: TOP.i };
  params.ct = c.t;
  params.ci = c.i;

  let tagId: number | null = null;
  if (f.tag !== undefined) {
    tagId = tagIdFor(db, f.tag);
    if (tagId === null) return null;
    params.tagId = tagId;
  }
  if (f.tagSource) params.tagSource = f.tagSource;

  // Predicates every driver needs unless its index already implies them.
  const pred = {
    trash: () => preds.push(f.trash ? 'g.deleted_at IS NOT NULL' : 'g.deleted_at IS NULL'),
    favorite: () => f.favorite !== undefined && preds.push(`g.is_favorite = ${f.favorite ? 1 : 0}`),
    model: () =>
      f.model !== undefined && (preds.push('g.model_id = @model'), (params.model = f.model)),
    tag: () =>
      tagId !== null
        ? preds.push(
            `EXISTS (SELECT 1 FROM image_tags it WHERE it.generation_id = g.id AND it.tag_id = @tagId${f.tagSource ? ' AND it.source = @tagSource' : ''})`,
          )
        : f.tagSource &&
          preds.push(
            'EXISTS (SELECT 1 FROM image_tags it WHERE it.generation_id = g.id AND it.source = @tagSource)',
          ),
    created: (col: string) => {
      if (f.from !== undefined) (preds.push(`${col} >= @from`), (params.from = f.from));
      if (f.to !== undefined && col !== 'g.created_at')
        (preds.push(`${col} <= @to`), (params.to = f.to));
    },
  };
  if (f.minWidth !== undefined)
    (preds.push('g.width >= @minWidth'), (params.minWidth = f.minWidth));
  if (f.minHeight !== undefined)
    (preds.push('g.height >= @minHeight'), (params.minHeight = f.minHeight));
  if (f.maxWidth !== undefined)
    (preds.push('g.width <= @maxWidth'), (params.maxWidth = f.maxWidth));
  if (f.maxHeight !== undefined)
    (preds.push('g.height <= @maxHeight'), (params.maxHeight = f.maxHeight));
  if (f.missing) preds.push('g.missing = 1');

  const where = () => (preds.length ? ` AND ${preds.join(' AND ')}` : '');

  // Every filter as a per-row predicate (text search, and semantic search's candidate filter).
  const rowPredicates = () => {
    pred.trash();
    pred.favorite();
    pred.model();
    pred.tag();
    if (f.collection !== undefined)
      (preds.push(
        'EXISTS (SELECT 1 FROM collection_items ci WHERE ci.collection_id = @collection AND ci.generation_id = g.id)',
      ),
        (params.collection = f.collection));
    if (f.from !== undefined) (preds.push('g.created_at >= @from'), (params.from = f.from));
    if (f.to !== undefined) (preds.push('g.created_at <= @to'), (params.to = f.to));
  };

  if (ids) {
    rowPredicates();
    params.ids = JSON.stringify(ids);
    delete params.ct;
    delete params.ci;
    delete params.limit;
    return {
      order: 'id',
      params,
      sql: `SELECT ${ITEM_COLUMNS} FROM generations g WHERE g.id IN (SELECT value FROM json_each(@ids))${where()}`,
    };
  }

  if (f.q !== undefined) {
    const q = ftsQuery(f.q);
    if (q === null) return null;
    params.q = q;
    rowPredicates();
    params.ci = cursor ? cursor.i : TOP.i;
    delete params.ct;
    return {
      order: 'id',
      params,
      sql: `SELECT ${ITEM_COLUMNS} FROM generations_fts f JOIN generations g ON g.id = f.rowid
        WHERE generations_fts MATCH @q AND f.rowid < @ci${where()} ORDER BY f.rowid DESC LIMIT @limit`,
    };
  }

  if (f.collection !== undefined) {
    params.collection = f.collection;
    pred.trash();
    pred.favorite();
    pred.model();
    pred.tag();
    pred.created('ci.created_at');
    return {
      order: 'created',
      params,
      sql: `SELECT ${ITEM_COLUMNS} FROM collection_items ci JOIN generations g ON g.id = ci.generation_id
        WHERE ci.collection_id = @collection AND (ci.created_at, ci.generation_id) < (@ct, @ci)${where()}
        ORDER BY ci.created_at DESC, ci.generation_id DESC LIMIT @limit`,
    };
  }

  if (tagId !== null) {
    pred.trash();
    pred.favorite();
    pred.model();
    pred.created('x.created_at');
    if (f.tagSource) preds.push('x.source = @tagSource');
    // Favorites with a tag: the partial index holds only live favorites (0050), so the page is a
    // seek instead of a walk over every row of the tag.
    const fav = f.favorite === true && !f.trash;
    if (fav) preds.push('x.live_favorite = 1');
    return {
      order: 'created',
      params,
      sql: `SELECT ${ITEM_COLUMNS} FROM gallery_tag_index x${fav ? ' INDEXED BY gallery_tag_fav' : ''} JOIN generations g ON g.id = x.generation_id
        WHERE x.tag_id = @tagId AND (x.created_at, x.generation_id) < (@ct, @ci)${where()}
        ORDER BY x.created_at DESC, x.generation_id DESC LIMIT @limit`,
    };
  }

  let index: string;
  if (f.model !== undefined && !f.trash) {
    index = 'gen_model_created';
    params.model = f.model;
    preds.push('g.model_id = @model', 'g.deleted_at IS NULL');
    pred.favorite();
  } else if (f.favorite === true && !f.trash) {
    index = 'gen_fav_created';
    preds.push('g.is_favorite = 1', 'g.deleted_at IS NULL');
  } else {
    index = f.trash ? 'gen_trash_created' : 'gen_live_created';
    pred.trash();
    pred.favorite();
    pred.model();
  }
  pred.tag();
  pred.created('g.created_at');
  return {
    order: 'created',
    params,
    // INDEXED BY makes a plan change an error instead of a silent full scan.
    sql: `SELECT ${ITEM_COLUMNS} FROM generations g INDEXED BY ${index}
      WHERE (g.created_at, g.id) < (@ct, @ci)${where()} ORDER BY g.created_at DESC, g.id DESC LIMIT @limit`,
  };
}

/** The tag id for a user-typed name (normalized, alias-mapped), or null when no such tag exists. */
export function tagIdFor(db: Db, name: string): number | null {
  const norm = normalizeTagName(name);
  if (!norm) return null;
  const aliased = resolveAlias(db, norm);
  if (aliased) return aliased.id;
  const r = db
    .prepare<[string], { id: number }>('SELECT id FROM tags WHERE normalized_name = ?')
    .get(norm);
  return r?.id ?? null;
}

/** Prefixes up to this many characters are served by the FTS prefix indexes (0050: prefix = '1 2 3'). */
const INDEXED_PREFIX = 3;
/** Candidates a long prefix may check before the plain prefix query is used instead. */
export const PREFIX_CANDIDATES = 2000;
const PROBE_BATCH = 64;
/**
 * A tag with at most this many images drives a text search itself (smallTagCandidates): reading
 * and checking a candidate costs about as much as FTS5 skipping a row of the text's doclist
 * that lacks the tag, so below this size the tag is the cheaper side for any common word.
 */
export const SMALL_TAG = 20_000;
/** Candidates from a tag checked before its text search falls back to the FTS-driven query. */
const TAG_CANDIDATES = 512;

type ProbeRow = RawItem & {
  fts_prompt: string | null;
  fts_negative: string | null;
  fts_tags: string | null;
};

// The FTS columns of a candidate are plain ASCII (the usual prompt): then unicode61's tokens are
// exactly the runs of [A-Za-z0-9], lower-cased (every other ASCII character is a space,
// punctuation or symbol, which its default categories 'L* N* Co' treat as separators, and
// remove_diacritics changes nothing), so the prefix can be checked in JavaScript, exactly.
// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
const isAscii = (r: ProbeRow) =>
  ASCII.test(r.fts_prompt ?? '') &&
  ASCII.test(r.fts_negative ?? '') &&
  ASCII.test(r.fts_tags ?? '');
/**
 * Whether an ASCII row matches the AND-ed `words` of {@link ftsQuery}: each a token of some
 * column, the last one a token's prefix when `lastIsPrefix` (all words `[a-z0-9]`).
 */
function asciiMatch(r: ProbeRow, words: string[], lastIsPrefix: boolean): boolean {
  const tokens =
    `${r.fts_prompt ?? ''} ${r.fts_negative ?? ''} ${r.fts_tags ?? ''}`
      .toLowerCase()
      .match(/[a-z0-9]+/g) ?? [];
  const set = new Set(tokens);
  const n = lastIsPrefix ? words.length - 1 : words.length;
  for (let k = 0; k < n; k++) if (!set.has(words[k]!)) return false;
  if (!lastIsPrefix) return true;
  const p = words.at(-1)!;
  return tokens.some((t) => t.startsWith(p));
}

/**
 * A per-connection temp FTS5 table with the gallery index's tokenizer (0050), used to check
 * candidate rows against a text query exactly as the real index would match them. Rows live in
 * it only for the duration of one {@link check}.
 */
class FtsProbe {
  private readonly ins: Statement;
  private readonly match: Statement;
  private readonly clear: Statement;
  constructor(private readonly db: Db) {
    // Contentless (content=''): it keeps no copy of the text, and 'delete-all' empties it at once.
    db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS temp.gallery_fts_probe USING fts5(prompt, negative_prompt, tags,
      content = '', tokenize = 'unicode61 remove_diacritics 2', detail = column)`);
    this.ins = db.prepare(
      'INSERT INTO temp.gallery_fts_probe (rowid, prompt, negative_prompt, tags) VALUES (?, ?, ?, ?)',
    );
    this.match = db
      .prepare('SELECT rowid FROM temp.gallery_fts_probe WHERE gallery_fts_probe MATCH ?')
      .pluck();
    this.clear = db.prepare(
      "INSERT INTO temp.gallery_fts_probe (gallery_fts_probe) VALUES ('delete-all')",
    );
  }

  /** The ids of `rows` whose FTS columns match the FTS5 query `q`. */
  check(rows: ProbeRow[], q: string): Set<number> {
    return this.db.transaction(() => {
      for (const r of rows) this.ins.run(r.id, r.fts_prompt, r.fts_negative, r.fts_tags);
      const ids = new Set(this.match.all(q) as number[]);
      this.clear.run();
      return ids;
    })();
  }
}

/** Lists gallery pages; statements are prepared once per query shape. */
export class GalleryQueries {
  private readonly cache = new Map<string, Statement>();
  private readonly smart;

  constructor(private readonly db: Db) {
    this.smart = db.prepare<[number], { kind: string; query_json: string | null }>(
      'SELECT kind, query_json FROM collections WHERE id = ?',
    );
  }

  /**
   * One page of the gallery, newest first.
   * @param opts.limit items per page, 1..500 (default 50)
   * @throws UserError BAD_CURSOR on a cursor this server did not issue; NOT_FOUND (404) for an unknown collection
   */
  list(filter: GalleryFilter, opts: { cursor?: string | null; limit?: number } = {}): GalleryPage {
    const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(opts.limit ?? 50)));
    const f = this.expandSmart(filter);
    const cursor = opts.cursor ? decodeCursor(opts.cursor) : null;
    const raw = this.longPrefixPage(f, cursor, limit) ?? this.page(f, cursor, limit);
    if (!raw) return { items: [], nextCursor: null };
    const items = raw.rows.map(toItem);
    const last = items.at(-1);
    const nextCursor =
      items.length === limit && last
        ? encodeCursor({ t: raw.order === 'id' ? 0 : last.createdAt, i: last.id })
        : null;
    return { items, nextCursor };
  }

  /**
   * The generations among `ids` that pass every filter of `filter` except `q` (semantic search
   * filters its nearest neighbours with this), keyed by id.
   */
  byIds(filter: GalleryFilter, ids: readonly number[]): Map<number, GalleryItem> {
    const out = new Map<number, GalleryItem>();
    if (!ids.length) return out;
    const built = buildListQuery(this.db, this.expandSmart(filter), null, 1, ids);
    if (!built) return out;
    for (const r of this.statement(built.sql).all(built.params) as RawItem[])
      out.set(r.id, toItem(r));
    return out;
  }

  private statement(sql: string): Statement {
    let st = this.cache.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }

  /** The page as {@link buildListQuery} plans it; null when nothing can match. */
  private page(
    f: GalleryFilter,
    cursor: Cursor | null,
    limit: number,
  ): { rows: RawItem[]; order: BuiltQuery['order'] } | null {
    const built = buildListQuery(this.db, f, cursor, limit);
    if (!built) return null;
    return { rows: this.statement(built.sql).all(built.params) as RawItem[], order: built.order };
  }

  /**
   * Search-as-you-type with a last word longer than the FTS prefix indexes (0050: 1–3
   * characters): the same rows as the plain prefix query, without its cost. FTS5 answers
   * `"lighthouse"*` by merging the doclist of every term that starts with it before the first row
   * (1 M rows: "lighthouse" 8.3 ms, "blurry" 15 ms p95), while a three-letter prefix (`"lig"*`)
   * is one prefix-index doclist read lazily, newest first. So the rows of the shorter prefix are
   * the candidates — a superset, as every token starting with "lighthouse" starts with "lig" — and
   * each batch of candidates is checked against the whole prefix by a per-connection temp FTS5
   * table with the same tokenizer (an exact check: the same tokens as the real index), in order,
   * until the page is full. More than {@link PREFIX_CANDIDATES} candidates without filling the
   * page (a rare word under a common three letters) falls back to the plain query.
   *
   * With a small tag filter, the tag's rows are the candidates instead ({@link smallTagCandidates}).
   * Returns null when no fast path applies (no text search, a short or finished last word).
   */
  private longPrefixPage(
    f: GalleryFilter,
    cursor: Cursor | null,
    limit: number,
  ): { rows: RawItem[]; order: 'id' } | null {
    if (f.q === undefined) return null;
    const full = ftsQuery(f.q);
    const words = f.q
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu)
      ?.slice(0, 16);
    if (!full || !words) return null;
    const lastIsPrefix = full.endsWith('*');
    const last = words.at(-1)!;
    const check = { full, words, lastIsPrefix };
    const small = this.smallTagCandidates(f);
    // A word that is rare inside the tag too: after TAG_CANDIDATES the text side is the smaller one.
    if (small)
      return (
        this.checkedPage(check, cursor, limit, TAG_CANDIDATES, small) ??
        (this.page(f, cursor, limit) as { rows: RawItem[]; order: 'id' } | null)
      );
    if (!lastIsPrefix || [...last].length <= INDEXED_PREFIX) return null;
    const shortQ = [...words.slice(0, -1), [...last].slice(0, INDEXED_PREFIX).join('')].join(' ');
    return this.checkedPage(check, cursor, limit, PREFIX_CANDIDATES, (at, chunk) => {
      const built = buildListQuery(this.db, { ...f, q: shortQ }, at, chunk);
      if (!built) return [];
      const sql = built.sql.replace(
        `SELECT ${ITEM_COLUMNS}`,
        `SELECT ${ITEM_COLUMNS}, f.prompt AS fts_prompt, f.negative_prompt AS fts_negative, f.tags AS fts_tags`,
      );
      return this.statement(sql).all(built.params) as ProbeRow[];
    });
  }

  /**
   * Text search within a smaller tag (at most {@link SMALL_TAG} images): FTS5 would walk the
   * text's doclist newest first and test the tag on each row (1 M rows, a 0.25 % tag: 19–26 ms),
   * so the tag's own rows become the candidates instead — the same filters, by id, newest first
   * (index gallery_tag_by_id, 0130), each checked against the text exactly ({@link checkedPage}).
   * Returns null when there is no tag filter or the tag is larger.
   */
  private smallTagCandidates(
    f: GalleryFilter,
  ): ((at: Cursor | null, chunk: number) => ProbeRow[]) | null {
    if (f.tag === undefined) return null;
    const tagId = tagIdFor(this.db, f.tag);
    if (tagId === null) return null;
    const n = this.statement(
      'SELECT count(*) AS n FROM (SELECT 1 FROM gallery_tag_index WHERE tag_id = ? LIMIT ?)',
    ).get(tagId, SMALL_TAG + 1) as { n: number };
    if (n.n > SMALL_TAG) return null;
    return (at, chunk) => {
      // The text query's own SQL, driven by the tag's rows instead of the FTS index.
      const built = buildListQuery(this.db, f, at, chunk);
      if (!built) return [];
      const sql = built.sql
        .replace(
          `SELECT ${ITEM_COLUMNS}`,
          `SELECT ${ITEM_COLUMNS}, g.prompt AS fts_prompt, g.negative_prompt AS fts_negative, coalesce(tt.tags, '') AS fts_tags`,
        )
        .replace(
          /FROM generations_fts f JOIN generations g ON g\.id = f\.rowid\s+WHERE generations_fts MATCH @q AND f\.rowid < @ci/,
          'FROM gallery_tag_index x INDEXED BY gallery_tag_by_id JOIN generations g ON g.id = x.generation_id LEFT JOIN generation_tag_text tt ON tt.generation_id = g.id WHERE x.tag_id = @tagId AND x.generation_id < @ci',
        )
        .replace('ORDER BY f.rowid DESC', 'ORDER BY x.generation_id DESC');
      if (sql.includes('generations_fts'))
        throw new Error(
          'gallery: the text query changed shape; smallTagCandidates no longer fits it',
        );
      const { q: _q, ...params } = built.params;
      return this.statement(sql).all(params) as ProbeRow[];
    };
  }

  /**
   * Pages through `candidates` (newest first by id, from a cursor) and keeps those whose FTS
   * columns match the text query exactly, until `limit` rows; null when more than `cap`
   * candidates did not fill the page (the caller then runs the plain query).
   */
  private checkedPage(
    check: { full: string; words: string[]; lastIsPrefix: boolean },
    cursor: Cursor | null,
    limit: number,
    cap: number,
    candidates: (at: Cursor | null, chunk: number) => ProbeRow[],
  ): { rows: RawItem[]; order: 'id' } | null {
    const probe = this.probe();
    const inJs = check.words.every((w) => /^[a-z0-9]+$/.test(w));
    const rows: RawItem[] = [];
    let at = cursor;
    let seen = 0;
    // Candidate pages grow (64, 128, … 512): a common word fills the page from the first one.
    for (let chunk = PROBE_BATCH; rows.length < limit; chunk = Math.min(chunk * 2, 512)) {
      if (seen >= cap) return null;
      const batch = candidates(at, chunk);
      seen += batch.length;
      // A non-ASCII word ("lïgh") is folded by the tokenizer on the query side too: probe it all.
      const byJs = (r: ProbeRow) => inJs && isAscii(r);
      const keep = probe.check(
        batch.filter((r) => !byJs(r)),
        check.full,
      );
      for (const r of batch) {
        if (rows.length === limit) break;
        if (!(byJs(r) ? asciiMatch(r, check.words, check.lastIsPrefix) : keep.has(r.id))) continue;
        const { fts_prompt: _p, fts_negative: _n, fts_tags: _t, ...item } = r;
        rows.push(item);
      }
      if (batch.length < chunk) break;
      at = { t: 0, i: batch.at(-1)!.id };
    }
    return { rows, order: 'id' };
  }

  private probeStore: FtsProbe | null = null;
  private probe(): FtsProbe {
    return (this.probeStore ??= new FtsProbe(this.db));
  }

  /** The query plan rows (`detail` column) for a filter set, for tests and diagnostics. */
  explain(filter: GalleryFilter, cursor: string | null = null, limit = 50): string[] {
    const built = buildListQuery(
      this.db,
      this.expandSmart(filter),
      cursor ? decodeCursor(cursor) : null,
      limit,
    );
    if (!built) return [];
    return (
      this.db.prepare(`EXPLAIN QUERY PLAN ${built.sql}`).all(built.params) as { detail: string }[]
    ).map((r) => r.detail);
  }

  /** A smart collection's saved query, with the request's own filters winning. */
  private expandSmart(f: GalleryFilter, depth = 0): GalleryFilter {
    if (f.collection === undefined) return f;
    const c = this.smart.get(f.collection);
    if (!c) throw new UserError('NOT_FOUND', `no collection ${f.collection}`, undefined, 404);
    if (c.kind !== 'smart') return f;
    const saved = JSON.parse(c.query_json ?? '{}') as GalleryFilter;
    const { collection: _drop, ...rest } = f;
    const merged = { ...saved, ...rest };
    // A smart collection may name another collection; two levels is plenty and stops cycles.
    return merged.collection !== undefined && depth < 2
      ? this.expandSmart(merged, depth + 1)
      : { ...merged, ...(depth >= 2 ? { collection: undefined } : {}) };
  }
}
