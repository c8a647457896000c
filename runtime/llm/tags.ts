/**
 * Tag name normalization (issue 3): Unicode NFKC, lower case, punctuation and `_`/`-` to spaces,
 * whitespace collapsed, and the last word of the phrase singularized ("Red Apples!" → "red apple").
 * Singularization is a small rule set (irregular nouns, invariant words, -ies/-ves/-es/-s) —
 * enough for gallery tags, not a general English morphology. It is idempotent:
 * `normalizeTagName(normalizeTagName(x)) === normalizeTagName(x)`.
 */

const IRREGULAR: Record<string, string> = {
  people: 'person',
  children: 'child',
  men: 'man',
  women: 'woman',
  mice: 'mouse',
  geese: 'goose',
  teeth: 'tooth',
  feet: 'foot',
  oxen: 'ox',
  dice: 'die',
  leaves: 'leaf',
  wolves: 'wolf',
  knives: 'knife',
  lives: 'life',
  wives: 'wife',
  elves: 'elf',
  shelves: 'shelf',
  halves: 'half',
  calves: 'calf',
  thieves: 'thief',
  loaves: 'loaf',
  scarves: 'scarf',
  cacti: 'cactus',
  fungi: 'fungus',
  tomatoes: 'tomato',
  potatoes: 'potato',
  heroes: 'hero',
  volcanoes: 'volcano',
  echoes: 'echo',
  mangoes: 'mango',
  buses: 'bus',
  gases: 'gas',
  lenses: 'lens',
  canvases: 'canvas',
  wharves: 'wharf',
};

/** Words that look plural but are not (or are the same in both numbers). */
const INVARIANT = new Set([
  'sheep',
  'fish',
  'deer',
  'series',
  'species',
  'aircraft',
  'news',
  'physics',
  'mathematics',
  'glasses',
  'jeans',
  'pants',
  'shorts',
  'scissors',
  'clothes',
  'lens',
  'canvas',
  'gas',
  'chaos',
  'cosmos',
  'ethos',
  'atlas',
  'bokeh',
  'mars',
  'venus',
  'paris',
  'texas',
  'its',
  'this',
  'was',
  'has',
  'is',
  'as',
  'us',
  'yes',
  'less',
  'ladies',
  'overalls',
  'stairs',
  'goggles',
  'headphones',
  'earrings',
  'sunglasses',
  'thanks',
  'arts',
  'crafts',
  'sparks',
  'bus',
  'iris',
  'kudos',
]);

/** Singular form of one lower-case word. */
export function singularize(word: string): string {
  if (word.length <= 3 || INVARIANT.has(word)) return word;
  const irregular = IRREGULAR[word];
  if (irregular) return irregular;
  if (/(ss|us|is)$/.test(word)) return word; // glass, cactus, famous, analysis
  if (word.endsWith('ies')) return word.length > 4 ? `${word.slice(0, -3)}y` : word.slice(0, -1); // skies → sky, pies → pie
  if (/(ch|sh|x|z|ss)es$/.test(word)) return word.slice(0, -2); // churches, boxes, glasses
  if (word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/**
 * Normalized form used as `tags.normalized_name` and as the alias key.
 * @returns '' when nothing word-like is left (callers drop such tags)
 */
export function normalizeTagName(raw: string): string {
  const words = raw
    .normalize('NFKC')
    .toLowerCase()
    .replace(/['’`]/g, '') // "children's" → "childrens" before the split, not "children s"
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean);
  if (words.length === 0) return '';
  words[words.length - 1] = singularize(words[words.length - 1]!);
  return words.join(' ');
}

/** A raw tag as the model produced it. */
export interface RawTag {
  name: string;
  category: string;
  confidence: number;
}

/**
 * Normalizes a batch: names normalized then mapped through `alias` (e.g. the tag_aliases table),
 * empty names dropped, unknown categories replaced by `fallbackCategory`, confidence clamped to
 * 0..1, duplicates merged keeping the highest confidence, sorted by confidence (desc), capped.
 */
export function normalizeTags(
  raw: RawTag[],
  opts: {
    categories: readonly string[];
    alias?: (normalized: string) => string | undefined;
    maxTags?: number;
  },
): RawTag[] {
  const cats = new Set(opts.categories);
  const fallback = opts.categories[0] ?? 'subject';
  const byName = new Map<string, RawTag>();
  for (const t of raw) {
    const n = normalizeTagName(String(t.name ?? ''));
    if (!n) continue;
    const name = opts.alias?.(n) ?? n;
    const confidence = Number.isFinite(t.confidence) ? Math.min(1, Math.max(0, t.confidence)) : 0;
    const category = cats.has(t.category) ? t.category : fallback;
    const prev = byName.get(name);
    if (!prev || prev.confidence < confidence) byName.set(name, { name, category, confidence });
  }
  return [...byName.values()]
    .sort((a, b) => b.confidence - a.confidence || a.name.localeCompare(b.name))
    .slice(0, opts.maxTags ?? Infinity);
}
