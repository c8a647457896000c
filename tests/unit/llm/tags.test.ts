import { describe, it, expect } from 'vitest';
import { normalizeTagName, normalizeTags, singularize } from '../../../runtime/llm/tags';
import { openDb } from '../../../runtime/store/db';
import {
  addAlias,
  attachTags,
  resolveAlias,
  tagsForGeneration,
  upsertTag,
} from '../../../runtime/store/tags';
import { DEFAULT_LLM_CONFIG, fillTemplate, mergeLlmConfig } from '../../../runtime/llm/defaults';
import type { Db } from '../../../runtime/store/db';
import { GenerationStore } from '../../../runtime/store/generations';
import { randomUUID } from 'node:crypto';

describe('normalizeTagName', () => {
  it.each([
    ['Cat', 'cat'],
    ['  Red   Apples!! ', 'red apple'],
    ['black_and-white', 'black and white'],
    ['Cities', 'city'],
    ['boxes', 'box'],
    ['churches', 'church'],
    ['glass', 'glass'],
    ['glasses', 'glasses'],
    ['cactus', 'cactus'],
    ['wolves', 'wolf'],
    ['People', 'person'],
    ['horses', 'horse'],
    ['news', 'news'],
    ["children's book", 'childrens book'],
    ['ＣＡＴＳ', 'cat'], // full-width letters fold under NFKC
    ['Café Scenes', 'café scene'],
    ['...', ''],
    ['bus', 'bus'],
    ['buses', 'bus'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeTagName(input)).toBe(expected);
  });

  it('is idempotent', () => {
    for (const w of [
      'skies',
      'heroes',
      'dresses',
      'canvases',
      'Lens',
      'analysis',
      'pies',
      'Oxen',
      'photos',
    ]) {
      const once = normalizeTagName(w);
      expect(normalizeTagName(once)).toBe(once);
    }
  });

  it('singularizes only plausible plurals', () => {
    expect(singularize('skies')).toBe('sky');
    expect(singularize('pies')).toBe('pie');
    expect(singularize('sea')).toBe('sea');
    expect(singularize('its')).toBe('its');
  });
});

describe('normalizeTags', () => {
  it('normalizes, maps aliases, fixes categories, clamps, dedupes and caps', () => {
    const out = normalizeTags(
      [
        { name: 'Felines', category: 'subject', confidence: 0.7 },
        { name: 'cat', category: 'subject', confidence: 0.9 },
        { name: 'Sunsets', category: 'weather', confidence: 1.7 },
        { name: '!!!', category: 'style', confidence: 0.5 },
        { name: 'oil painting', category: 'medium', confidence: Number.NaN },
      ],
      {
        categories: DEFAULT_LLM_CONFIG.taxonomy,
        alias: (n) => (n === 'feline' ? 'cat' : undefined),
        maxTags: 3,
      },
    );
    expect(out).toEqual([
      { name: 'sunset', category: 'subject', confidence: 1 },
      { name: 'cat', category: 'subject', confidence: 0.9 },
      { name: 'oil painting', category: 'medium', confidence: 0 },
    ]);
  });
});

describe('tag store', () => {
  const fresh = (): Db => openDb(':memory:');
  const newGen = () => ({
    uuid: randomUUID(),
    artifactId: null,
    filePath: 'x.png',
    sha256: null,
    createdAt: 0,
  });
  const generation = (db: Db, extra?: (id: number) => void) =>
    new GenerationStore(db).insert(newGen(), extra);

  it('the migration loads the default aliases as data and resolves feline → cat', () => {
    const db = fresh();
    expect(resolveAlias(db, 'feline')?.normalizedName).toBe('cat');
    expect(resolveAlias(db, 'kitty')?.normalizedName).toBe('cat');
    expect(resolveAlias(db, 'puppy')?.normalizedName).toBe('dog');
    expect(upsertTag(db, 'Felines').normalizedName).toBe('cat');
    expect(upsertTag(db, 'kitty').id).toBe(upsertTag(db, 'cat').id);
  });

  it('attaches normalized, alias-mapped tags inside a caller transaction', () => {
    const db = fresh();
    addAlias(db, 'Kitties', 'cat', 'subject');
    // The save node's path: the generation row and its tags in one transaction.
    const gen = generation(db, (id) =>
      attachTags(
        db,
        id,
        [
          { name: 'kitty', category: 'subject', confidence: 0.4 },
          { name: 'Cats', category: 'subject', confidence: 0.8 },
          { name: 'Golden Hour', category: 'lighting', confidence: 0.6 },
          { name: '', confidence: 1 },
        ],
        'llm_auto',
      ),
    );
    const rows = tagsForGeneration(db, gen);
    expect(rows.map((r) => [r.normalizedName, r.category, r.source, r.confidence])).toEqual([
      ['cat', 'subject', 'llm_auto', 0.8],
      ['golden hour', 'lighting', 'llm_auto', 0.6],
    ]);
  });

  it('rolls back with the caller transaction and never downgrades a user tag', () => {
    const db = fresh();
    let failedId = -1;
    expect(() =>
      generation(db, (id) => {
        failedId = id;
        attachTags(db, id, [{ name: 'tree', category: 'subject', confidence: 0.5 }], 'llm_auto');
        throw new Error('save failed');
      }),
    ).toThrow('save failed');
    expect(tagsForGeneration(db, failedId)).toEqual([]);
    expect(resolveAlias(db, 'tree')).toBeUndefined();
    const gen = generation(db);
    attachTags(db, gen, [{ name: 'tree', confidence: null }], 'user');
    attachTags(db, gen, [{ name: 'trees', category: 'subject', confidence: 0.9 }], 'llm_auto');
    expect(
      tagsForGeneration(db, gen).map((r) => [r.normalizedName, r.source, r.confidence]),
    ).toEqual([['tree', 'user', null]]);
  });
});

describe('LLM config defaults', () => {
  it('merges config.json over the defaults field by field', () => {
    const c = mergeLlmConfig({
      enhance: { system: 'Be brief.' },
      taxonomy: ['subject', 'subject', ' era '],
      contextSize: 'big',
    });
    expect(c.enhance.system).toBe('Be brief.');
    expect(c.enhance.template).toBe(DEFAULT_LLM_CONFIG.enhance.template);
    expect(c.taxonomy).toEqual(['subject', 'era']);
    expect(c.contextSize).toBe(2048);
    expect(mergeLlmConfig(undefined)).toEqual(DEFAULT_LLM_CONFIG);
    // The default taxonomy is already in the form config.json values are brought to (trimmed, unique).
    const d = DEFAULT_LLM_CONFIG.taxonomy;
    expect(d.length).toBeGreaterThan(0);
    expect(mergeLlmConfig({ taxonomy: [...d, ...d].map((t) => ` ${t} `) }).taxonomy).toEqual(d);
  });

  it('fills the {{prompt}} placeholder', () => {
    expect(fillTemplate('Idea: {{prompt}}!', 'a fox')).toBe('Idea: a fox!');
    expect(fillTemplate('No placeholder', 'a fox')).toBe('No placeholder\na fox');
  });
});
