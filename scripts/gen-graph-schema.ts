/**
 * Writes graphs/graph.schema.json from the graph document's zod schema (nodes/core/graph.ts, the
 * one source of truth; design.md §3). `npm run schema` runs it; tests/unit/nodes/graph-schema.test.ts
 * fails when the committed file differs from what this renders.
 *
 * The schema describes documents as people write them (zod `io: "input"`): fields with defaults
 * (`position`, `params`, `edges`, `name`) are optional. JSON Schema draft 2020-12, two-space
 * indentation, trailing newline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { graphSchema } from '../nodes/core/graph';

/** Absolute path of the generated file. */
export const GRAPH_SCHEMA_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../graphs/graph.schema.json',
);

/** The file's exact text. */
export function renderGraphSchema(): string {
  return `${JSON.stringify(z.toJSONSchema(graphSchema, { io: 'input' }), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  fs.writeFileSync(GRAPH_SCHEMA_FILE, renderGraphSchema());
  console.log(`wrote ${path.relative(process.cwd(), GRAPH_SCHEMA_FILE)}`);
}
