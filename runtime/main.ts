/**
 * The composition root: opens the store, recovers interrupted and queued runs, sweeps orphan
 * files, starts the supervisor (workers start on first use), and serves HTTP + WebSocket on one
 * port. Everything a part needs is passed to it here; nothing reaches for globals.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { NodeSpec } from '../nodes/core/define-node';
import type { Implementation } from './engine/executor';
import { coreNodes, executorRegistry } from '../nodes/run';
import { GraphValidationPool } from './server/validation/pool';
import { loadConfig, ensureDirs, type Config } from './config';
import { createLogger, type Logger } from './log';
import { Store } from './store';
import { EventBus } from './engine/events';
import { RunQueue } from './engine/run-queue';
import { REPO_ROOT, WorkerSupervisor, type WorkerSpec } from './workers/supervisor';
import { createApp, type RouteMount } from './server/app';
import { attachWsHub } from './ws/hub';
import { ModelRegistry } from './models/registry';
import { attachTags, resolveAlias } from './store/tags';
import { provenanceOf } from './library/provenance';
import type { ExecPorts } from './exec/context';
import { openaiRoutes } from './server/routes/openai';
import { embeddingRoutes } from './server/routes/embeddings';
import { tagRoutes } from './server/routes/tags';
import { sweepOrphans } from './library/sweep';
import type { Studio } from './studio';
import type { EngineDeps } from './engine/deps';
import { TMP_PREFIX } from './fs/atomic';
import { acquireLock } from './fs/home-lock';
import { relativeInside } from './fs/safe-path';
import { createAdmission } from './arbiter/admission';
import { PresetStore } from './store/presets';
import { isModelKind, type ModelKind } from './store/models';
import { UnexpectedError, toMystiError } from './errors';
import { DiskMonitor, diskErrorCode } from './fs/disk-errors';
import { rotateBackups, scheduleBackups } from './store/backup';
import { VramPeakStore } from './store/arbiter';
import { presetRoutes } from './server/routes/presets';
import { workflowRoutes } from './server/routes/workflows';
import { uploadRoutes } from './server/routes/uploads';
import { generationRoutes } from './server/routes/generations';
import { collectionRoutes, promptTemplateRoutes } from './server/routes/library';
import { startGalleryJobs } from './jobs';
import { startBackgroundImport, type BackgroundImport } from './library/import-background';
import { createEmbedder, searchConfig } from './search/embedder';
import { SemanticSearch } from './search/semantic';
import { VectorStore } from './store/vectors';
import { galleryStores } from './store/gallery-stores';
import { Assistant } from './assistant/assistant';
import { assistantRoutes } from './server/routes/assistant';
import { checkModelRefs, prepareGraph } from './server/graph-input';

/**
 * The registry kind of a kind string from the engine (`ctx.resolveModel`), the arbiter or a route.
 * Node declarations only name registry kinds, so anything else is a bug in the caller.
 * @throws UnexpectedError for a string that is not a {@link ModelKind}
 */
function modelKind(kind: string): ModelKind {
  if (!isModelKind(kind)) throw new UnexpectedError(`unknown model kind "${kind}"`, { kind });
  return kind;
}

export interface StartOptions {
  config?: Config;
  logger?: Logger;
  /** Override worker entries (tests map `sd` to the fake worker). */
  workers?: Record<string, WorkerSpec>;
  /** Listen (default true); false builds the studio for in-process `app.request()` tests. */
  listen?: boolean;
  supervisor?: {
    healthIntervalMs?: number;
    backoffMs?: number;
    maxCrashes?: number;
    stallMs?: Partial<Record<string, number>>;
    stallHealthTimeoutMs?: number;
  };
  /** Import outputs/ and config.watchFolders in the background at start (default true). */
  backgroundImport?: boolean;
  /** The node declarations and their executors (default: the core catalog, nodes/run.ts). */
  nodes?: { specs: readonly NodeSpec[]; implementations: readonly Implementation[] };
}

