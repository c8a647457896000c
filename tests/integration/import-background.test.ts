/**
 * The start-up import: a real studio (real SQLite, no workers needed) imports files dropped in
 * outputs/ and in configured watch folders before it started, reports `import.progress`, leaves
 * files newer than its start to the save node, and stops cleanly when asked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { startStudio } from '../../runtime/main';
import { loadConfig } from '../../runtime/config';
import { createLogger } from '../../runtime/log';
import { Store } from '../../runtime/store';
import { EventBus } from '../../runtime/engine/events';
import { ImportStore } from '../../runtime/store/imports';
import {
  startBackgroundImport,
  type BackgroundImport,
} from '../../runtime/library/import-background';
import { insertTextChunks } from '../../runtime/png/write';
import { FIXTURES_DIR } from '../helpers/temp-home';

const FIX = path.join(FIXTURES_DIR, 'png');
const logger = createLogger('silent');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-bg-import-'));
  dirs.push(d);
  return d;
}

/** Copies a fixture to `dest` (writable) and dates it an hour back: it was there before the start. */
function place(fixture: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, fs.readFileSync(path.join(FIX, fixture)));
  const past = new Date(Date.now() - 3_600_000);
  fs.utimesSync(dest, past, past);
}

async function smallPngs(dir: string, n: number): Promise<void> {
  fs.mkdirSync(dir, { recursive: true });
  const base = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#246' } })
    .png()
    .toBuffer();
  const past = new Date(Date.now() - 3_600_000);
  for (let i = 0; i < n; i++) {
    const f = path.join(dir, `${String(i).padStart(4, '0')}.png`);
    fs.writeFileSync(
      f,
      insertTextChunks(base, [
        { keyword: 'parameters', text: `bg ${i}\nSteps: 2, Seed: ${i}, Size: 4x4`, chunk: 'tEXt' },
      ]),
    );
    fs.utimesSync(f, past, past);
  }
}

describe('background import at start-up', () => {
  it('imports outputs/ and watch folders, emits import.progress, reports an unreadable watch folder', async () => {
    const home = tempDir();
    const watch = path.join(tempDir(), 'comfy-output');
    const gone = path.join(home, 'unplugged-drive');
    fs.mkdirSync(home, { recursive: true });
    fs.writeFileSync(
      path.join(home, 'config.json'),
      JSON.stringify({ watchFolders: [watch, gone] }),
    );
    place(
      'a1111_tiny_text.png',
      path.join(home, 'outputs', '2025-01-01', 'restored-from-backup.png'),
    );
    place('comfyui_lora.png', path.join(watch, 'ComfyUI_00001_.png'));
    place('sdcpp_flux_basic.png', path.join(watch, 'sub', 'flux.png'));

    const config = loadConfig({ MYSTI_HOME: home, MYSTI_MODELS: path.join(home, 'models') });
    const studio = await startStudio({ config, logger, listen: false });
    try {
      const bg = studio.services.libraryImport as BackgroundImport;
      const summaries = await bg.done;
      expect(summaries.map((s) => [s.folder, s.imported, s.failed])).toEqual([
        [config.paths.outputs, 1, 0],
        [watch, 2, 0],
      ]);

      const lib = new ImportStore(studio.store.db);
      const own = lib.byPath(path.join('outputs', '2025-01-01', 'restored-from-backup.png'));
      expect(own && lib.record(own.id)).toMatchObject({
        source: 'a1111',
        prompt: 'photo of a duck',
        seed: '235284042',
        missing: false,
      });
      const comfy = lib.byPath(path.join(watch, 'ComfyUI_00001_.png'));
      expect(comfy && lib.record(comfy.id)).toMatchObject({
        source: 'comfyui',
        steps: 20,
        cfgScale: 8,
      });
      expect(lib.byPath(path.join(watch, 'sub', 'flux.png'))).toBeDefined();

      const events = studio.bus.since(0).filter((e) => e.type === 'import.progress');
      const forOutputs = events.filter((e) => e.folder === config.paths.outputs);
      expect(forOutputs[0]).toMatchObject({ phase: 'scan', done: 0, total: 1 });
      expect(forOutputs.at(-1)).toMatchObject({
        phase: 'done',
        done: 1,
        total: 1,
        imported: 1,
        relinked: 0,
        missing: 0,
        failed: 0,
      });
      const forWatch = events.filter((e) => e.folder === watch);
      expect(forWatch.map((e) => e.phase)).toEqual(['scan', 'import', 'done']);
      expect(forWatch.at(-1)).toMatchObject({ done: 2, total: 2, imported: 2 });
      expect(events.find((e) => e.folder === gone)).toMatchObject({
        phase: 'error',
        error: { code: 'FOLDER_NOT_FOUND' },
      });
      // Persisted like other non-ephemeral events: a client reconnecting later still sees them.
      expect(studio.store.events.since(0).some((r) => r.type === 'import.progress')).toBe(true);
    } finally {
      await studio.close();
    }

    // Next start: nothing new; a file deleted meanwhile is marked missing (by this import, or by
    // the gallery's own rescan job if that got there first — either way the row stays, flagged).
    fs.rmSync(path.join(watch, 'sub', 'flux.png'));
    const again = await startStudio({ config, logger, listen: false });
    try {
      const [outs, w] = await (again.services.libraryImport as BackgroundImport).done;
      expect(outs).toMatchObject({ imported: 0, skipped: 1, relinked: 0 });
      expect(w).toMatchObject({ imported: 0, skipped: 1, relinked: 0 });
      const lib = new ImportStore(again.store.db);
      expect(lib.record(lib.byPath(path.join(watch, 'sub', 'flux.png'))!.id)).toMatchObject({
        missing: true,
        source: 'sdcpp',
      });
    } finally {
      await again.close();
    }
  });

  it('can be turned off', async () => {
    const home = tempDir();
    place('a1111_tiny_text.png', path.join(home, 'outputs', 'x.png'));
    const studio = await startStudio({
      config: loadConfig({ MYSTI_HOME: home, MYSTI_MODELS: path.join(home, 'models') }),
      logger,
      listen: false,
      backgroundImport: false,
    });
    try {
      expect(studio.services.libraryImport).toBeNull();
      expect(
        new ImportStore(studio.store.db).byPath(path.join('outputs', 'x.png')),
      ).toBeUndefined();
    } finally {
      await studio.close();
    }
  });
});

