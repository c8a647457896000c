/**
 * Lossless JSON for importers. ComfyUI writes 64-bit seeds (up to 2^64−1) as bare JSON numbers,
 * and `JSON.parse` rounds every integer above 2^53 (Node 20's reviver has no `context.source`
 * to recover the digits). This parse keeps such integers as their exact decimal **string**;
 * every other number becomes a JS number as usual. Uses `lossless-json` (josdejong/lossless-json).
 */
import { parse } from 'lossless-json';

/** Whether a JSON number's text is an integer that a JS number cannot hold exactly. */
function unsafeInteger(text: string): boolean {
  return /^-?[0-9]+$/.test(text) && !Number.isSafeInteger(Number(text));
}

/**
 * Parses JSON text; integers beyond ±(2^53−1) come back as decimal strings (e.g. a ComfyUI
 * `"seed": 18446744073709551615` → `"18446744073709551615"`).
 * @throws SyntaxError on malformed JSON (as JSON.parse does)
 */
export function parseJsonLossless(text: string): unknown {
  return parse(text, null, {
    parseNumber: (s: string) => (unsafeInteger(s) ? s : Number(s)),
    // JSON.parse's rule (last key wins) rather than lossless-json's default of throwing.
    onDuplicateKey: ({ newValue }) => newValue,
  });
}
