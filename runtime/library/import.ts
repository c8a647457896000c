/**
 * Importing a folder of existing images into the library (issue 7 §4, seeds' "auto-archiving";
 * 003 §12 "resilient import"). Each image becomes one generation row that references the file
 * where it is (never copied or moved), with the metadata its PNG chunks carry.
 *
 * Identity, in order:
 * 1. by path: a stored path is already in the library → skipped (a row marked missing whose file
 *    is back is un-marked and counted as relinked). Known paths are not re-read, so a second run
 *    costs one directory walk and one indexed query;
 * 2. by content: a new path whose SHA-256 belongs to a row whose file is gone → that row is
 *    relinked (path updated, missing cleared) instead of duplicated;
 * 3. otherwise a new row.
 * After the walk, rows under the folder whose file no longer exists are marked missing (rows are
 * never deleted).
 *
 * Writes happen per batch (default 200 files) in one transaction, so a kill loses at most the
 * batch in flight and never leaves half-written rows. The event loop is yielded between files
 * every few ms and between batches, so a runtime stays responsive while it imports.
 */
import path from 'node:path';
import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import type { Store } from '../store';
import { ImportStore, type LibraryFile } from '../store/imports';
import { attachTags } from '../store/tags';
import { absolutePath, libraryPath, libraryPrefix, walkImages } from './import-walk';
import { isFailure, readImageFile, type ImageRecord } from './import-read';
import { UserError, type ErrorCode } from '../errors';
import { writePoint } from '../fs/write-points';

/** Counters of one folder import. `done` counts files handled so far, out of `total` found. */
export interface ImportProgress {
  /** The folder, absolute. */
  folder: string;
  phase: 'scan' | 'import' | 'missing' | 'done';
  done: number;
  total: number;
  imported: number;
  skipped: number;
  relinked: number;
  missing: number;
  failed: number;
}

export interface ImportFailure {
  /** Absolute path. */
  path: string;
  code: ErrorCode;
  reason: string;
}

export interface ImportSummary extends ImportProgress {
  dryRun: boolean;
  /** Stopped early by the signal; what was done is committed. */
  aborted: boolean;
  /** Files skipped because they were modified after `modifiedBefore` (background mode). */
  tooNew: number;
  failures: ImportFailure[];
  /** Sub-folders that could not be listed (absolute). */
  unreadable: string[];
  /** Wall time, ms. */
  ms: number;
}

export interface ImportOptions {
  /** Folder to import (resolved against the cwd when relative). */
  folder: string;
  /** Nothing is written; counts say what a real run would do. */
  dryRun?: boolean;
  /** Files per transaction (default 200). */
  batchSize?: number;
  signal?: AbortSignal;
  /** Called after the scan, after every batch and at the end. */
  onProgress?: (p: ImportProgress) => void;
  /** Awaited between batches (the background import backs off here while runs execute). */
  between?: () => Promise<void>;
  /** Only files last modified before this time (ms since epoch) are imported: newer ones may still be
   *  being written by a run of this session, whose save node records them itself. */
  modifiedBefore?: number;
  /** Files read at once (I/O overlap; default 8). */
  concurrency?: number;
}

type Plan =
  | { kind: 'insert'; key: string; abs: string; rec: ImageRecord; mtimeMs: number }
  | { kind: 'relink'; key: string; id: number; bytes: number | null }
  | { kind: 'restore'; id: number };

/** Keeps synchronous work between event-loop turns under this many ms. */
const SLICE_MS = 8;
const yieldNow = () => new Promise<void>((r) => setImmediate(r));

/**
 * Imports every PNG/JPEG/WebP under `opts.folder` into the library of `store` (paths relative to
 * `home` when inside it, see import-walk.ts).
 *
 * @returns the summary; a file that cannot be read is counted in `failed` with its reason, never thrown
 * @throws UserError FOLDER_NOT_FOUND when the folder does not exist or is not a directory
 */
