/**
 * The event log (`event_log`): every event except high-frequency progress is persisted, and its
 * rowid is the global event sequence number a WebSocket client resumes from (`/ws?since=<seq>`).
 */
import type { Db } from './db';

export interface LoggedEvent {
  seq: number;
  type: string;
  runId: string | null;
  payload: Record<string, unknown>;
  ts: number;
}

export class EventStore {
  private readonly s;
  constructor(db: Db) {
    this.s = {
      insert: db.prepare(
        'INSERT INTO event_log (id, run_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      insertMany: db.prepare(`INSERT INTO event_log (id, run_id, type, payload, created_at)
        SELECT j.value->>0, j.value->>1, j.value->>2, j.value->3, j.value->>4 FROM json_each(?) j`),
      since: db.prepare<
        [number, number],
        { id: number; run_id: string | null; type: string; payload: string; created_at: number }
      >('SELECT * FROM event_log WHERE id > ? ORDER BY id LIMIT ?'),
      max: db.prepare<[], { m: number | null }>('SELECT MAX(id) AS m FROM event_log'),
      forRun: db.prepare<
        [string],
        { id: number; run_id: string | null; type: string; payload: string; created_at: number }
      >('SELECT * FROM event_log WHERE run_id = ? ORDER BY id'),
    };
  }

  /** Appends an event under its sequence number (assigned by the event bus). */
  append(
    type: string,
    runId: string | null,
    payload: Record<string, unknown>,
    ts: number,
    seq: number,
  ): void {
    this.s.insert.run(seq, runId, type, JSON.stringify(payload), ts);
  }

  /**
   * {@link append} for many events in ONE statement (the rows travel as one JSON array, each
   * payload stored as its JSON text, exactly as append stores it).
   */
  appendMany(
    rows: readonly {
      type: string;
      runId: string | null;
      payload: Record<string, unknown>;
      ts: number;
      seq: number;
    }[],
  ): void {
    if (!rows.length) return;
    this.s.insertMany.run(
      JSON.stringify(rows.map((r) => [r.seq, r.runId, r.type, r.payload, r.ts])),
    );
  }

  /** Events after `seq`, oldest first, at most `limit`. */
  since(seq: number, limit = 10_000): LoggedEvent[] {
    return this.s.since.all(seq, limit).map((r) => ({
      seq: r.id,
      type: r.type,
      runId: r.run_id,
      payload: JSON.parse(r.payload),
      ts: r.created_at,
    }));
  }

  forRun(runId: string): LoggedEvent[] {
    return this.s.forRun.all(runId).map((r) => ({
      seq: r.id,
      type: r.type,
      runId: r.run_id,
      payload: JSON.parse(r.payload),
      ts: r.created_at,
    }));
  }

  /** The highest persisted event sequence number (0 for an empty log). */
  lastSeq(): number {
    return this.s.max.get()?.m ?? 0;
  }
}
