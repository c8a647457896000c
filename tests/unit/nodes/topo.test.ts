/** Kahn's topological sort (nodes/core/topo.ts): order, document-order ties, cycles found and named. */
import { describe, expect, it } from 'vitest';
import { topoSort } from '../../../nodes/core/topo';

const e = (source: string, target: string) => ({ source, target });

describe('topoSort', () => {
  it('orders every edge forward', () => {
    const edges = [e('c', 'd'), e('a', 'b'), e('b', 'd'), e('a', 'c')];
    const { order, cycle, blocked } = topoSort(['d', 'c', 'b', 'a'], edges);
    expect(cycle).toEqual([]);
    expect(blocked).toEqual([]);
    expect(order.sort()).toEqual(['a', 'b', 'c', 'd']);
    const again = topoSort(['d', 'c', 'b', 'a'], edges).order;
    for (const x of edges) expect(again.indexOf(x.source)).toBeLessThan(again.indexOf(x.target));
  });

  it('breaks ties by document order (reproducible runs)', () => {
    expect(topoSort(['z', 'y', 'x'], []).order).toEqual(['z', 'y', 'x']);
    // a diamond: b and c both become ready after a; b is listed first.
    expect(
      topoSort(['a', 'b', 'c', 'd'], [e('a', 'c'), e('a', 'b'), e('b', 'd'), e('c', 'd')]).order,
    ).toEqual(['a', 'b', 'c', 'd']);
    expect(
      topoSort(['a', 'c', 'b', 'd'], [e('a', 'c'), e('a', 'b'), e('b', 'd'), e('c', 'd')]).order,
    ).toEqual(['a', 'c', 'b', 'd']);
  });

  it('ignores edges naming unknown ids', () => {
    expect(topoSort(['a', 'b'], [e('a', 'ghost'), e('ghost', 'b'), e('a', 'b')]).order).toEqual([
      'a',
      'b',
    ]);
  });

  it('finds a cycle, names the nodes on it in edge order, and lists what it blocks', () => {
    // p → a → b → c → a, and c → tail; x is independent.
    const r = topoSort(
      ['p', 'a', 'b', 'c', 'tail', 'x'],
      [e('p', 'a'), e('a', 'b'), e('b', 'c'), e('c', 'a'), e('c', 'tail')],
    );
    expect(r.order).toEqual(['p', 'x']);
    expect(r.blocked).toEqual(['a', 'b', 'c', 'tail']);
    expect(r.cycle).toHaveLength(3);
    // Any rotation of a → b → c is the same cycle.
    const i = r.cycle.indexOf('a');
    expect([...r.cycle.slice(i), ...r.cycle.slice(0, i)]).toEqual(['a', 'b', 'c']);
  });

  it('a self-loop is a cycle of one node', () => {
    const r = topoSort(['a', 'b'], [e('a', 'a'), e('a', 'b')]);
    expect(r.cycle).toEqual(['a']);
    expect(r.order).toEqual([]);
  });

  it('the cycle it reports is never a node merely downstream of a cycle', () => {
    // Only the loop x ⇄ y is a cycle; d1..d3 hang below it and are listed first.
    const r = topoSort(
      ['d1', 'd2', 'd3', 'x', 'y'],
      [e('y', 'd1'), e('d1', 'd2'), e('d2', 'd3'), e('x', 'y'), e('y', 'x')],
    );
    expect(r.cycle.sort()).toEqual(['x', 'y']);
  });

  it('matches a naive reference (smallest ready position first) on 300 seeded random DAGs', () => {
    let seed = 20_261_122;
    const rand = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let t = 0; t < 300; t++) {
      const n = 1 + Math.floor(rand() * 30);
      const rank = Array.from({ length: n }, (_, i) => i).sort(() => rand() - 0.5); // hidden DAG order
      const ids = Array.from({ length: n }, (_, i) => `n${i}`);
      const edges: { source: string; target: string }[] = [];
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++)
          if (rank[i]! < rank[j]! && rand() < 0.15) edges.push(e(ids[i]!, ids[j]!));
      const expected: string[] = [];
      const indeg = new Map(ids.map((id) => [id, edges.filter((x) => x.target === id).length]));
      while (expected.length < n) {
        const next = ids.find((id) => indeg.get(id) === 0 && !expected.includes(id))!;
        expected.push(next);
        for (const x of edges) if (x.source === next) indeg.set(x.target, indeg.get(x.target)! - 1);
      }
      expect(topoSort(ids, edges).order, `seed case ${t}`).toEqual(expected);
    }
  });

  it('is linear: 20 000 nodes in a chain sort without recursion limits', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `n${i}`);
    const edges = ids.slice(1).map((id, i) => e(ids[i]!, id));
    expect(topoSort([...ids].reverse(), edges).order).toEqual(ids);
  });
});
