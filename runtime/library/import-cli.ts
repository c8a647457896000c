/**
 * `mysti import <dir> [--dry-run] [--json]`: imports a folder into the library of the data
 * directory (MYSTI_HOME) and reports on the terminal. Progress goes to stderr (one updating line
 * on a TTY, one line per batch otherwise); failures and the summary line go to stdout. It opens the
 * database directly (no server, no workers), so it can run while the studio is serving: SQLite's
 * WAL and busy timeout serialise the two writers.
 */
import type { Config } from '../config';
import { Store } from '../store';
import { MystiError } from '../errors';
import { importFolder, type ImportProgress, type ImportSummary } from './import';

export interface ImportCommandOptions {
  dryRun?: boolean;
  json?: boolean;
  batchSize?: number;
}

export interface CommandIo {
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
}

/** `n/total  imported a · skipped b · relinked c · missing d · failed e` */
export function progressLine(p: ImportProgress): string {
  return `${p.done}/${p.total}  imported ${p.imported} · skipped ${p.skipped} · relinked ${p.relinked} · missing ${p.missing} · failed ${p.failed}`;
}

/** The last line: what happened (or, with --dry-run, what would happen). */
export function summaryLine(s: ImportSummary): string {
  const verb = s.dryRun ? 'dry run, nothing written: would import' : 'imported';
  return (
    `${verb} ${s.imported}, skipped ${s.skipped}, relinked ${s.relinked}, missing ${s.missing}, failed ${s.failed}` +
    ` — ${s.total} files in ${(s.ms / 1000).toFixed(1)} s${s.aborted ? ' (interrupted)' : ''}`
  );
}

/**
 * Runs the command against `config`'s data directory.
 * @returns the exit code: 0 when the folder was imported (even with failed files), 2 when the
 *   folder cannot be read or the database cannot be opened, 130 when interrupted (Ctrl-C) — the
 *   batches committed before stay
 */
export async function runImportCommand(
  dir: string,
  o: ImportCommandOptions,
  config: Config,
  io: CommandIo,
  signal?: AbortSignal,
): Promise<number> {
  let store: Store;
  try {
    store = Store.open(config.dbFile);
  } catch (err) {
    io.err.write(
      `mysti import: cannot open the library ${config.dbFile}: ${(err as Error).message}\n`,
    );
    return 2;
  }
  const tty = Boolean(io.err.isTTY) && !o.json;
  let lastLen = 0;
  const show = (p: ImportProgress) => {
    if (o.json) return;
    if (p.phase === 'scan') {
      io.err.write(
        `${o.dryRun ? '[dry run] ' : ''}importing ${p.folder}: ${p.total} image files\n`,
      );
      return;
    }
    if (p.phase === 'missing') return;
    const line = progressLine(p);
    if (tty) {
      io.err.write(`\r${line.padEnd(lastLen)}`);
      lastLen = line.length;
    } else if (p.phase === 'import') io.err.write(`${line}\n`);
  };
  try {
    const s = await importFolder(store, config.home, {
      folder: dir,
      ...(o.dryRun ? { dryRun: true } : {}),
      ...(o.batchSize ? { batchSize: o.batchSize } : {}),
      onProgress: show,
      ...(signal ? { signal } : {}),
    });
    if (tty) io.err.write('\n');
    if (o.json) {
      io.out.write(`${JSON.stringify(s, null, 2)}\n`);
    } else {
      for (const d of s.unreadable) io.out.write(`unreadable folder: ${d}\n`);
      for (const f of s.failures) io.out.write(`failed: ${f.path}: ${f.code}: ${f.reason}\n`);
      io.out.write(`${summaryLine(s)}\n`);
    }
    return s.aborted ? 130 : 0;
  } catch (err) {
    if (tty) io.err.write('\n');
    io.err.write(
      `mysti import: ${err instanceof MystiError ? `${err.code}: ` : ''}${(err as Error).message}\n`,
    );
    return 2;
  } finally {
    store.close();
  }
}
