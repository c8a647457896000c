/**
 * Issue 18 #3: a save node's `filenamePrefix` must never make a saved image look like a partial
 * write the start-up sweep deletes. The sweep matches only the atomic writer's own temp names
 * (`.tmp-<12 hex>-<name>`), and the save node refuses prefixes that start with a dot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb } from '../../../runtime/store/db';
import { Store } from '../../../runtime/store';
import { loadConfig } from '../../../runtime/config';
import { sweepOrphans } from '../../../runtime/library/sweep';
import { TMP_PREFIX, isAtomicTempName } from '../../../runtime/fs/atomic';
import { outputName } from '../../../nodes/image/save.run';
import { save } from '../../../nodes/image/save';

let home: string;
let store: Store;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-sweep-'));
  store = new Store(openDb(path.join(home, 'mysticanvas.db')));
});
afterEach(() => {
  store.db.close();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('start-up sweep vs save file names (issue 18 #3)', () => {
  it('keeps an output whose prefix looks like a temp name, removes a real partial write', () => {
    const config = loadConfig({ MYSTI_HOME: home });
    const day = path.join(config.paths.outputs, '2026-12-03');
    fs.mkdirSync(day, { recursive: true });
    const saved = path.join(day, outputName('.tmp-', 'abcdef1234567890', 'save', new Date()));
    fs.writeFileSync(saved, 'png');
    const partial = path.join(day, `${TMP_PREFIX}0123456789ab-mysti_x.png`);
    fs.writeFileSync(partial, 'half');
    sweepOrphans(store, config, [], TMP_PREFIX);
    expect(fs.existsSync(saved)).toBe(true);
    expect(fs.existsSync(partial)).toBe(false);
  });

  it('the atomic writer names its temp files the way the sweep matches them', () => {
    expect(isAtomicTempName(`${TMP_PREFIX}0123456789ab-a.png`)).toBe(true);
    expect(isAtomicTempName('.tmp-_20261203-120000000_abcdef12_save.png')).toBe(false);
  });

  it('the save node refuses a prefix that starts with a dot', () => {
    expect(save.params.safeParse({ filenamePrefix: '.tmp-' }).success).toBe(false);
    expect(save.params.safeParse({ filenamePrefix: '.hidden' }).success).toBe(false);
    expect(save.params.safeParse({ filenamePrefix: 'my.tmp-x' }).success).toBe(true);
  });
});
