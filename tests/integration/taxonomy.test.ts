/**
 * The editable taxonomy over HTTP on a real studio and database (issue 17 §6): list with counts,
 * rename (old name becomes an alias), recategorize, merge (images re-labelled, FTS and the tag
 * filter follow, later LLM output normalizes to the kept tag), delete; the default aliases come
 * from migration 0071.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { request } from '../helpers/http';
import { attachTags, resolveAlias } from '../../runtime/store/tags';
import { normalizeTags } from '../../runtime/llm/tags';

let t: TestStudio;
const ids: number[] = [];
beforeAll(async () => {
  t = await startTestStudio();
  const { store } = t.studio;
  for (let i = 0; i < 6; i++) {
    ids.push(
      store.generations.insert(
        {
          uuid: randomUUID(),
          artifactId: null,
          filePath: `outputs/t${i}.png`,
          sha256: null,
          createdAt: 1000 + i,
          prompt: `picture ${i}`,
          source: 'import',
        },
        (id) =>
          attachTags(
            store.db,
            id,
            [
              { name: i < 3 ? 'cat' : 'tomcat', category: 'subject', confidence: 0.5 },
              ...(i === 0 ? [{ name: 'tomcat', confidence: 0.9 }] : []),
            ],
            i === 5 ? 'user' : 'llm_auto',
          ),
      ),
    );
  }
}, 60_000);
afterAll(async () => t?.close());

const patch = (p: string, body: unknown) => request(t.port, 'PATCH', p, { body });
const tagsList = async () =>
  (await t.http.get('/api/tags')).json as {
    tags: { id: number; name: string; count: number; category: string | null; aliases: string[] }[];
    categories: string[];
  };
const byName = async (n: string) => (await tagsList()).tags.find((x) => x.name === n);

describe('taxonomy API', () => {
  it('lists tags with counts and the default aliases loaded by the migration', async () => {
    const cat = await byName('cat');
    expect(cat).toMatchObject({ count: 3, category: 'subject' });
    expect(cat!.aliases).toEqual(expect.arrayContaining(['feline', 'kitty', 'kitten']));
    expect((await byName('tomcat'))!.count).toBe(4);
  });

  it('merging re-labels existing images, the filter and search follow, later LLM output normalizes to the kept tag', async () => {
    const cat = (await byName('cat'))!;
    const tom = (await byName('tomcat'))!;
    const r = await t.http.post('/api/tags/merge', { from: [tom.id], into: cat.id });
    expect(r.status).toBe(200);
    expect(r.json.tag.count).toBe(6);
    expect(r.json.tag.aliases).toContain('tomcat');
    expect(await byName('tomcat')).toBeUndefined();
    const list = (await t.http.get('/api/generations?tag=cat&mode=text')).json;
    expect(list.items.map((i: any) => i.id).sort()).toEqual([...ids].sort());
    expect((await t.http.get('/api/generations?tag=tomcat&mode=text')).json.items).toHaveLength(6); // the alias resolves
    expect((await t.http.get('/api/generations?q=tomcat&mode=text')).json.items).toHaveLength(0); // FTS text rewritten
    expect((await t.http.get('/api/generations?q=cat&mode=text')).json.items).toHaveLength(6);
    // The user's own tag stayed the user's.
    const d = (
      await t.http.get(
        `/api/generations/${t.studio.store.generations.byUuid((list.items as any[]).find((i) => i.id === ids[5]).uuid)!.uuid}`,
      )
    ).json;
    expect(d.tags.find((x: any) => x.name === 'cat').source).toBe('user');
    // What the tagger's normalizer does with later LLM output.
    const db = t.studio.store.db;
    const later = normalizeTags([{ name: 'Tomcats', category: 'subject', confidence: 0.7 }], {
      categories: ['subject'],
      alias: (n) => resolveAlias(db, n)?.normalizedName,
    });
    expect(later).toEqual([{ name: 'cat', category: 'subject', confidence: 0.7 }]);
  });

  it('renames (old name becomes an alias), refuses a taken name, recategorizes within the taxonomy, deletes', async () => {
    const cat = (await byName('cat'))!;
    const r = await patch(`/api/tags/${cat.id}`, { name: 'Felis catus' });
    expect(r.status).toBe(200);
    expect(r.json.name).toBe('felis catus');
    expect(r.json.aliases).toContain('cat');
    expect((await t.http.get('/api/generations?q=felis&mode=text')).json.items).toHaveLength(6);
    const dog = await t.http.get('/api/tags');
    const puppyTarget = dog.json.tags.find((x: any) => x.name === 'dog');
    const taken = await patch(`/api/tags/${cat.id}`, { name: 'dog' });
    expect(taken.status).toBe(409);
    expect(taken.json.error.code).toBe('TAG_EXISTS');
    expect(puppyTarget).toBeDefined();
    const bad = await patch(`/api/tags/${cat.id}`, { category: 'nonsense' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('BAD_REQUEST');
    const ok = await patch(`/api/tags/${cat.id}`, { category: 'mood' });
    expect(ok.json.category).toBe('mood');
    const del = await t.http.del(`/api/tags/${cat.id}`);
    expect(del.status).toBe(200);
    expect((await t.http.get('/api/generations?q=felis&mode=text')).json.items).toHaveLength(0);
    expect((await t.http.del(`/api/tags/${cat.id}`)).status).toBe(404);
    expect((await t.http.post('/api/tags/merge', { from: [1], into: 1 })).status).toBe(400);
  });
});
