/** `mysti import <dir>` as a real process: exit codes, terminal progress, summary, --dry-run, --json. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../runtime/store';
import { ImportStore } from '../../runtime/store/imports';
import { FIXTURES_DIR, REPO_ROOT } from '../helpers/temp-home';

const FIX = path.join(FIXTURES_DIR, 'png');
const FIXTURES = fs
  .readdirSync(FIX)
  .filter((f) => f.endsWith('.png'))
  .sort();

let tmp: string;
let home: string;
let pics: string;

function mysti(...args: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'runtime/cli.ts'), ...args],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, MYSTI_HOME: home, MYSTI_LOG_LEVEL: 'warn' },
    },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-cli-import-'));
  home = path.join(tmp, 'home');
  pics = path.join(tmp, 'pics');
  fs.mkdirSync(pics, { recursive: true });
  for (const f of FIXTURES) fs.copyFileSync(path.join(FIX, f), path.join(pics, f));
  fs.writeFileSync(
    path.join(pics, 'corrupt.png'),
    fs.readFileSync(path.join(FIX, 'a1111_itxt_utf8.png')).subarray(0, 9000),
  );
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('mysti import', () => {
  it('--dry-run reports and writes nothing', () => {
    const r = mysti('import', pics, '--dry-run');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`[dry run] importing ${pics}: ${FIXTURES.length + 1} image files`);
    expect(r.out).toMatch(
      new RegExp(
        `^dry run, nothing written: would import ${FIXTURES.length}, skipped 0, relinked 0, missing 0, failed 1 — ${FIXTURES.length + 1} files in [\\d.]+ s$`,
        'm',
      ),
    );
    const s = Store.open(path.join(home, 'mysticanvas.db'));
    expect(new ImportStore(s.db).under(pics + path.sep)).toHaveLength(0);
    s.close();
  });

  it('imports the folder: progress n/total on stderr, failures and the summary on stdout, exit 0', () => {
    const r = mysti('import', pics);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(
      `${FIXTURES.length + 1}/${FIXTURES.length + 1}  imported ${FIXTURES.length} · skipped 0 · relinked 0 · missing 0 · failed 1`,
    );
    expect(r.out).toContain(`failed: ${path.join(pics, 'corrupt.png')}: PNG_TRUNCATED: `);
    expect(r.out).toMatch(
      new RegExp(
        `^imported ${FIXTURES.length}, skipped 0, relinked 0, missing 0, failed 1 — `,
        'm',
      ),
    );
    const s = Store.open(path.join(home, 'mysticanvas.db'));
    const rows = new ImportStore(s.db).under(pics + path.sep);
    expect(rows).toHaveLength(FIXTURES.length);
    expect(new Set(rows.map((x) => new ImportStore(s.db).record(x.id)!.source))).toEqual(
      new Set(['a1111', 'comfyui', 'invokeai', 'sdcpp', 'swarmui', 'unknown']),
    );
    s.close();
  });

  it('a second run imports nothing; a moved and a deleted file show up as relinked and missing (--json)', () => {
    expect(mysti('import', pics).out).toMatch(
      new RegExp(`^imported 0, skipped ${FIXTURES.length}, relinked 0, missing 0, failed 1`, 'm'),
    );
    fs.mkdirSync(path.join(pics, 'sub'));
    fs.renameSync(path.join(pics, 'swarmui_params.png'), path.join(pics, 'sub', 'swarm.png'));
    fs.rmSync(path.join(pics, 'comfyui_lora.png'));
    const r = mysti('import', pics, '--json');
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(s).toMatchObject({
      folder: pics,
      total: FIXTURES.length,
      imported: 0,
      relinked: 1,
      missing: 1,
      failed: 1,
      skipped: FIXTURES.length - 2,
      dryRun: false,
    });
    expect(s.failures).toEqual([
      { path: path.join(pics, 'corrupt.png'), code: 'PNG_TRUNCATED', reason: expect.any(String) },
    ]);
  });

  it('a folder that does not exist exits 2 with a clear message', () => {
    const r = mysti('import', path.join(tmp, 'nope'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/mysti import: FOLDER_NOT_FOUND: Cannot read the folder .*nope/);
  });
});
