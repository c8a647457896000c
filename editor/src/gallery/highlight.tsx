/** Highlights the words of a search query inside a text (case-insensitive; the last word as a prefix). */
import type { ReactNode } from 'react';

/** Words of the query as the server's FTS sees them (letters and digits). */
export function queryWords(q: string | undefined): string[] {
  return (
    (q ?? '')
      .normalize('NFKC')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

export function Highlight({ text, q }: { text: string; q?: string }): ReactNode {
  const words = queryWords(q);
  if (!words.length || !text) return text;
  const esc = words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // Word starts only, as the FTS tokenizer matches tokens, not substrings.
  const re = new RegExp(`(?<![\\p{L}\\p{N}])(${esc.join('|')})[\\p{L}\\p{N}]*`, 'giu');
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(<mark key={m.index}>{m[0]}</mark>);
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}
