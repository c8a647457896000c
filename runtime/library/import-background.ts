/**
 * The start-up import (the seeds' "auto-archiving": on start, files in outputs/ missing from the
 * database are imported): the data directory's outputs/ and every configured watch folder, one
 * after the other, at low priority. Our own outputs are normally in the library already (the save
 * node writes the row), so this mostly finds files written by hand or restored from a backup.
 *
 * Low priority means: the event loop is yielded every few ms, and between batches the import
 * sleeps `busyDelayMs` while a run is executing, so it never delays a run's orchestration; files
 * modified after the import started are left to the save node that is writing them.
 *
 * Events: `import.progress` `{folder, phase, done, total, imported, skipped, relinked, missing,
 * failed}` after the scan of each folder, after every batch and when the folder is done (then
 * also `failures` (first 20) and `ms`); `{folder, phase: 'error', error: {code, message}}` when
 * a folder cannot be read.
 */
import path from 'node:path';
import type { Store } from '../store';
import type { Logger } from '../log';
import type { EventBus } from '../engine/events';
import { MystiError, type WireError } from '../errors';
import { importFolder, type ImportSummary } from './import';

export interface BackgroundImportOptions {
  store: Store;
  bus: EventBus;
  logger: Logger;
  /** The data directory (stored paths are relative to it). */
  home: string;
  /** Folders to import, absolute; duplicates are imported once. */
  folders: string[];
  /** True while a run is executing (the import backs off). */
  isBusy?: () => boolean;
  /** Pause between batches while busy, ms (default 250). */
  busyDelayMs?: number;
  batchSize?: number;
}

export interface BackgroundImport {
  /** Settles when every folder is done (or the import was stopped): one summary per folder read. */
  readonly done: Promise<ImportSummary[]>;
  /** Stops after the batch in flight (whose transaction commits or never started) and waits. */
  stop(): Promise<void>;
}

/** Starts importing `folders` in the background; never throws (problems are logged and emitted). */
export function startBackgroundImport(o: BackgroundImportOptions): BackgroundImport {
  const ac = new AbortController();
  const startedAt = Date.now();
  const busyDelay = o.busyDelayMs ?? 250;
  let timer: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((r) => {
      wake = r;
      timer = setTimeout(r, ms);
    });
  const between = async () => {
    await new Promise<void>((r) => setImmediate(r));
    if (!ac.signal.aborted && o.isBusy?.()) await sleep(busyDelay);
  };

  const done = (async () => {
    const out: ImportSummary[] = [];
    const folders = [...new Set(o.folders.map((f) => path.resolve(f)))];
    for (const folder of folders) {
      if (ac.signal.aborted) break;
      try {
        const s = await importFolder(o.store, o.home, {
          folder,
          signal: ac.signal,
          modifiedBefore: startedAt,
          between,
          ...(o.batchSize ? { batchSize: o.batchSize } : {}),
          onProgress: (p) => {
            if (p.phase !== 'done' && p.phase !== 'missing')
              o.bus.emit('import.progress', { ...p });
          },
        });
        out.push(s);
        o.bus.emit('import.progress', {
          folder,
          phase: 'done',
          done: s.done,
          total: s.total,
          imported: s.imported,
          skipped: s.skipped,
          relinked: s.relinked,
          missing: s.missing,
          failed: s.failed,
          aborted: s.aborted,
          ms: s.ms,
          failures: s.failures.slice(0, 20),
        });
        if (s.imported || s.relinked || s.missing || s.failed) {
          o.logger.info(
            {
              folder,
              imported: s.imported,
              relinked: s.relinked,
              missing: s.missing,
              failed: s.failed,
              ms: s.ms,
            },
            'library import',
          );
        }
      } catch (err) {
        const e: WireError =
          err instanceof MystiError
            ? { code: err.code, message: err.message }
            : { code: 'INTERNAL', message: String(err) };
        // A watch folder on an unplugged drive is not an error of the studio.
        o.logger.warn({ folder, err: e }, 'library import skipped a folder');
        o.bus.emit('import.progress', { folder, phase: 'error', error: e });
      }
    }
    return out;
  })();

  return {
    done,
    async stop() {
      ac.abort();
      if (timer) clearTimeout(timer);
      (wake as (() => void) | null)?.();
      await done.catch(() => {});
    },
  };
}