export interface RunningStudio extends Studio {
  app: ReturnType<typeof createApp>;
  server: Server | null;
  /** Actual port (useful with port 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * Test-only hook (like MYSTI_FAULT_POINT): `MYSTI_TEST_LLM_WORKER=tests/helpers/…/worker.ts`
 * replaces the LLM worker by a test worker (the e2e assistant test's scripted LLM). Only entries
 * under tests/helpers/ are honoured, so it cannot start arbitrary code.
 */
function testLlmWorker(env: NodeJS.ProcessEnv): string | undefined {
  const e = env.MYSTI_TEST_LLM_WORKER;
  if (!e) return undefined;
  const rel = path.relative(REPO_ROOT, path.resolve(REPO_ROOT, e));
  if (!rel.startsWith(`tests${path.sep}helpers${path.sep}`) || rel.includes(`..`))
    throw new UnexpectedError(`MYSTI_TEST_LLM_WORKER must name a file under tests/helpers/`, { e });
  return rel;
}

/** Default worker processes (design.md §2). */
export function defaultWorkers(config: Config): Record<string, WorkerSpec> {
  const env = (o: Record<string, string | number | null | undefined>) =>
    Object.fromEntries(
      Object.entries(o)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => [k, String(v)]),
    );
  return {
    sd: {
      entry: 'workers/sd/main.ts',
      env: env({
        MYSTI_HOME: config.home,
        SD_CPP_BIN: config.sdCppBin,
        MYSTI_SD_THREADS: config.threads.sd,
        SD_CPP_SERVER_BIN: config.sd.serverBin,
        MYSTI_SD_MODE: config.sd.mode,
      }),
      // A job's private folder is `tmp/.sd-<uuid>` (workers/sd/jobs.ts); only a dead worker leaves one.
      cleanupAfterCrash: () => {
        for (const f of fs.existsSync(config.paths.tmp) ? fs.readdirSync(config.paths.tmp) : []) {
          if (/^\.sd-[0-9a-f-]{36}$/.test(f))
            fs.rmSync(path.join(config.paths.tmp, f), { recursive: true, force: true });
        }
      },
    },
    llm: {
      entry: testLlmWorker(process.env) ?? 'workers/llm/main.ts',
      env: env({ MYSTI_HOME: config.home, MYSTI_LLM_THREADS: config.threads.llm }),
    },
  };
}

