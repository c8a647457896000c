import type { NodeSpecJson } from '../../../nodes/index';

/**
 * Ranks node specs for a query: title prefix > word prefix in title > type > description match.
 * Every whitespace-separated term must match somewhere. Empty query keeps catalog order.
 */
export function searchSpecs(specs: readonly NodeSpecJson[], query: string): NodeSpecJson[] {
  const terms = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!terms.length) return [...specs];
  const scored: [number, NodeSpecJson][] = [];
  for (const s of specs) {
    const title = s.title.toLowerCase();
    const hay = `${title} ${s.type} ${s.category} ${s.description.toLowerCase()}`;
    if (!terms.every((t) => hay.includes(t))) continue;
    const q = terms[0]!;
    const score = title.startsWith(q)
      ? 0
      : title.split(/\W+/).some((w) => w.startsWith(q))
        ? 1
        : s.type.includes(q)
          ? 2
          : 3;
    scored.push([score, s]);
  }
  return scored.sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

/** Specs that can take a `portType` value on an input (side 'source') or give one on an output (side 'target'). */
export function compatibleSpecs(
  specs: readonly NodeSpecJson[],
  portType: string,
  side: 'source' | 'target',
): NodeSpecJson[] {
  return specs.filter((s) =>
    Object.values(side === 'source' ? s.inputs : s.outputs).some((p) => p.type === portType),
  );
}
