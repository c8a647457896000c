/**
 * Gallery store over real SQLite: keyset pages (ties, depth, every filter), the FTS5 index kept
 * in sync by triggers (checked with FTS5's own integrity-check against the content view), trash,
 * collections, lineage, the tag index's live-favorite mirror (and its 0050 upgrade of an existing
 * library), and EXPLAIN QUERY PLAN proving no list query scans `generations` or sorts in a temp b-tree.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, beforeEach } from 'vitest';
import { listMigrations, migrate } from '../../../runtime/store/db';
import { Store } from '../../../runtime/store';
import { memStore, addGen } from './helpers';
import { galleryStores, type GalleryStores } from '../../../runtime/store/gallery-stores';
import { ftsQuery, decodeCursor, type GalleryFilter } from '../../../runtime/store/gallery';

let store: Store;
let g: GalleryStores;

function ftsIntegrity(): void {
  // Throws SQLITE_CORRUPT_VTAB when the index disagrees with the content view.
  store.db
    .prepare("INSERT INTO generations_fts (generations_fts, rank) VALUES ('integrity-check', 1)")
    .run();
}

function all(f: GalleryFilter, limit = 7): number[] {
  const ids: number[] = [];
  let cursor: string | null = null;
  for (let k = 0; k < 1000; k++) {
    const page = g.queries.list(f, { cursor, limit });
    ids.push(...page.items.map((i) => i.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return ids;
}

beforeEach(() => {
  ({ store } = memStore());
  g = galleryStores(store.db);
});

describe('keyset pagination', () => {
  it('walks every row exactly once, newest first, across equal timestamps', () => {
    const ids = Array.from(
      { length: 40 },
      (_, k) => addGen(store, { createdAt: 1000 + Math.floor(k / 4), prompt: `p${k}` }).id,
    );
    const walked = all({}, 7);
    const expected = [...ids].sort(
      (a, b) => Math.floor((b - 1) / 4) - Math.floor((a - 1) / 4) || b - a,
    );
    expect(walked).toEqual(expected);
    expect(new Set(walked).size).toBe(40);
  });

  it('honours from/to inclusively', () => {
    for (let k = 0; k < 20; k++) addGen(store, { createdAt: 100 + k });
    expect(all({ from: 105, to: 109 }, 2)).toHaveLength(5);
    const page = g.queries.list({ from: 105, to: 109 }, { limit: 50 });
    expect(page.items.map((i) => i.createdAt)).toEqual([109, 108, 107, 106, 105]);
  });

  it('rejects a forged cursor with BAD_CURSOR', () => {
    expect(() => g.queries.list({}, { cursor: 'bm90LWEtY3Vyc29y' })).toThrow(
      expect.objectContaining({ code: 'BAD_CURSOR' }),
    );
    expect(decodeCursor(Buffer.from('12:34').toString('base64url'))).toEqual({ t: 12, i: 34 });
  });
});

describe('filters', () => {
  it('tag (alias-mapped), tag source, model, favorite, size, trash, text and collections', () => {
    const a = addGen(store, {
      createdAt: 1,
      prompt: 'a red cat on a sofa',
      modelId: 'sd15',
      tags: [{ name: 'cat' }, { name: 'sofa', source: 'llm_auto' }],
    });
    const b = addGen(store, {
      createdAt: 2,
      prompt: 'a dog in the rain',
      negativePrompt: 'blurry cat',
      modelId: 'sdxl',
      width: 1024,
      height: 1024,
      tags: [{ name: 'dog', source: 'llm_auto' }],
    });
    const c = addGen(store, {
      createdAt: 3,
      prompt: '(masterpiece:1.2) castle, ver1.1',
      modelId: 'sd15',
      tags: [{ name: 'Kittens' }],
    });
    const d = addGen(store, { createdAt: 4, prompt: 'castle at night' });
    g.library.setFavorite([b.id, c.id], true);
    g.library.trash([d.id]);

    expect(all({})).toEqual([c.id, b.id, a.id]);
    expect(all({ trash: true })).toEqual([d.id]);
    // "Kittens" normalizes to "kitten", which migration 0071's default aliases map to "cat".
    expect(all({ tag: 'cat' })).toEqual([c.id, a.id]);
    expect(all({ tag: 'kittens' })).toEqual([c.id, a.id]);
    expect(all({ tag: 'no such tag' })).toEqual([]);
    expect(all({ tagSource: 'llm_auto' })).toEqual([b.id, a.id]);
    expect(all({ tag: 'sofa', tagSource: 'user' })).toEqual([]);
    expect(all({ model: 'sd15' })).toEqual([c.id, a.id]);
    expect(all({ model: 'sd15', favorite: true })).toEqual([c.id]);
    expect(all({ favorite: true })).toEqual([c.id, b.id]);
    expect(all({ minWidth: 1000 })).toEqual([b.id]);
    expect(all({ maxWidth: 600 })).toEqual([c.id, a.id]);
    expect(all({ q: 'cat' })).toEqual([c.id, b.id, a.id]); // negative prompt and tag names (c: Kittens → cat) are indexed too
    expect(all({ q: 'ca' })).toEqual([c.id, b.id, a.id]); // last word is a prefix: cat, castle
    expect(all({ q: 'castle ' })).toEqual([c.id]); // finished word: exact
    expect(all({ q: 'cast ' })).toEqual([]);
    expect(all({ q: 'masterpiece 1.2' })).toEqual([c.id]);
    expect(all({ q: 'castle', trash: true })).toEqual([d.id]);
    expect(all({ q: 'sofa' })).toEqual([a.id]); // tag names are searchable
    expect(all({ q: '((' })).toEqual([]);

    const manual = g.collections.create('Best', 'manual');
    expect(g.collections.add(manual.id, [a.id, c.id, a.id])).toBe(2);
    expect(all({ collection: manual.id })).toEqual([c.id, a.id]);
    expect(all({ collection: manual.id, favorite: true })).toEqual([c.id]);
    const smart = g.collections.create('Castles', 'smart', { q: 'castle' });
    expect(all({ collection: smart.id })).toEqual([c.id]);
    expect(() => g.collections.add(smart.id, [a.id])).toThrow(
      expect.objectContaining({ code: 'BAD_REQUEST' }),
    );
    expect(() => g.collections.create('best', 'manual')).toThrow(
      expect.objectContaining({ code: 'COLLECTION_EXISTS' }),
    );
  });

  it('builds safe FTS queries', () => {
    expect(ftsQuery('  Red "cat" OR (dog:1.2')).toBe('"red" "cat" "or" "dog" "1" "2"*');
    expect(ftsQuery('lighthouse ')).toBe('"lighthouse"'); // a finished word is an exact term
    expect(ftsQuery('neon (dog:1.2)')).toBe('"neon" "dog" "1" "2"');
    expect(ftsQuery('***')).toBeNull();
  });
});

describe('FTS5 external content stays in sync (triggers)', () => {
  it('after tag edits, prompt edits and deletes', () => {
    const a = addGen(store, { createdAt: 1, prompt: 'lighthouse', tags: [{ name: 'sea' }] });
    const b = addGen(store, { createdAt: 2, prompt: 'forest' });
    ftsIntegrity();
    g.library.addTags([b.id], ['Misty Morning']);
    expect(all({ q: 'misty' })).toEqual([b.id]);
    g.library.removeTags([a.id], ['sea']);
    expect(all({ q: 'sea' })).toEqual([]);
    ftsIntegrity();
    store.db.prepare('UPDATE generations SET prompt = ? WHERE id = ?').run('harbour', a.id);
    expect(all({ q: 'lighthouse' })).toEqual([]);
    expect(all({ q: 'harbour' })).toEqual([a.id]);
    g.library.trash([b.id]);
    expect(g.library.purge().map((p) => p.id)).toEqual([b.id]);
    ftsIntegrity();
    expect(all({ q: 'misty', trash: true })).toEqual([]);
    expect(all({ tag: 'misty morning' })).toEqual([]);
  });
});

describe('tag + favorite (gallery_tag_index.live_favorite, 0050)', () => {
  it('follows favoriting, trashing, restoring and tagging in any order', () => {
    const a = addGen(store, { createdAt: 1, tags: [{ name: 'cat' }] });
    const b = addGen(store, { createdAt: 2, tags: [{ name: 'cat' }, { name: 'sofa' }] });
    const c = addGen(store, { createdAt: 3 });
    expect(all({ tag: 'cat', favorite: true })).toEqual([]);
    g.library.setFavorite([a.id, b.id, c.id], true);
    expect(all({ tag: 'cat', favorite: true })).toEqual([b.id, a.id]);
    g.library.addTags([c.id], ['cat']); // tagged after it became a favorite
    expect(all({ tag: 'cat', favorite: true }, 1)).toEqual([c.id, b.id, a.id]);
    g.library.trash([b.id]);
    expect(all({ tag: 'cat', favorite: true })).toEqual([c.id, a.id]);
    expect(all({ tag: 'cat', favorite: true, trash: true })).toEqual([b.id]);
    g.library.restore([b.id]);
    g.library.setFavorite([a.id], false);
    expect(all({ tag: 'cat', favorite: true })).toEqual([c.id, b.id]);
    expect(all({ tag: 'cat', favorite: false })).toEqual([a.id]);
    expect(all({ tag: 'sofa', favorite: true })).toEqual([b.id]);
    g.library.removeTags([b.id], ['cat']);
    expect(all({ tag: 'cat', favorite: true })).toEqual([c.id]);
    // The mirror column agrees with the generations it mirrors, row for row.
    const drift = store.db
      .prepare(
        `SELECT count(*) AS n FROM gallery_tag_index x JOIN generations g ON g.id = x.generation_id
      WHERE x.live_favorite IS NOT (g.is_favorite = 1 AND g.deleted_at IS NULL)`,
      )
      .get() as { n: number };
    expect(drift.n).toBe(0);
  });

  it('an existing 0020 library is backfilled when 0050 runs, and its FTS index is rebuilt', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-0050-'));
    for (const m of listMigrations().filter((x) => x.version <= 20))
      fs.writeFileSync(path.join(dir, m.name), m.sql);
    const db = new Database(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, dir);
    const old = new Store(db);
    const a = addGen(old, { createdAt: 1, prompt: 'a wooden ship', tags: [{ name: 'ship' }] });
    const b = addGen(old, { createdAt: 2, prompt: 'a white whale', tags: [{ name: 'ship' }] });
    db.prepare('UPDATE generations SET is_favorite = 1 WHERE id IN (?, ?)').run(a.id, b.id);
    db.prepare('UPDATE generations SET deleted_at = 5 WHERE id = ?').run(b.id);
    expect(migrate(db)).toContain('0050_gallery_speed.sql');
    const q = galleryStores(db).queries;
    expect(q.list({ tag: 'ship', favorite: true }).items.map((i) => i.id)).toEqual([a.id]);
    expect(q.list({ q: 'w' }).items.map((i) => i.id)).toEqual([a.id]); // one-letter prefix: "wooden" (b is trashed)
    db.prepare(
      "INSERT INTO generations_fts (generations_fts, rank) VALUES ('integrity-check', 1)",
    ).run();
  });
});

describe('trash', () => {
  it('restores, and purge returns the files no other row uses', () => {
    const a = addGen(store, { createdAt: 1, filePath: 'outputs/a.png' });
    const b = addGen(store, { createdAt: 2, filePath: 'outputs/shared.png' });
    addGen(store, { createdAt: 3, filePath: 'outputs/shared.png' });
    g.files.put(a.id, 'thumb', 'thumbs/a.webp', 10);
    g.library.trash([a.id, b.id]);
    g.library.restore([b.id]);
    expect(all({ trash: true })).toEqual([a.id]);
    g.library.trash([b.id]);
    const purged = g.library.purge();
    expect(purged.find((p) => p.id === a.id)!.files.sort()).toEqual([
      'outputs/a.png',
      'thumbs/a.webp',
    ]);
    expect(purged.find((p) => p.id === b.id)!.files).toEqual([]); // still used by the third image
    expect(store.generations.byUuid(a.uuid)).toBeUndefined();
  });
});

describe('lineage', () => {
  it('finds ancestors and descendants through the artifact graph, nearest first', () => {
    const root = addGen(store, { createdAt: 1 });
    const mid = addGen(store, { createdAt: 2, parents: [root.artifactId] });
    const other = addGen(store, { createdAt: 3 });
    const leaf = addGen(store, { createdAt: 4, parents: [mid.artifactId, other.artifactId] });
    expect(g.library.ancestors(leaf.id).map((e) => [e.uuid, e.depth])).toEqual([
      [other.uuid, 1],
      [mid.uuid, 1],
      [root.uuid, 2],
    ]);
    expect(g.library.descendants(root.id).map((e) => [e.uuid, e.depth])).toEqual([
      [mid.uuid, 1],
      [leaf.uuid, 2],
    ]);
    expect(g.library.ancestors(root.id)).toEqual([]);
  });
});

describe('EXPLAIN QUERY PLAN', () => {
  it('no list query scans generations; each seeks its index', () => {
    const a = addGen(store, { createdAt: 1, prompt: 'cat', modelId: 'm', tags: [{ name: 'cat' }] });
    const coll = g.collections.create('c', 'manual');
    g.collections.add(coll.id, [a.id]);
    const cursor = g.queries.list({}, { limit: 1 }).nextCursor;
    const cases: [GalleryFilter, RegExp][] = [
      [{}, /SEARCH g USING INDEX gen_live_created/],
      [{ trash: true }, /SEARCH g USING INDEX gen_trash_created/],
      [{ favorite: true }, /SEARCH g USING INDEX gen_fav_created/],
      [{ model: 'm' }, /SEARCH g USING INDEX gen_model_created \(model_id=\?/],
      [{ model: 'm', favorite: true, minWidth: 10 }, /SEARCH g USING INDEX gen_model_created/],
      [{ tag: 'cat' }, /SEARCH x USING PRIMARY KEY \(tag_id=\?/],
      [
        { tag: 'cat', tagSource: 'user', favorite: false },
        /SEARCH x USING PRIMARY KEY \(tag_id=\?/,
      ],
      [
        { tag: 'cat', favorite: true },
        /SEARCH x USING (COVERING )?INDEX gallery_tag_fav \(tag_id=\?/,
      ],
      [
        { tag: 'cat', tagSource: 'user', favorite: true, model: 'm' },
        /SEARCH x USING (COVERING )?INDEX gallery_tag_fav \(tag_id=\?/,
      ],
      [{ collection: coll.id }, /SEARCH ci USING COVERING INDEX collection_items_order/],
      [
        { from: 0, to: 5 },
        /SEARCH g USING INDEX gen_live_created \(created_at>\? AND created_at<\?\)/,
      ],
      [{ q: 'cat' }, /VIRTUAL TABLE INDEX/],
      [{ q: 'cat', tag: 'cat', model: 'm' }, /VIRTUAL TABLE INDEX/],
    ];
    for (const [f, expected] of cases) {
      for (const cur of [null, cursor]) {
        const plan = g.queries.explain(f, cur);
        expect(plan.join('\n'), JSON.stringify(f)).toMatch(expected);
        expect(
          plan.filter((d) => /^SCAN (g|generations)\b/.test(d)),
          JSON.stringify(f),
        ).toEqual([]);
        expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
      }
    }
    const lineage = g.library.explainLineage();
    expect(lineage.join('\n')).toMatch(/SEARCH g USING INDEX gen_artifact \(artifact_id=\?\)/);
    expect(lineage.filter((d) => /^SCAN (g|generations)\b/.test(d))).toEqual([]);
  });
});
