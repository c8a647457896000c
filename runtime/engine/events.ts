/**
 * The event bus (design.md §5). Every event gets a global, strictly increasing `seq` and, when it
 * belongs to a run, a per-run `runSeq`. Events other than `node.progress` are persisted in
 * event_log under their seq, so a client reconnecting with `?since=<seq>` — even after a runtime
 * restart — gets what it missed; progress events are kept in a bounded in-memory ring only
 * (they are superseded by the next one anyway).
 */
import type { EventStore } from '../store/events';
import type { EventType, MystiEvent } from '../../wire/events';

/** The event shapes are declared in wire/events.ts (the WebSocket carries them to the editor). */
export type { EventType, MystiEvent };

type Listener = (e: MystiEvent) => void;

/** Events that are not worth a disk write (high frequency, superseded by the next one). */
const EPHEMERAL = new Set<EventType>(['node.progress', 'job.progress', 'assistant.delta']);

/**
 * At most this many events in a row go unpersisted: every EPHEMERAL_RUN-th ephemeral event in a
 * row is written anyway. A restart can then skip that many seqs and be sure it never hands out
 * a seq a client already saw before a crash (a client resuming with `?since=` — and the editor,
 * which drops seq ≤ its last — would otherwise lose the first events after the restart).
 */
const EPHEMERAL_RUN = 64;

export class EventBus {
  private seq: number;
  private readonly runSeqs = new Map<string, number>();
  private readonly ring: MystiEvent[] = [];
  private readonly listeners = new Set<Listener>();

  private unpersisted = 0;

  constructor(
    private readonly store: EventStore,
    private readonly ringSize = 5_000,
  ) {
    this.seq = store.lastSeq() + EPHEMERAL_RUN - 1;
  }

  /** Publishes an event to every listener; returns it with its seq. */
  emit(
    type: EventType,
    payload: Record<string, unknown> & { runId?: string; nodeId?: string } = {},
  ): MystiEvent {
    const e = this.stamp(type, payload);
    if (this.persists(type)) this.store.append(type, payload.runId ?? null, { ...e }, e.ts, e.seq);
    this.deliver(e);
    return e;
  }

  /**
   * {@link emit} for many events at once: the same seqs, runSeqs, ring and listeners, but the
   * persisted ones are written in ONE statement before any listener sees them (an unchanged
   * 500-node rerun's `node.cached` events). Called inside the caller's transaction, they share its commit.
   */
  emitMany(
    events: readonly {
      type: EventType;
      payload: Record<string, unknown> & { runId?: string; nodeId?: string };
    }[],
  ): MystiEvent[] {
    const stamped = events.map((ev) => this.stamp(ev.type, ev.payload));
    const rows = stamped
      .filter((e) => this.persists(e.type))
      .map((e) => ({
        type: e.type,
        runId: e.runId ?? null,
        payload: { ...e },
        ts: e.ts,
        seq: e.seq,
      }));
    this.store.appendMany(rows);
    for (const e of stamped) this.deliver(e);
    return stamped;
  }

  /** The event with its seq, ts and per-run runSeq. */
  private stamp(
    type: EventType,
    payload: Record<string, unknown> & { runId?: string; nodeId?: string },
  ): MystiEvent {
    const ts = Date.now();
    const seq = ++this.seq;
    const e: MystiEvent = { ...payload, type, seq, ts };
    if (payload.runId) {
      const rs = (this.runSeqs.get(payload.runId) ?? 0) + 1;
      this.runSeqs.set(payload.runId, rs);
      e.runSeq = rs;
      if (
        type === 'run.completed' ||
        type === 'run.failed' ||
        type === 'run.cancelled' ||
        type === 'run.interrupted'
      )
        this.runSeqs.delete(payload.runId);
    }
    return e;
  }

  /** Whether this event goes to event_log (every one but EPHEMERAL_RUN-1 ephemeral ones in a row). */
  private persists(type: EventType): boolean {
    if (EPHEMERAL.has(type) && ++this.unpersisted < EPHEMERAL_RUN) return false;
    this.unpersisted = 0;
    return true;
  }

  private deliver(e: MystiEvent): void {
    this.ring.push(e);
    // Trim in halves so a full ring costs O(1) amortized per event, not an O(n) shift each time.
    if (this.ring.length >= this.ringSize * 2)
      this.ring.splice(0, this.ring.length - this.ringSize);
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // A broken listener (closed socket) must not stop the run.
      }
    }
  }

  /** Subscribes; returns the unsubscribe function. */
  on(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Events after `since`, oldest first: from the in-memory ring, or from event_log when older. */
  since(since: number, runId?: string): MystiEvent[] {
    const first = this.ring[0];
    let events: MystiEvent[];
    if (first && first.seq <= since + 1) {
      events = this.ring.filter((e) => e.seq > since);
    } else {
      const persisted = this.store
        .since(since)
        .map(
          (r) => ({ ...(r.payload as object), seq: r.seq, ts: r.ts, type: r.type }) as MystiEvent,
        );
      const lastPersisted = persisted.at(-1)?.seq ?? since;
      events = [...persisted, ...this.ring.filter((e) => e.seq > lastPersisted)];
    }
    return runId ? events.filter((e) => e.runId === runId) : events;
  }

  lastSeq(): number {
    return this.seq;
  }
}
