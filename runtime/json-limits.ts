/**
 * The JSON nesting limit at every boundary where outside JSON enters the studio (HTTP bodies,
 * workflow files, PNG text chunks, `mysti run` files). V8's JSON.parse copes with deep nesting but
 * JSON.stringify, structuredClone and zod recurse and throw `RangeError: Maximum call stack size
 * exceeded` around 10k levels (issue 18 #6), which surfaced as 500s. Measured on text before it
 * is parsed, with a linear scan that never recurses.
 */
import { UserError } from './errors';

/**
 * Deepest accepted nesting of objects/arrays. A graph document needs ~8 (graph → nodes → node →
 * params → loras → entry); 64 leaves room for user meta while staying far from any stack limit.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * Maximum nesting depth of `{`/`[` in JSON text (brackets inside strings ignored). O(n), no
 * recursion; does not validate the JSON (JSON.parse does that after).
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92 /* \ */) i++;
      else if (ch === 34 /* " */) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 /* { */ || ch === 91 /* [ */) {
      if (++depth > max) max = depth;
    } else if (ch === 125 /* } */ || ch === 93 /* ] */) depth--;
  }
  return max;
}

/**
 * @throws UserError JSON_TOO_DEEP (400) naming `what` when `text` nests deeper than {@link MAX_JSON_DEPTH}.
 */
export function assertJsonDepth(text: string, what: string, max = MAX_JSON_DEPTH): void {
  const d = jsonDepth(text);
  if (d > max)
    throw new UserError(
      'JSON_TOO_DEEP',
      `${what} nests ${d} levels deep; at most ${max} are accepted`,
      { depth: d, maxDepth: max },
    );
}

/** JSON.parse after {@link assertJsonDepth}. @throws UserError JSON_TOO_DEEP; SyntaxError as JSON.parse. */
export function parseJsonBounded(text: string, what: string): unknown {
  assertJsonDepth(text, what);
  return JSON.parse(text);
}