export async function importFolder(
  store: Store,
  home: string,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const t0 = Date.now();
  const folder = path.resolve(opts.folder);
  const dryRun = opts.dryRun ?? false;
  const batchSize = Math.max(1, opts.batchSize ?? 200);
  const db = new ImportStore(store.db);
  const s: ImportSummary = {
    folder,
    phase: 'scan',
    done: 0,
    total: 0,
    imported: 0,
    skipped: 0,
    relinked: 0,
    missing: 0,
    failed: 0,
    dryRun,
    aborted: false,
    tooNew: 0,
    failures: [],
    unreadable: [],
    ms: 0,
  };
  const progress = () =>
    opts.onProgress?.({
      folder,
      phase: s.phase,
      done: s.done,
      total: s.total,
      imported: s.imported,
      skipped: s.skipped,
      relinked: s.relinked,
      missing: s.missing,
      failed: s.failed,
    });

  let walked;
  try {
    walked = await walkImages(folder, opts.signal);
  } catch (err) {
    throw new UserError(
      'FOLDER_NOT_FOUND',
      `Cannot read the folder ${folder}: ${(err as Error).message}`,
      { folder },
    );
  }
  s.unreadable = walked.unreadable;
  s.total = walked.files.length;
  // A partial walk must not mark the rest missing.
  if (opts.signal?.aborted) s.aborted = true;
  const known = new Map<string, LibraryFile>(
    db.under(libraryPrefix(folder, home)).map((f) => [f.path, f]),
  );
  const seen = new Set<string>();
  /** Rows relinked (or about to be) in this import: not missing, not a relink target twice. */
  const claimed = new Set<number>();
  progress();

  s.phase = 'import';
  for (let i = 0; i < walked.files.length && !s.aborted; i += batchSize) {
    const batch = walked.files.slice(i, i + batchSize);
    const plans = await planBatch(batch, { db, home, known, seen, claimed, s, opts });
    if (opts.signal?.aborted) {
      // Stopping (runtime shutdown): the batch read so far is dropped, not half-written.
      s.aborted = true;
      break;
    }
    if (!dryRun) applyBatch(store, db, plans, s);
    else for (const p of plans) count(s, p.kind);
    s.done += batch.length;
    progress();
    await (opts.between?.() ?? yieldNow());
  }

  if (!s.aborted) {
    s.phase = 'missing';
    let sliceStart = Date.now();
    const gone: number[] = [];
    for (const f of known.values()) {
      if (seen.has(f.path) || claimed.has(f.id) || f.missing) continue;
      if (!fs.existsSync(absolutePath(f.path, home))) gone.push(f.id);
      if (Date.now() - sliceStart > SLICE_MS) {
        await yieldNow();
        sliceStart = Date.now();
      }
    }
    for (let i = 0; i < gone.length; i += batchSize) {
      const ids = gone.slice(i, i + batchSize);
      if (dryRun) s.missing += ids.length;
      else
        db.transaction(() => {
          for (const id of ids) if (!claimed.has(id) && db.setMissing(id, true)) s.missing++;
        });
    }
  }
  s.phase = 'done';
  s.ms = Date.now() - t0;
  progress();
  return s;
}

interface BatchCtx {
  db: ImportStore;
  home: string;
  known: Map<string, LibraryFile>;
  seen: Set<string>;
  claimed: Set<number>;
  s: ImportSummary;
  opts: ImportOptions;
}

