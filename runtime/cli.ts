#!/usr/bin/env -S node --import tsx
/**
 * The `mysti` command (design.md §8): `serve` starts the studio; `run <graph.json>` runs a graph
 * headless with `--set node.param=value` overrides, printing progress and output paths and
 * exiting non-zero with every validation problem on a bad graph.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { startStudio } from './main';
import { loadConfig } from './config';
import { createLogger } from './log';
import { MystiError } from './errors';
import { appOverrides, checkModelRefs, prepareGraph } from './server/graph-input';
import { catalog } from '../nodes/index';
import { runView } from './server/routes/runs';
import { APP_VERSION } from './version';
import { readLock } from './fs/home-lock';
import { runRemote } from './cli-remote';
import { printEvent } from './cli-print';
import { runImportCommand } from './library/import-cli';
import { parseJsonBounded } from './json-limits';
import { backupLibrary, restoreLibrary } from './library/library-backup';

const program = new Command('mysti')
  .description('MystiCanvas: a local, private AI creative studio')
  .version(APP_VERSION);

program
  .command('serve')
  .description('serve the studio (editor + HTTP API + WebSocket) on 127.0.0.1')
  .option('-p, --port <port>', 'port (default 1234 or MYSTI_PORT)')
  .option('--host <host>', 'address to bind (default 127.0.0.1)')
  .action(async (o: { port?: string; host?: string }) => {
    const config = loadConfig({
      ...process.env,
      ...(o.port ? { MYSTI_PORT: o.port } : {}),
      ...(o.host ? { MYSTI_HOST: o.host } : {}),
    });
    const studio = await startStudio({ config });
    // Boot the validation thread now, not on the first large submit (tests start studios without it).
    studio.services.validation?.warm();
    console.error(
      `MystiCanvas ${APP_VERSION} — open http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${studio.port}/  (data: ${config.home})`,
    );
    const shutdown = async () => {
      await studio.close();
      process.exit(0);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

/** Parses `--set g1.steps=30` (or `--input Seed=3`) values as JSON when they look like JSON, else as strings. */
export function parseSet(
  items: string[],
  flag = '--set',
  shape = 'node.param=value',
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} expects ${shape}, got "${item}"`);
    const raw = item.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain text (prompts, model names)
    }
    out[item.slice(0, eq)] = value;
  }
  return out;
}

program
  .command('run <graph>')
  .description('run a graph JSON file headless and print its outputs')
  .option('-s, --set <node.param=value...>', 'override a param (repeatable)', [])
  .option(
    '-i, --input <Field=value...>',
    'set an App field by the name the form shows, e.g. --input "Prompt=a red fox" (repeatable)',
    [],
  )
  .option('--json', 'print the final run as JSON')
  .action(async (file: string, o: { set: string[]; input: string[]; json?: boolean }) => {
    const config = loadConfig();
    const log = createLogger(process.env.MYSTI_LOG_LEVEL ?? 'warn');
    let graph;
    try {
      const input = parseJsonBounded(fs.readFileSync(path.resolve(file), 'utf8'), file);
      // App field names (issue 20) resolve like POST /api/runs `inputs`; --set wins over them.
      const fromApp = o.input.length
        ? appOverrides(input, catalog, parseSet(o.input, '--input', 'Field=value'))
        : {};
      graph = prepareGraph(input, catalog, { ...fromApp, ...parseSet(o.set) });
    } catch (err) {
      printError(err, file);
      process.exit(2);
    }
    // A studio already serving this data directory runs it; never open its database behind its back.
    const owner = readLock(config.home);
    if (owner?.port) {
      const host = owner.host && owner.host !== '0.0.0.0' ? owner.host : '127.0.0.1';
      process.exit(
        await runRemote(
          `http://${host.includes(':') ? `[${host}]` : host}:${owner.port}`,
          graph,
          config.home,
          Boolean(o.json),
        ),
      );
    }
    const studio = await startStudio({
      config,
      logger: log,
      listen: false,
      backgroundImport: false,
    });
    try {
      checkModelRefs(graph, catalog, studio.models.resolve);
    } catch (err) {
      printError(err, file);
      await studio.close();
      process.exit(2);
    }
    const run = studio.queue.submit(graph);
    console.error(`run ${run.id} queued (${graph.nodes.length} nodes)`);
    const off = studio.bus.on((e) => {
      if (e.runId === run.id) printEvent(e);
    });
    await studio.queue.idle();
    off();
    const view = runView(studio, run.id);
    if (o.json) console.log(JSON.stringify(view, null, 2));
    else {
      for (const out of view.outputs) {
        if (out.kind === 'image' && out.path)
          console.log(`${out.nodeId}.${out.port}: ${path.resolve(config.home, out.path)}`);
        else if (out.kind === 'text')
          console.log(`${out.nodeId}.${out.port}: ${JSON.stringify(out.text)}`);
      }
      const saved = studio.store.generations.byRun(run.id);
      for (const g of saved) console.log(`saved: ${path.resolve(config.home, g.filePath)}`);
      console.error(
        `run ${run.id}: ${view.status}${view.error ? ` — ${view.error.code}: ${view.error.message}` : ''}`,
      );
    }
    const status = view.status;
    await studio.close();
    process.exit(status === 'completed' ? 0 : 1);
  });