describe('startBackgroundImport', () => {
  it('leaves files modified after its start to the save node', async () => {
    const home = tempDir();
    const out = path.join(home, 'outputs');
    place('a1111_tiny_text.png', path.join(out, 'old.png'));
    place('sdcpp_flux_basic.png', path.join(out, 'being-written.png'));
    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(out, 'being-written.png'), future, future);
    const store = Store.open(path.join(home, 'db.sqlite'));
    try {
      const bg = startBackgroundImport({
        store,
        bus: new EventBus(store.events),
        logger,
        home,
        folders: [out],
      });
      const [s] = await bg.done;
      expect(s).toMatchObject({ imported: 1, tooNew: 1, skipped: 1 });
      expect(
        new ImportStore(store.db).byPath(path.join('outputs', 'being-written.png')),
      ).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('keeps going (slower) while runs execute, and stop() ends it after whole batches', async () => {
    const home = tempDir();
    const out = path.join(home, 'outputs');
    await smallPngs(out, 120);
    const store = Store.open(path.join(home, 'db.sqlite'));
    try {
      const bus = new EventBus(store.events);
      const busy = startBackgroundImport({
        store,
        bus,
        logger,
        home,
        folders: [out],
        batchSize: 40,
        isBusy: () => true,
        busyDelayMs: 20,
      });
      expect((await busy.done)[0]).toMatchObject({ imported: 120, aborted: false });

      const other = path.join(home, 'more');
      await smallPngs(other, 200);
      let stopping: Promise<void> | undefined;
      const off = bus.on((e) => {
        if (e.type === 'import.progress' && e.phase === 'import' && e.done === 40)
          stopping = bg.stop();
      });
      const bg = startBackgroundImport({
        store,
        bus,
        logger,
        home,
        folders: [other, out],
        batchSize: 40,
      });
      const summaries = await bg.done;
      off();
      await stopping;
      expect(summaries).toHaveLength(1); // the second folder was never started
      expect(summaries[0]).toMatchObject({ aborted: true, imported: 40 });
      expect(new ImportStore(store.db).under('more' + path.sep)).toHaveLength(40);
      expect(
        bus
          .since(0)
          .filter((e) => e.type === 'import.progress')
          .at(-1),
      ).toMatchObject({ folder: other, phase: 'done', aborted: true });
    } finally {
      store.close();
    }
  });
});
