/**
 * The store facade: one object holding the database and one module per aggregate. The only place
 * SQL lives is runtime/store/ (tests/unit/store/sql-only-in-store.test.ts enforces it).
 */
import { openDb, type Db } from './db';
import { GraphStore } from './graphs';
import { RunStore } from './runs';
import { ArtifactStore } from './artifacts';
import { EventStore } from './events';
import { GenerationStore } from './generations';
import { RunQueueStore } from './run-queue';
import { AssistantStore } from './assistant';

export class Store {
  readonly graphs: GraphStore;
  readonly runs: RunStore;
  readonly artifacts: ArtifactStore;
  readonly events: EventStore;
  readonly generations: GenerationStore;
  /** Resume links and the order of waiting runs (issue 15). */
  readonly queue: RunQueueStore;

  constructor(readonly db: Db) {
    this.graphs = new GraphStore(db);
    this.runs = new RunStore(db);
    this.artifacts = new ArtifactStore(db);
    this.events = new EventStore(db);
    this.generations = new GenerationStore(db);
    this.queue = new RunQueueStore(db);
  }

  private assistantStore?: AssistantStore;
  /**
   * The assistant's conversations (migration 0160), built on first use: its statements need the
   * 0160 tables, and tests open stores of older schemas through this facade.
   */
  get assistant(): AssistantStore {
    return (this.assistantStore ??= new AssistantStore(this.db));
  }

  /** Opens `file` (migrating it) and builds the facade. */
  static open(file: string): Store {
    return new Store(openDb(file));
  }

  /** `PRAGMA integrity_check` → 'ok' or the first problem. */
  integrityCheck(): string {
    return String(this.db.pragma('integrity_check', { simple: true }));
  }

  /** Closes the database (idempotent). */
  close(): void {
    if (this.db.open) this.db.close();
  }
}

export type { Db };
