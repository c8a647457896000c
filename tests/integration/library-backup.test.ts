/**
 * Issue 18 finding 4 and §4, end to end with the real CLI: `mysti backup` copies a library while
 * its studio serves; `mysti restore` refuses while the studio holds the folder; a 0-byte or
 * damaged database makes `mysti serve` exit with one clear line (no stack, nothing swept); and
 * `mysti restore` brings back runs, graphs, generations and their files byte for byte, keeping the
 * broken library aside.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../runtime/fs/atomic';
import { mysti } from '../helpers/cli';
import { txt2imgChain } from '../helpers/graph-builder';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { makeTempHome, type TempHome } from '../helpers/temp-home';

function filesUnder(root: string, dir: string): Map<string, string> {
  const abs = path.join(root, dir);
  const out = new Map<string, string>();
  if (!fs.existsSync(abs)) return out;
  for (const f of fs.readdirSync(abs, { recursive: true }) as string[]) {
    const p = path.join(abs, f);
    if (fs.statSync(p).isFile()) out.set(path.join(dir, f), sha256File(p));
  }
  return out;
}

describe('mysti backup / restore and a broken database', () => {
  let home: TempHome;
  let s: TestStudio | undefined;
  let backupDir: string;
  let runId: string;
  let before: Map<string, string>;

  beforeAll(async () => {
    home = makeTempHome();
    backupDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-bk-')), 'lib');
    s = await startTestStudio({ home });
    const run = await s.run(txt2imgChain({ text: 'a lighthouse at dusk', steps: 2 }).finalize());
    expect(run.status).toBe('completed');
    runId = run.id;
    expect(
      (
        await s.http.post('/api/graphs', {
          name: 'kept',
          graph: txt2imgChain({ steps: 2 }).finalize(),
        })
      ).status,
    ).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await s?.close();
    home?.cleanup();
    fs.rmSync(path.dirname(backupDir), { recursive: true, force: true });
  });

  it('backs up while the studio serves, and restore refuses while it holds the data folder', async () => {
    const b = await mysti(home, ['backup', backupDir]);
    expect(b.stderr).not.toMatch(/\n\s+at /);
    expect(b.code).toBe(0);
    expect(b.stdout).toContain('backed up');
    expect(JSON.parse(fs.readFileSync(path.join(backupDir, 'backup.json'), 'utf8'))).toMatchObject({
      format: 1,
      files: expect.any(Number),
    });
    const r = await mysti(home, ['restore', backupDir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('HOME_IN_USE');
    await s!.close();
    s = undefined;
    before = new Map([...filesUnder(home.home, 'outputs'), ...filesUnder(home.home, 'artifacts')]);
    expect(before.size).toBeGreaterThan(1);
  });

  it('a 0-byte database: mysti serve exits 1 with one line naming the file and mysti restore; nothing is swept', async () => {
    const db = path.join(home.home, 'mysticanvas.db');
    for (const f of [db, `${db}-wal`, `${db}-shm`]) if (fs.existsSync(f)) fs.truncateSync(f, 0);
    const r = await mysti(home, ['serve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DB_MISSING');
    expect(r.stderr).toContain(db);
    expect(r.stderr).toContain('mysti restore');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.statSync(db).size).toBe(0);
    const now = new Map([
      ...filesUnder(home.home, 'outputs'),
      ...filesUnder(home.home, 'artifacts'),
    ]);
    expect(now).toEqual(before);
  });

  it('a damaged header: mysti serve exits 1 with DB_DAMAGED, no stack', async () => {
    const db = path.join(home.home, 'mysticanvas.db');
    fs.writeFileSync(db, Buffer.alloc(8192, 0x41));
    const r = await mysti(home, ['serve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DB_DAMAGED');
    expect(r.stderr).toContain(db);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('mysti restore brings everything back and keeps the broken library aside', async () => {
    const r = await mysti(home, ['restore', backupDir]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.code).toBe(0);
    const aside = /moved to (\S+)/.exec(r.stdout)?.[1];
    expect(aside && fs.existsSync(path.join(aside, 'mysticanvas.db'))).toBe(true);
    const after = new Map([
      ...filesUnder(home.home, 'outputs'),
      ...filesUnder(home.home, 'artifacts'),
    ]);
    expect(after).toEqual(before);

    s = await startTestStudio({ home });
    expect(s.studio.store.integrityCheck()).toBe('ok');
    expect((await s.http.get(`/api/runs/${runId}`)).json.status).toBe('completed');
    expect((await s.http.get('/api/graphs')).json.items.map((g: any) => g.name)).toContain('kept');
    const gens = s.studio.store.generations.byRun(runId);
    expect(gens.length).toBe(1);
    expect(sha256File(path.join(home.home, gens[0]!.filePath))).toBe(gens[0]!.sha256);
    expect(
      (await s.run(txt2imgChain({ text: 'after the restore', steps: 2 }).finalize())).status,
    ).toBe('completed');
  });
});
