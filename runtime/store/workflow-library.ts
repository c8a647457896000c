/**
 * The workflow library's own facts about saved graphs (issue 15 §6; `graph_meta`, migration
 * 0153): last opened, marked as template, latest run. The graphs themselves stay in graphs.ts.
 * Every write is one statement (atomic by itself).
 */
import type { Db } from './db';

/** One library row: a saved graph's head (no graph JSON) and its library facts. */
export interface LibraryItem {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  lastOpenedAt: number | null;
  template: boolean;
  lastRunId: string | null;
}

/** Sort orders of {@link WorkflowLibraryStore.search}. */
export type LibrarySort = 'opened' | 'updated' | 'name';

interface Row {
  id: string;
  name: string;
  created_at: number;
  updated_at: number;
  last_opened_at: number | null;
  template: number | null;
  last_run_id: string | null;
}

const toItem = (r: Row): LibraryItem => ({
  id: r.id,
  name: r.name,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  lastOpenedAt: r.last_opened_at,
  template: r.template === 1,
  lastRunId: r.last_run_id,
});

const SELECT = `SELECT g.id, g.name, g.created_at, g.updated_at, m.last_opened_at, m.template, m.last_run_id
  FROM graphs g LEFT JOIN graph_meta m ON m.graph_id = g.id`;
// Never-opened graphs sort after opened ones, newest saved first among themselves.
const ORDER: Record<LibrarySort, string> = {
  opened: 'ORDER BY m.last_opened_at IS NULL, m.last_opened_at DESC, g.updated_at DESC, g.id',
  updated: 'ORDER BY g.updated_at DESC, g.id',
  name: 'ORDER BY g.name COLLATE NOCASE, g.id',
};

export class WorkflowLibraryStore {
  private readonly s;
  constructor(db: Db) {
    const search = (sort: LibrarySort) =>
      db.prepare<{ q: string; templates: number; limit: number; offset: number }, Row>(
        `${SELECT} WHERE instr(lower(g.name), lower(@q)) > 0
           AND (@templates = 0 OR m.template = 1) ${ORDER[sort]} LIMIT @limit OFFSET @offset`,
      );
    this.s = {
      search: { opened: search('opened'), updated: search('updated'), name: search('name') },
      one: db.prepare<[string], Row>(`${SELECT} WHERE g.id = ?`),
      opened: db.prepare(
        `INSERT INTO graph_meta (graph_id, last_opened_at) VALUES (?, ?)
         ON CONFLICT(graph_id) DO UPDATE SET last_opened_at = excluded.last_opened_at`,
      ),
      template: db.prepare(
        `INSERT INTO graph_meta (graph_id, template) VALUES (?, ?)
         ON CONFLICT(graph_id) DO UPDATE SET template = excluded.template`,
      ),
      lastRun: db.prepare(
        `INSERT INTO graph_meta (graph_id, last_run_id) SELECT id, ? FROM graphs WHERE id = ?
         ON CONFLICT(graph_id) DO UPDATE SET last_run_id = excluded.last_run_id`,
      ),
    };
  }

  /**
   * Saved graphs whose name contains `q` (case-insensitive; '' = all), optionally only the ones
   * marked as templates, in `sort` order; `offset`/`limit` page through them.
   */
  search(opts: {
    q?: string;
    sort?: LibrarySort;
    templatesOnly?: boolean;
    limit: number;
    offset?: number;
  }): LibraryItem[] {
    return this.s.search[opts.sort ?? 'opened']
      .all({
        q: opts.q ?? '',
        templates: opts.templatesOnly ? 1 : 0,
        limit: opts.limit,
        offset: opts.offset ?? 0,
      })
      .map(toItem);
  }

  get(id: string): LibraryItem | undefined {
    const r = this.s.one.get(id);
    return r ? toItem(r) : undefined;
  }

  /** Records that the graph was opened now (`now` ms since epoch). */
  markOpened(id: string, now = Date.now()): void {
    this.s.opened.run(id, now);
  }

  /** Marks or unmarks the graph as a template. */
  setTemplate(id: string, template: boolean): void {
    this.s.template.run(id, template ? 1 : 0);
  }

  /** Records run `runId` as the graph's latest run; a no-op when no saved graph has that id. */
  recordRun(graphId: string, runId: string): void {
    this.s.lastRun.run(runId, graphId);
  }
}
