/**
 * Search-as-you-type with a last word longer than the FTS prefix indexes (gallery.ts
 * longPrefixPage): every page must hold exactly the rows, in exactly the order, of the plain
 * FTS5 prefix query it replaces — on ASCII rows (checked in JavaScript), on rows with accents,
 * emoji, CJK and other separators (checked by the temp FTS5 probe), with every filter, across
 * keyset pages, and when a rare word under a common three letters falls back to the plain query.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { memStore, addGen } from './helpers';
import { galleryStores, type GalleryStores } from '../../../runtime/store/gallery-stores';
import {
  buildListQuery,
  decodeCursor,
  encodeCursor,
  PREFIX_CANDIDATES,
  type GalleryFilter,
} from '../../../runtime/store/gallery';
import type { Store } from '../../../runtime/store';
import { rng } from '../../helpers/rng';

let store: Store;
let g: GalleryStores;

/** Every id of `f`, page by page, through the gallery's own list(). */
function viaList(f: GalleryFilter, limit: number): number[] {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let k = 0; k < 10_000; k++) {
    const page = g.queries.list(f, { cursor, limit });
    ids.push(...page.items.map((i) => i.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return ids;
}

/** Every id of `f`, page by page, through the plain prefix query (what list() ran before). */
function viaPlainQuery(f: GalleryFilter, limit: number): number[] {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let k = 0; k < 10_000; k++) {
    const built = buildListQuery(store.db, f, cursor ? decodeCursor(cursor) : null, limit);
    if (!built) break;
    const rows = store.db.prepare(built.sql).all(built.params) as { id: number }[];
    ids.push(...rows.map((r) => r.id));
    if (rows.length < limit) break;
    cursor = encodeCursor({ t: 0, i: rows.at(-1)!.id });
  }
  return ids;
}

const WORDS = [
  'lighthouse',
  'lighthouses',
  'lightning',
  'light',
  'lig',
  'blurry',
  'blur',
  'dragon',
  'dragonfly',
  'drag',
  'water',
  'watercolor',
  'neon',
  'castle',
];
const ODD = [
  'Lïghthouse',
  'LIGHTHOUSE',
  'light‑house',
  'lighthouse🙂keeper',
  '灯台lighthouse',
  'café',
  'Watercolör',
  'drag_on',
  "dragon's",
  'ｌｉｇｈｔｈｏｕｓｅ',
  'blurry—soft',
  'neon·light',
];

beforeAll(() => {
  ({ store } = memStore());
  g = galleryStores(store.db);
  const r = rng(3);
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  for (let i = 0; i < 3000; i++) {
    const words = Array.from({ length: 2 + Math.floor(r() * 5) }, () =>
      r() < 0.15 ? pick(ODD) : pick(WORDS),
    );
    addGen(store, {
      createdAt: 1_700_000_000_000 + i,
      prompt: words.join(r() < 0.5 ? ', ' : ' '),
      negativePrompt: r() < 0.3 ? pick(['blurry, lowres', 'lightleak', 'bad drägon']) : undefined,
      modelId: `m${i % 3}`,
      tags: r() < 0.3 ? [{ name: pick(['lighthouse keeper', 'dragons', 'cat']) }] : [],
    });
  }
  // A rare word under a common three letters: more than PREFIX_CANDIDATES candidates before the
  // page fills, so list() must fall back to the plain query.
  addGen(store, { createdAt: 1_600_000_000_000, prompt: 'lightyear rocket' });
});

describe('long-prefix search', () => {
  const queries = [
    'ligh',
    'lighth',
    'lighthouse',
    'lighthouses',
    'LIGHTHOUSE',
    'light',
    'lightn',
    'blur',
    'blurr',
    'drago',
    'dragonf',
    'wate',
    'waterc',
    'neon ligh',
    'castle drag',
    'lightyear',
    'lighthousez',
    'café',
    'cafe',
    'lïgh',
    '灯台',
    'lighthouse ',
    'neon castle',
    'cat',
    'li',
    'dragon light',
    'drägon ',
  ];
  const filters: GalleryFilter[] = [
    {},
    { model: 'm1' },
    { tag: 'lighthouse keeper' },
    { tag: 'dragons', model: 'm2' },
    { favorite: false },
  ];

  it.each(queries)(
    '%s: the same rows in the same order as the plain prefix query, on every page',
    (q) => {
      for (const f of filters) {
        for (const limit of [7, 50]) {
          const expected = viaPlainQuery({ ...f, q }, limit);
          expect(viaList({ ...f, q }, limit), `${q} ${JSON.stringify(f)} limit ${limit}`).toEqual(
            expected,
          );
        }
      }
    },
  );

  it('matches non-ASCII rows through the probe, and finds the rare word past the candidate cap', () => {
    expect(viaList({ q: 'lighth' }, 50).length).toBeGreaterThan(100);
    const rare = viaList({ q: 'lightye' }, 50);
    expect(rare).toHaveLength(1);
    expect(viaPlainQuery({ q: 'lightye' }, 50)).toEqual(rare);
    expect(PREFIX_CANDIDATES).toBeLessThan(3000);
  });
});
