/**
 * graphs/graph.schema.json is generated from the zod schema (design.md §3) and must not go stale:
 * this fails when the committed file differs from what `npm run schema` would write. The example
 * graphs next to it must load and validate against the catalog.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GRAPH_SCHEMA_FILE, renderGraphSchema } from '../../../scripts/gen-graph-schema';
import { catalog } from '../../../nodes/index';
import { loadGraph, validateGraph } from '../../../nodes/core/validate';

describe('graphs/graph.schema.json', () => {
  it('matches the zod schema (run `npm run schema` when this fails)', () => {
    expect(fs.existsSync(GRAPH_SCHEMA_FILE)).toBe(true);
    expect(fs.readFileSync(GRAPH_SCHEMA_FILE, 'utf8')).toBe(renderGraphSchema());
  });

  it('describes the document: format literal, required nodes, node and edge shapes', () => {
    const s = JSON.parse(renderGraphSchema());
    expect(s.$schema).toMatch(/2020-12/);
    expect(s.properties.format.const).toBe('mysticanvas.graph');
    expect(s.required).toEqual(expect.arrayContaining(['format', 'version', 'nodes']));
    expect(s.properties.nodes.items.required).toEqual(expect.arrayContaining(['id', 'type']));
    expect(s.properties.edges.items.required).toEqual([
      'id',
      'source',
      'sourceHandle',
      'target',
      'targetHandle',
    ]);
  });

  it('every example graph in graphs/ loads and validates', () => {
    const dir = path.dirname(GRAPH_SCHEMA_FILE);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.graph.json'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const r = loadGraph(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')), catalog);
      expect(r.issues, f).toEqual([]);
      expect(r.ok, f).toBe(true);
      if (r.ok) expect(validateGraph(r.graph, catalog), f).toEqual([]);
    }
  });
});