program
  .command('import <dir>')
  .description(
    'import a folder of existing images (ours, ComfyUI, A1111/Forge, sd.cpp, InvokeAI, SwarmUI) into the library, in place',
  )
  .option('--dry-run', 'report what would be imported, relinked or marked missing; write nothing')
  .option('--json', 'print the summary as JSON')
  .action(async (dir: string, o: { dryRun?: boolean; json?: boolean }) => {
    const ac = new AbortController();
    // Ctrl-C stops after the batch in flight; committed batches stay.
    process.once('SIGINT', () => ac.abort());
    let config;
    try {
      config = loadConfig();
    } catch (err) {
      printError(err, 'config');
      process.exit(2);
    }
    process.exit(
      await runImportCommand(
        path.resolve(dir),
        o,
        config,
        { out: process.stdout, err: process.stderr },
        ac.signal,
      ),
    );
  });

program
  .command('backup <dir>')
  .description(
    'back up the whole library (database, outputs, artifacts, thumbnails, config.json) into a new folder; works while the studio runs',
  )
  .action(async (dir: string) => {
    const config = loadConfig();
    const m = await backupLibrary(config, path.resolve(dir));
    console.log(
      `backed up ${config.home} → ${path.resolve(dir)}: database (schema ${m.schemaVersion}) + ${m.files} files, ${(m.bytes / 1048576).toFixed(1)} MiB`,
    );
  });

program
  .command('restore <dir>')
  .description(
    'restore a library made by `mysti backup` into the data folder (the studio must be stopped; the current library is moved aside, not deleted)',
  )
  .action((dir: string) => {
    const config = loadConfig();
    const r = restoreLibrary(config, path.resolve(dir));
    console.log(
      `restored ${path.resolve(dir)} → ${config.home} (${r.manifest.files} files)${r.replacedTo ? `; the previous library was moved to ${r.replacedTo}` : ''}`,
    );
  });

function printError(err: unknown, file: string): void {
  if (err instanceof MystiError) {
    console.error(`${file}: ${err.code}: ${err.message}`);
    const issues = (err.details?.issues ?? []) as { code: string; message: string }[];
    for (const i of issues) console.error(`  - [${i.code}] ${i.message}`);
  } else console.error(`${file}: ${(err as Error).message}`);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Expected failures (data folder in use, port taken, bad config) get one clear line, not a stack.
  const e = err as NodeJS.ErrnoException;
  if (err instanceof MystiError) console.error(`mysti: ${err.code}: ${err.message}`);
  else if (/^SQLITE_(CORRUPT|NOTADB)/.test(String(e.code)))
    console.error(
      `mysti: DB_DAMAGED: the database is damaged (${e.code}: ${e.message}). Restore a backup with \`mysti restore <dir>\` (scheduled backups are in the data folder's backups/).`,
    );
  else if (e.code === 'EADDRINUSE')
    console.error(`mysti: port in use: ${e.message}. Set MYSTI_PORT or --port.`);
  else throw err;
  process.exit(1);
}