/** Builds and (by default) starts a studio. */
export async function startStudio(opts: StartOptions = {}): Promise<RunningStudio> {
  // Before anything is opened: a declared type without an executor stops start-up (NO_EXECUTOR).
  const nodes = opts.nodes ?? coreNodes;
  const executors = executorRegistry(nodes.specs, nodes.implementations);
  const catalog: ReadonlyMap<string, NodeSpec> = new Map(nodes.specs.map((s) => [s.type, s]));
  const config = opts.config ?? loadConfig();
  const logger = opts.logger ?? createLogger();
  ensureDirs(config);
  const lock = acquireLock(config.home);
  let store: Store;
  try {
    // A damaged, lost or too-new database refuses here (DB_DAMAGED / DB_MISSING / DB_TOO_NEW):
    // nothing below — recovery, the orphan sweep, the import — may touch the data folder then.
    store = Store.open(config.dbFile);
  } catch (err) {
    lock.release();
    throw err;
  }
  const bus = new EventBus(store.events);
  const registry = new ModelRegistry(store.db, config.modelFolders, {
    allowUnsafeModels: config.raw.allowUnsafeModels === true,
  });
  const supervisor = new WorkerSupervisor({
    workers: opts.workers ?? defaultWorkers(config),
    logger,
    onStatus: (e) => bus.emit('worker.status', e),
    onAlert: (e) => bus.emit('system.alert', { ...e, level: 'error' }),
    stallMs: config.stallMs,
    ...opts.supervisor,
  });
  const presets = new PresetStore(store.db);
  const admission = createAdmission({
    config,
    supervisor,
    bus,
    logger,
    presets,
    peaks: new VramPeakStore(store.db),
    modelMeta: (m) => registry.get(m.id)?.metadata ?? null,
    modelFamily: (m) => registry.get(m.id)?.family ?? null,
  });
  const resolveModel = (ref: string, kind: string) => registry.resolve(ref, modelKind(kind));
  const ports: ExecPorts = {
    artifacts: {
      provenance: (artifactId) => provenanceOf(store, artifactId),
      link: (artifactId, parentId, port) => store.artifacts.link(artifactId, parentId, port),
    },
    gallery: {
      byUuid: (uuid) => store.generations.byUuid(uuid),
      insert: (g, extra) => store.generations.insert(g, extra),
      lineagePrompt: (o) => store.generations.lineagePrompt(o),
    },
    tags: {
      resolveAlias: (name) => resolveAlias(store.db, name)?.normalizedName,
      attach: (generationId, tags, source) => attachTags(store.db, generationId, tags, source),
    },
    registry: { folders: registry.folders, resolve: resolveModel },
  };
  const deps: EngineDeps = {
    store,
    bus,
    config,
    logger,
    catalog,
    executors,
    ports,
    presets,
    call: (worker, job, payload, o) => supervisor.call(worker, job, payload, o),
    resolveModel,
    previewUrl: (p) => {
      const rel = relativeInside(p, path.join(config.paths.tmp, 'previews'));
      return rel ? `/api/previews/${encodeURIComponent(rel)}` : undefined;
    },
    admission: admission.control,
  };
  const queue = new RunQueue(deps, config.maxConcurrentRuns, config.maxQueuedRuns);
  // Disk full / read-only (issue 18 §3): any node, job or backup failing with DISK_FULL/READ_ONLY
  // shows in /api/health and raises one system alert; a later stored image clears it.
  const disk = new DiskMonitor();
  const onDiskError = (code: string, message: string, source: string) => {
    if (code !== 'DISK_FULL' && code !== 'READ_ONLY') return;
    if (disk.failed(code, message)) {
      logger.error({ code, source }, message);
      bus.emit('system.alert', { level: 'error', code, message, source });
    }
  };
  bus.on((e) => {
    const err = (e as { error?: { code?: string; message?: string } }).error;
    if (err?.code && (e.type === 'node.failed' || e.type === 'job.progress'))
      onDiskError(
        err.code,
        err.message ?? '',
        e.type === 'node.failed' ? `node ${e.nodeId}` : 'background job',
      );
    // A node that stored an image wrote to the disk again.
    else if (
      e.type === 'node.completed' &&
      Object.values((e.outputs ?? {}) as Record<string, { kind?: string }>).some(
        (o) => o.kind === 'image',
      )
    )
      disk.ok();
  });

  // Start-up recovery before anything new can run: interrupted runs, then orphan files.
  const recovered = queue.recover();
  const swept = sweepOrphans(store, config, recovered.interrupted, TMP_PREFIX);
  if (recovered.interrupted.length || recovered.requeued.length || swept.removed) {
    logger.info(
      { ...recovered, removed: swept.removed },
      'recovered runs from the previous session',
    );
  }
  for (const file of swept.quarantined)
    logger.warn(
      { file },
      'an interrupted run saved this image but its generation row was never written; moved to quarantine/',
    );
  // Temp copies of a backup a crash interrupted (and backups beyond `keep`).
  rotateBackups(config.dbFile, config.backup.keep);
  // Auto-archiving (issue 7): files in outputs/ and watch folders that the library does not know yet.
  const libraryImport: BackgroundImport | null =
    opts.backgroundImport === false
      ? null
      : startBackgroundImport({
          store,
          bus,
          logger,
          home: config.home,
          folders: [config.paths.outputs, ...config.watchFolders],
          isBusy: () => queue.snapshot().running.length > 0,
        });
  await registry
    .scan()
    .catch((err: unknown) => logger.warn({ err: String(err) }, 'model scan failed'));
  void registry.startHashing().catch(() => {});

  const studio: Studio = {
    config,
    logger,
    store,
    bus,
    queue,
    supervisor,
    catalog,
    startedAt: Date.now(),
    models: {
      list: (kind) =>
        (kind === undefined || isModelKind(kind) ? registry.list(kind) : []).map((m) => ({
          id: m.id,
          kind: m.kind,
          name: m.name,
          path: m.path,
          bytes: m.bytes,
          sha256: m.sha256,
          family: m.family,
          metadata: m.metadata,
        })),
      scan: () => registry.scan(),
      resolve: (ref, kind) => registry.resolve(ref, modelKind(kind)),
    },
    vram: () => admission.snapshot(),
    services: {
      registry,
      libraryImport,
      disk,
      onDiskError,
      applyVram: (v) => admission.applyVram(v),
      // The validation thread loads the core declarations itself: other catalogs validate inline.
      validation: nodes === coreNodes ? new GraphValidationPool() : null,
    },
  };
  const llmAccess = {
    resolve: (ref: string) => registry.resolve(ref, 'llm'),
    reserve: admission.reserveLlm,
    call: (job: string, payload: Record<string, unknown>, o: { signal: AbortSignal }) =>
      supervisor.call('llm', job, payload, o),
  };
  // Semantic search (issue 17): only with config.json's search.embeddingModel.
  const searchCfg = searchConfig(config.raw);
  // /v1/embeddings works with an explicit model even when semantic search is off.
  const anyEmbedder = createEmbedder(searchCfg, llmAccess);
  const embedder = searchCfg.embeddingModel ? anyEmbedder : null;
  studio.services.embedder = embedder;
  studio.services.search = new SemanticSearch(
    galleryStores(store.db).queries,
    new VectorStore(store.db),
    embedder,
  );
  // Gallery background jobs (thumbnails, rescans, auto-tagging, embeddings) wait while any run is queued or executing.
  const galleryJobs = startGalleryJobs({
    ...(embedder ? { embedder, embedBatch: searchCfg.batch } : {}),
    store,
    bus,
    config,
    logger,
    busy: () => {
      const q = queue.snapshot();
      return q.running.length > 0 || q.queued.length > 0;
    },
    llm: llmAccess,
  });
  studio.services.galleryJobs = galleryJobs;
  const backups =
    config.backup.everyMs > 0
      ? scheduleBackups(store.db, {
          everyMs: config.backup.everyMs,
          keep: config.backup.keep,
          onDone: (file) => logger.info({ file }, 'database backed up'),
          onError: (err) => {
            const e = toMystiError(err);
            logger.error({ code: e.code, err: e.message }, 'database backup failed');
            if (diskErrorCode(err)) onDiskError(e.code, e.message, 'backup');
            else
              bus.emit('system.alert', {
                level: 'error',
                code: 'BACKUP_FAILED',
                message: `database backup failed: ${e.message}`,
              });
          },
        })
      : null;
  // The creative assistant (issue 16): its model from config.json `assistant.model`.
  const assistant = new Assistant({
    store,
    bus,
    catalog,
    logger,
    config: config.assistant,
    search: () => studio.services.search,
    llm: {
      resolve: (ref) => registry.resolve(ref, 'llm'),
      reserve: admission.reserveLlm,
      call: (job, payload, o) => supervisor.call('llm', job, payload, o),
    },
    submit: (graph, overrides) => {
      const g = prepareGraph(graph, catalog, overrides);
      checkModelRefs(g, catalog, studio.models.resolve);
      return queue.submit(g, { validated: true }).id;
    },
  });
  const extra: RouteMount[] = [
    { prefix: '/api/assistant', app: assistantRoutes(studio, assistant) },
    { prefix: '/api/workflows', app: workflowRoutes(studio) },
    { prefix: '/api/uploads', app: uploadRoutes(studio) },
    { prefix: '/api/generations', app: generationRoutes(studio) },
    { prefix: '/api/collections', app: collectionRoutes(studio) },
    { prefix: '/api/prompt-templates', app: promptTemplateRoutes(studio) },
    { prefix: '/api/presets', app: presetRoutes(studio, presets) },
    { prefix: '/api/tags', app: tagRoutes(studio) },
    { prefix: '/', app: embeddingRoutes(anyEmbedder) },
    {
      prefix: '/',
      app: openaiRoutes({
        call: (job, payload, o) => supervisor.call('llm', job, payload, o),
        resolveModel: (ref) => registry.resolve(ref, 'llm'),
        listModels: () => registry.list('llm').map((m) => ({ id: m.id })),
        reserve: admission.reserveLlm,
      }),
    },
  ];
  let server: Server | null = null;
  let port = config.port;
  // Own origins use the port actually listened on (config.port may be 0); unknown until listening.
  const originPolicy = {
    allowedOrigins: config.allowedOrigins,
    port: () => (server ? port : null),
  };
  const app = createApp(studio, extra, originPolicy);

  let hub: ReturnType<typeof attachWsHub> | null = null;
  if (opts.listen !== false) {
    server = await new Promise<Server>((resolve, reject) => {
      const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () =>
        resolve(s as Server),
      ) as Server;
      s.once('error', reject);
    });
    port = (server.address() as AddressInfo).port;
    hub = attachWsHub(server, bus, logger, originPolicy);
    lock.update({ port, host: config.host });
    logger.info(
      { url: `http://${config.host}:${port}`, home: config.home },
      'MystiCanvas is running',
    );
  }

  let closed = false;
  return {
    ...studio,
    app,
    server,
    port,
    async close() {
      if (closed) return;
      closed = true;
      assistant.close();
      await queue.stop(true);
      await galleryJobs.stop();
      await backups?.stop();
      hub?.close();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      registry.stopHashing();
      await libraryImport?.stop();
      await supervisor.close();
      await studio.services.validation?.close();
      admission.close();
      store.close();
      lock.release();
      // Leftover temp files of this session are garbage now.
      for (const f of fs.existsSync(config.paths.tmp) ? fs.readdirSync(config.paths.tmp) : []) {
        if (f.startsWith(TMP_PREFIX)) fs.rmSync(path.join(config.paths.tmp, f), { force: true });
      }
    },
  };
}
