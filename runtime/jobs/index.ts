/**
 * The gallery's background work, wired for one studio: a {@link JobRunner} with the thumb,
 * rescan and (when configured) autotag handlers, and the hook that queues work for each newly
 * saved generation. main.ts calls {@link startGalleryJobs} after start-up recovery and `stop()`
 * in close().
 */
import { JobRunner } from './runner';
import { thumbHandler } from './thumbs';
import { rescanHandler } from './rescan';
import { autotagHandler, autoTagModel } from './autotag';
import { AUTOTAG_JOB, EMBED_JOB, RESCAN_JOB, THUMB_JOB } from './schedule';
import { embedHandler } from './embed';
import { VectorStore } from '../store/vectors';
import type { Embedder } from '../search/embedder';
import { galleryStores, type GalleryStores } from '../store/gallery-stores';
import { mergeLlmConfig } from '../llm/defaults';
import type { Store } from '../store';
import type { EventBus, MystiEvent } from '../engine/events';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { RawTag } from '../llm/tags';
import type { ResolvedModel } from '../engine/executor';

export interface GalleryJobsDeps {
  store: Store;
  bus: EventBus;
  config: Config;
  logger: Logger;
  /** True while a run is queued or executing: background jobs wait (priority below interactive runs). */
  busy: () => boolean;
  /** LLM access for auto-tagging (only used when config.json has `autoTag.model`). */
  llm?: {
    resolve(ref: string): ResolvedModel;
    /** Reserves memory through the VRAM arbiter; returns the release function. */
    reserve(
      r: { model: ResolvedModel; contextSize: number },
      signal: AbortSignal,
    ): Promise<() => void>;
    call(
      job: string,
      payload: Record<string, unknown>,
      opts: { signal: AbortSignal },
    ): Promise<{ output: Record<string, unknown> }>;
  };
  concurrency?: number;
  /** Semantic search (issue 17): when given, an `embed` job keeps the model's space filled. */
  embedder?: Embedder;
  /** Texts per embed step (default 32). */
  embedBatch?: number;
}

export interface GalleryJobs {
  runner: JobRunner;
  stores: GalleryStores;
  /** Queues the follow-up work of a saved generation (thumbnail; tags when auto-tagging is on). */
  onGenerationSaved(generationId: number): void;
  /** The vector store, when semantic search is on. */
  vectors: VectorStore | null;
  /** Queues an integrity rescan (deduplicated). */
  rescan(): void;
  stop(): Promise<void>;
}

/** Builds the runner, subscribes to the bus, recovers interrupted jobs and schedules a rescan. */
export function startGalleryJobs(d: GalleryJobsDeps): GalleryJobs {
  const stores = galleryStores(d.store.db);
  const roots = { home: d.config.paths.home, extra: d.config.watchFolders };
  const auto = autoTagModel(d.config.raw);
  const handlers: Record<string, ReturnType<typeof thumbHandler>> = {
    thumb: thumbHandler(stores, roots),
    rescan: rescanHandler(stores, roots, (p) =>
      d.bus.emit('job.progress', { kind: 'rescan', ...p }),
    ),
  };
  if (auto && d.llm) {
    const llm = d.llm;
    const cfg = mergeLlmConfig(d.config.llm);
    handlers.autotag = autotagHandler(
      d.store,
      stores,
      async (text, maxTags, signal) => {
        const model = llm.resolve(auto.model);
        const release = await llm.reserve({ model, contextSize: cfg.contextSize }, signal);
        try {
          const { output } = await llm.call(
            'tag',
            {
              modelPath: model.path,
              modelId: model.id,
              contextSize: cfg.contextSize,
              system: cfg.tagging.system,
              text,
              maxTags,
              categories: cfg.taxonomy,
            },
            { signal },
          );
          return (output.tags ?? []) as RawTag[];
        } finally {
          release();
        }
      },
      { categories: cfg.taxonomy, maxTags: auto.maxTags },
    );
  }
  const vectors = d.embedder ? new VectorStore(d.store.db) : null;
  let embedKey: string | null = null;
  if (d.embedder && vectors) {
    try {
      embedKey = d.embedder.model().key;
    } catch (err) {
      d.logger.warn(
        { err: String(err) },
        'search.embeddingModel cannot be resolved: semantic search is off until it can',
      );
    }
    handlers.embed = embedHandler(vectors, d.embedder, {
      batch: d.embedBatch ?? 32,
      onProgress: (p) => d.bus.emit('job.progress', { kind: 'embed', ...p }),
    });
  }
  const runner = new JobRunner({
    jobs: stores.jobs,
    handlers,
    logger: d.logger,
    busy: d.busy,
    concurrency: d.concurrency ?? 2,
    onFinished: (job, status, error) => {
      if (job.kind !== 'rescan' && (job.kind !== 'embed' || error))
        d.bus.emit('job.progress', {
          kind: job.kind,
          jobId: job.id,
          status,
          ...(job.payload.generationId !== undefined
            ? { generationId: job.payload.generationId }
            : {}),
          ...(error ? { error } : {}),
        });
    },
  });

  const onGenerationSaved = (generationId: number) => {
    stores.jobs.enqueue(THUMB_JOB(generationId));
    if (handlers.autotag) stores.jobs.enqueue(AUTOTAG_JOB(generationId));
    if (embedKey) stores.jobs.enqueue(EMBED_JOB(embedKey, generationId - 1));
    runner.kick();
  };
  // A save node's generation row is committed before its node.completed event; runs ending let paused jobs go.
  const off = d.bus.on((e: MystiEvent) => {
    if (e.type === 'node.completed' && e.runId && e.nodeId) {
      for (const g of d.store.generations.byRun(e.runId))
        if (g.nodeId === e.nodeId) onGenerationSaved(g.id);
    } else if (
      e.type === 'run.completed' ||
      e.type === 'run.failed' ||
      e.type === 'run.cancelled' ||
      e.type === 'run.interrupted'
    ) {
      runner.kick();
    }
  });

  const recovered = runner.start();
  stores.jobs.enqueue(RESCAN_JOB());
  // Back-fill (or finish re-embedding for a new model): a cheap walk when everything is embedded.
  if (embedKey) stores.jobs.enqueue(EMBED_JOB(embedKey));
  runner.kick();
  if (recovered) d.logger.info({ recovered }, 'background jobs resumed from the previous session');
  if (auto && !d.llm)
    d.logger.warn('autoTag is configured but no LLM access was given to the job runner');

  return {
    runner,
    stores,
    onGenerationSaved,
    vectors,
    rescan: () => {
      stores.jobs.enqueue(RESCAN_JOB());
      runner.kick();
    },
    stop: async () => {
      off();
      await runner.stop();
    },
  };
}