/** Decides what to do with each file of a batch (reads and hashes new files; writes nothing). */
async function planBatch(batch: string[], c: BatchCtx): Promise<Plan[]> {
  const plans: Plan[] = [];
  const fresh: string[] = [];
  for (const abs of batch) {
    const key = libraryPath(abs, c.home);
    c.seen.add(key);
    const row = c.known.get(key) ?? c.db.byPath(key);
    if (!row) fresh.push(abs);
    else if (row.missing) plans.push({ kind: 'restore', id: row.id });
    else c.s.skipped++;
  }
  // Read with a little concurrency (I/O overlaps hashing and parsing), in order of the walk.
  const results = new Array<Awaited<ReturnType<typeof readWithStat>>>(fresh.length);
  const width = Math.max(1, c.opts.concurrency ?? 8);
  let next = 0;
  let sliceStart = Date.now();
  await Promise.all(
    Array.from({ length: Math.min(width, fresh.length) }, async () => {
      while (next < fresh.length) {
        const k = next++;
        results[k] = await readWithStat(fresh[k]!, c.opts.modifiedBefore);
        if (Date.now() - sliceStart > SLICE_MS) {
          await yieldNow();
          sliceStart = Date.now();
        }
      }
    }),
  );
  for (let k = 0; k < fresh.length; k++) {
    const abs = fresh[k]!;
    const r = results[k]!;
    if (r === 'too-new') {
      c.s.tooNew++;
      c.s.skipped++;
      continue;
    }
    if (isFailure(r.rec)) {
      c.s.failed++;
      c.s.failures.push({ path: abs, ...r.rec });
      continue;
    }
    const key = libraryPath(abs, c.home);
    const moved = c.db
      .bySha(r.rec.sha256)
      .find(
        (f) =>
          !c.claimed.has(f.id) &&
          !c.seen.has(f.path) &&
          (f.missing || !fs.existsSync(absolutePath(f.path, c.home))),
      );
    if (moved) {
      c.claimed.add(moved.id);
      plans.push({ kind: 'relink', key, id: moved.id, bytes: r.rec.bytes });
    } else plans.push({ kind: 'insert', key, abs, rec: r.rec, mtimeMs: r.mtimeMs });
  }
  return plans;
}

async function readWithStat(abs: string, modifiedBefore: number | undefined) {
  let mtimeMs = Date.now();
  try {
    mtimeMs = Math.round(fs.statSync(abs).mtimeMs);
  } catch {
    // Gone between the walk and now: readImageFile reports it as READ_FAILED.
  }
  if (modifiedBefore !== undefined && mtimeMs >= modifiedBefore) return 'too-new' as const;
  return { rec: await readImageFile(abs), mtimeMs };
}

function count(s: ImportSummary, kind: Plan['kind']): void {
  if (kind === 'insert') s.imported++;
  else s.relinked++;
}

/** Writes a batch's plans in one transaction. A path that got a row meanwhile (the save node, a
 *  second importer) is skipped rather than duplicated. */
function applyBatch(store: Store, db: ImportStore, plans: Plan[], s: ImportSummary): void {
  db.transaction(() => {
    for (const p of plans) {
      if (p.kind === 'restore') {
        db.setMissing(p.id, false);
      } else if (p.kind === 'relink') {
        db.relink(p.id, p.key, p.bytes);
      } else {
        if (db.byPath(p.key)) {
          s.skipped++;
          continue;
        }
        insertImage(store, p.key, p.rec, p.mtimeMs);
      }
      count(s, p.kind);
    }
    writePoint('import.batch');
  });
}

/** One generation row (+ its final file and the metadata's tags) for an imported image. */
function insertImage(store: Store, key: string, rec: ImageRecord, mtimeMs: number): void {
  store.generations.insert(
    {
      uuid: randomUUID(),
      artifactId: null,
      filePath: key,
      sha256: rec.sha256,
      // The file's time is the best "when was it made" we have for other tools' images.
      createdAt: mtimeMs,
      prompt: rec.prompt,
      negativePrompt: rec.negativePrompt,
      seed: rec.seed,
      width: rec.width,
      height: rec.height,
      steps: rec.steps,
      cfgScale: rec.cfgScale,
      sampler: rec.sampler,
      scheduler: rec.scheduler,
      modelId: null,
      modelName: rec.model,
      params: {
        ...rec.params,
        import: {
          format: rec.format,
          bytes: rec.bytes,
          mtimeMs,
          ...(rec.warnings.length ? { warnings: rec.warnings } : {}),
        },
      },
      workflow: rec.workflow,
      source: rec.source,
      runId: null,
      nodeId: null,
      files: [{ role: 'final', path: key, bytes: rec.bytes }],
    },
    (id) => {
      if (rec.tags.length)
        attachTags(
          store.db,
          id,
          rec.tags.map((name) => ({ name })),
          'import',
        );
    },
  );
}
