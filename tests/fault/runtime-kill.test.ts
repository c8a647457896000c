/**
 * kill -9 of the runtime mid-run (anchors-reliability.md §7.2 F5/F6, invariants I1–I3): `mysti
 * serve` runs as a child process; a slow run is on its sd node and a second run waits in the
 * queue when the runtime is SIGKILLed. After a restart on the same MYSTI_HOME: the first run is
 * `interrupted` with the node it was on, the queued run runs to completion, the database passes
 * `PRAGMA integrity_check` / `foreign_key_check`, and there is no artifact row without its file
 * nor a file without its row (artifacts/, outputs/, tmp/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../runtime/fs/atomic';
import { client } from '../helpers/http';
import { processesMatching, sdStandins, waitFor, killMatching } from '../helpers/procs';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';
import { makeTempHome, REPO_ROOT, type TempHome } from '../helpers/temp-home';

/** Starts `mysti serve` on port 0; resolves with the child and the port it printed. */
function serve(home: TempHome): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'runtime/cli.ts'), 'serve'],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, ...home.env, SDCPP_STANDIN_STEP_MS: '100' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /open http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`mysti serve exited (${code}): ${err}`)));
  });
}

/** Every file under `dir` (relative to `home`), recursively. */
function filesUnder(home: string, dir: string): string[] {
  const abs = path.join(home, dir);
  if (!fs.existsSync(abs)) return [];
  return (fs.readdirSync(abs, { recursive: true }) as string[])
    .map((f) => path.join(abs, f))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => path.relative(home, f));
}

describe('runtime killed with SIGKILL mid-run', () => {
  let home: TempHome;
  let s: TestStudio | undefined;
  let runningId: string;
  let queuedId: string;
  let completedBefore: { id: string; files: string[] };

  beforeAll(async () => {
    home = makeTempHome();
    const { child, port } = await serve(home);
    const http = client(port);
    try {
      // A finished run first: its outputs must all survive the crash.
      const quick = await http.post('/api/runs', {
        graph: txt2imgChain({ text: 'finished before the crash', steps: 2 }).finalize(),
      });
      await waitFor(
        async () => (await http.get(`/api/runs/${quick.json.runId}`)).json.status === 'completed',
        20_000,
        'the first run',
      );
      const view = (await http.get(`/api/runs/${quick.json.runId}`)).json;
      completedBefore = {
        id: quick.json.runId,
        files: view.outputs.filter((o: any) => o.path).map((o: any) => o.path),
      };

      runningId = (
        await http.post('/api/runs', {
          graph: txt2imgChain({ text: 'killed mid-run', steps: 80 }).finalize(),
        })
      ).json.runId;
      queuedId = (
        await http.post('/api/runs', {
          graph: txt2imgChain({ text: 'queued at the crash', steps: 2 }).finalize(),
        })
      ).json.runId;
      await waitFor(
        async () => (await http.get(`/api/runs/${runningId}`)).json.nodes.gen?.status === 'running',
        15_000,
        'the sd node to run',
      );
      await waitFor(() => sdStandins(home.home).length > 0, 10_000, 'sd.cpp to sample');
      await new Promise((r) => setTimeout(r, 300));
      expect((await http.get(`/api/runs/${queuedId}`)).json.status).toBe('queued');
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
    // What a crash between "file renamed into place" and "row committed" leaves behind (F6),
    // and a partial write: the start-up sweep must remove both.
    fs.mkdirSync(path.join(home.home, 'artifacts', 'ab'), { recursive: true });
    fs.writeFileSync(path.join(home.home, 'artifacts', 'ab', `ab${'0'.repeat(62)}.png`), 'orphan');
    fs.mkdirSync(path.join(home.home, 'outputs', '2020-01-01'), { recursive: true });
    fs.writeFileSync(
      path.join(home.home, 'outputs', '2020-01-01', '.tmp-0123456789ab-mysti_partial.png'),
      'partial',
    );
    fs.writeFileSync(path.join(home.home, 'tmp', 'leftover.png'), 'scratch');
  }, 90_000);

  afterAll(async () => {
    await s?.close();
    killMatching(home.home);
    home?.cleanup();
  });

  it('leaves no worker or engine process behind', async () => {
    await waitFor(
      () => processesMatching(home.home).length === 0,
      5_000,
      'orphaned workers/engines to exit',
    );
  });

  it('after a restart the killed run is interrupted on its sd node and the queued run completes', async () => {
    s = await startTestStudio({ home });
    const interrupted = (await s.http.get(`/api/runs/${runningId}`)).json;
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.currentNode).toBe('gen');
    expect(interrupted.error).toMatchObject({ code: 'INTERRUPTED', details: { nodeId: 'gen' } });
    expect(interrupted.nodes.gen.status).toBe('interrupted');
    expect(interrupted.nodes.prompt.status).toBe('completed');
    expect(interrupted.nodes.save.status).toBe('interrupted');
    const ev = (await s.http.get(`/api/runs/${runningId}/events`)).json.events;
    expect(ev.at(-1)).toMatchObject({ type: 'run.interrupted', nodeId: 'gen' });

    const queued = await s.waitRun(queuedId, 30_000);
    expect(queued.status).toBe('completed');
    expect(queued.didRun('gen')).toBe(true);
    expect(
      await s.http
        .get('/api/runs')
        .then((r) => r.json.items.filter((i: any) => i.status === 'running')),
    ).toEqual([]);
  });

  it('the database is intact and every artifact row has its file and every file its row', async () => {
    const db = s!.studio.store.db;
    expect(s!.studio.store.integrityCheck()).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);

    const rows = db
      .prepare('SELECT id, path, bytes, sha256 FROM artifacts WHERE path IS NOT NULL')
      .all() as { id: string; path: string; bytes: number; sha256: string }[];
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      const f = path.resolve(home.home, r.path);
      expect(fs.existsSync(f), `artifact ${r.id} → ${r.path}`).toBe(true);
      expect(fs.statSync(f).size).toBe(r.bytes);
      expect(sha256File(f)).toBe(r.sha256);
    }
    const rowPaths = new Set(rows.map((r) => r.path));
    const generationPaths = new Set(
      (db.prepare('SELECT file_path FROM generations').all() as { file_path: string }[]).map(
        (g) => g.file_path,
      ),
    );
    for (const f of filesUnder(home.home, 'artifacts'))
      expect(rowPaths.has(f), `orphan file ${f}`).toBe(true);
    for (const f of filesUnder(home.home, 'outputs'))
      expect(generationPaths.has(f) || rowPaths.has(f), `orphan output ${f}`).toBe(true);
    for (const f of [...filesUnder(home.home, 'artifacts'), ...filesUnder(home.home, 'outputs')]) {
      expect(path.basename(f).startsWith('.tmp-'), `partial file ${f}`).toBe(false);
      expect(fs.statSync(path.join(home.home, f)).size, `empty file ${f}`).toBeGreaterThan(0);
    }
    expect(filesUnder(home.home, 'tmp').filter((f) => f.endsWith('leftover.png'))).toEqual([]);
    // Outputs completed before the crash are all still there.
    for (const f of completedBefore.files)
      expect(fs.existsSync(path.resolve(home.home, f)), f).toBe(true);
  });
});
