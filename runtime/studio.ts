/** The services one running studio holds; routes and the CLI receive this, never globals. */
import type { DiskMonitor } from './fs/disk-errors';
import type { NodeSpec } from '../nodes/core/define-node';
import type { Config } from './config';
import type { Logger } from './log';
import type { Store } from './store';
import type { EventBus } from './engine/events';
import type { RunQueue } from './engine/run-queue';
import type { WorkerSupervisor } from './workers/supervisor';
import type { ResolvedModel } from './engine/executor';
import type { ModelRegistry } from './models/registry';
import type { BackgroundImport } from './library/import-background';
import type { GalleryJobs } from './jobs';
import type { SemanticSearch } from './search/semantic';
import type { Embedder } from './search/embedder';
import type { GraphValidationPool } from './server/validation/pool';

/** Model listing as served by GET /api/models. */
export interface ModelInfo {
  id: string;
  kind: string;
  name: string;
  path: string;
  bytes: number;
  sha256?: string | null;
  family?: string | null;
  metadata?: unknown;
}

export interface Studio {
  config: Config;
  logger: Logger;
  store: Store;
  bus: EventBus;
  queue: RunQueue;
  supervisor: WorkerSupervisor;
  catalog: ReadonlyMap<string, NodeSpec>;
  startedAt: number;
  models: {
    list(kind?: string): ModelInfo[];
    scan(): Promise<unknown>;
    resolve(ref: string, kind: string): ResolvedModel;
  };
  /** GET /api/vram body. */
  vram(): unknown;
  /** Long-lived parts routes and tests reach by name. */
  services: StudioServices;
}

/** The studio's long-lived parts beyond the core ones (runtime/main.ts fills them in). */
export interface StudioServices {
  registry: ModelRegistry;
  /** The background import of outputs/ and watch folders; null when disabled. */
  libraryImport: BackgroundImport | null;
  /** Thumbnails, rescans, auto-tagging (set right after the studio is assembled). */
  galleryJobs?: GalleryJobs;
  /** Semantic/hybrid gallery search (issue 17); ranks only with an embedding model configured. */
  search?: SemanticSearch;
  /** The configured embedding model's embedder, or null when `search.embeddingModel` is unset. */
  embedder?: Embedder | null;
  /** Off-thread validation of large submitted graphs; null = always inline (runtime/server/validation). */
  validation?: GraphValidationPool | null;
  /** Disk full / read-only state for /api/health (runtime/fs/disk-errors.ts). */
  disk: DiskMonitor;
  /** Records a DISK_FULL / READ_ONLY failure seen outside the event bus (an API request); raises the alert once. */
  onDiskError: (code: string, message: string, source: string) => void;
}
