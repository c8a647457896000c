/**
 * Templates (issue 15 §6): GET /api/templates lists the example graphs shipped in `graphs/`
 * (id `builtin:<file name without .graph.json>`) and the saved graphs the user marked as
 * templates (their graph id); GET /api/templates/:id answers `{id, name, source, graph}` with the
 * graph loaded (migrated) and without its saved id, so "New from template" starts a new workflow.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { UserError } from '../../errors';
import type { Studio } from '../../studio';
import { REPO_ROOT } from '../../workers/supervisor';
import { loadOrThrow } from '../graph-input';

/** The folder of the shipped example graphs. */
export const TEMPLATES_DIR = path.join(REPO_ROOT, 'graphs');
const SUFFIX = '.graph.json';

/** The shipped templates: id, name and file. Unreadable files are skipped. */
function builtins(): { id: string; name: string; file: string }[] {
  if (!fs.existsSync(TEMPLATES_DIR)) return [];
  return fs
    .readdirSync(TEMPLATES_DIR)
    .filter((f) => f.endsWith(SUFFIX))
    .sort()
    .flatMap((f) => {
      const file = path.join(TEMPLATES_DIR, f);
      try {
        const name = (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown }).name;
        return [
          {
            id: `builtin:${f.slice(0, -SUFFIX.length)}`,
            name: typeof name === 'string' ? name : f,
            file,
          },
        ];
      } catch {
        return [];
      }
    });
}

export function templateRoutes(s: Studio): Hono {
  const app = new Hono();
  app.get('/', (c) =>
    c.json({
      items: [
        ...builtins().map((b) => ({ id: b.id, name: b.name, source: 'builtin' as const })),
        ...s.store.workflows
          .search({ templatesOnly: true, sort: 'name', limit: 500 })
          .map((g) => ({ id: g.id, name: g.name, source: 'user' as const })),
      ],
    }),
  );
  app.get('/:id', (c) => {
    const id = c.req.param('id');
    let raw: unknown;
    let name: string;
    let source: 'builtin' | 'user';
    if (id.startsWith('builtin:')) {
      const b = builtins().find((x) => x.id === id);
      if (!b) throw new UserError('NOT_FOUND', `no template ${id}`, undefined, 404);
      raw = JSON.parse(fs.readFileSync(b.file, 'utf8'));
      name = b.name;
      source = 'builtin';
    } else {
      const g = s.store.graphs.get(id);
      if (!g || !s.store.workflows.get(id)?.template)
        throw new UserError('NOT_FOUND', `no template ${id}`, undefined, 404);
      raw = g.graph;
      name = g.name;
      source = 'user';
    }
    const { id: _savedId, ...graph } = loadOrThrow(raw, s.catalog);
    return c.json({ id, name, source, graph });
  });
  return app;
}
