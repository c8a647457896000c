/** Saved workflows (`graphs` table). Graph JSON is validated by the caller before it is stored. */
import type { Db } from './db';
import { writePoint } from '../fs/write-points';

export interface SavedGraph {
  id: string;
  name: string;
  graph: unknown;
  createdAt: number;
  updatedAt: number;
}

interface Row {
  id: string;
  name: string;
  graph_json: string;
  created_at: number;
  updated_at: number;
}

const toGraph = (r: Row): SavedGraph => ({
  id: r.id,
  name: r.name,
  graph: JSON.parse(r.graph_json),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** CRUD over saved graphs; statements are prepared once per database. */
export class GraphStore {
  private readonly s;
  constructor(db: Db) {
    this.s = {
      upsert:
        db.prepare(`INSERT INTO graphs (id, name, graph_json, created_at, updated_at) VALUES (@id, @name, @graph_json, @now, @now)
        ON CONFLICT(id) DO UPDATE SET name = excluded.name, graph_json = excluded.graph_json, updated_at = excluded.updated_at`),
      get: db.prepare<[string], Row>('SELECT * FROM graphs WHERE id = ?'),
      del: db.prepare('DELETE FROM graphs WHERE id = ?'),
      first: db.prepare<[number], Row>(
        'SELECT * FROM graphs ORDER BY updated_at DESC, id DESC LIMIT ?',
      ),
      after: db.prepare<[number, string, number], Row>(
        'SELECT * FROM graphs WHERE (updated_at, id) < (?, ?) ORDER BY updated_at DESC, id DESC LIMIT ?',
      ),
    };
  }

  /** Inserts or replaces a graph; returns the stored record. */
  save(id: string, name: string, graph: unknown, now = Date.now()): SavedGraph {
    writePoint('graph.save');
    this.s.upsert.run({ id, name, graph_json: JSON.stringify(graph), now });
    return this.get(id)!;
  }

  get(id: string): SavedGraph | undefined {
    const r = this.s.get.get(id);
    return r ? toGraph(r) : undefined;
  }

  /** Deletes; returns whether a row existed. */
  delete(id: string): boolean {
    return this.s.del.run(id).changes > 0;
  }

  /** Newest first, keyset paginated by (updated_at, id). `cursor` is the last item of the previous page. */
  list(limit: number, cursor?: { updatedAt: number; id: string }): SavedGraph[] {
    const rows = cursor
      ? this.s.after.all(cursor.updatedAt, cursor.id, limit)
      : this.s.first.all(limit);
    return rows.map(toGraph);
  }
}
