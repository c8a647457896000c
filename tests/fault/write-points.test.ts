/**
 * The fault-injection loop over every named write point (issue 18 §2; SQLite's crash tests,
 * sqlite.org/testing.html §3.3). For each point of runtime/fs/write-points.ts: a fresh data
 * folder, `mysti serve` as a child with `MYSTI_FAULT_POINT=<point>:<n>` running a realistic
 * workload — the start-up migrations, a background import of a foreign PNG in outputs/, a graph
 * save, a prompt → txt2img → upscale → save run on the sd.cpp stand-in, thumbnails and other
 * background jobs, a scheduled online backup — until the process SIGKILLs itself at the point.
 * Then a studio restarts on the same folder and the library must hold:
 *   - `PRAGMA integrity_check` ok, `foreign_key_check` empty;
 *   - every artifact / generation file row has its file (size + sha256), every file under
 *     artifacts/, outputs/ and thumbs/ has its row, or sits in quarantine/ with a log line;
 *   - no `.tmp-*` file anywhere, no run or node left `running`;
 *   - interrupted runs rerun to completion, and a new run completes.
 * A first, fault-free pass with MYSTI_FAULT_TRACE records how often the workload passes each
 * point: every registered point must be reached (a point the workload misses is a failure, not a
 * silent pass). Each point is killed at its first pass (`MYSTI_FAULT_ALL=1`: also at its last).
 * Prints the table point | kills | survived.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256File } from '../../runtime/fs/atomic';
import { WRITE_POINTS, type WritePointName } from '../../runtime/fs/write-points';
import type { BackgroundImport } from '../../runtime/library/import-background';
import { client } from '../helpers/http';
import { killMatching, processesMatching, waitFor } from '../helpers/procs';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';
import { FIXTURES_DIR, makeTempHome, REPO_ROOT, type TempHome } from '../helpers/temp-home';

const POINTS = Object.keys(WRITE_POINTS) as WritePointName[];
const FOREIGN_PNG = path.join(FIXTURES_DIR, 'png', 'a1111_tiny_text.png');
/** ≈ 1 s: the scheduled backup runs during the workload. */
const BACKUP_HOURS = String(1 / 3600);

interface Child {
  child: ChildProcess;
  /** The port, or null when the process died before listening. */
  port: Promise<number | null>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function freshHome(): TempHome {
  const home = makeTempHome({ prefix: 'mysti-wp-' });
  // A foreign image waiting in outputs/: the start-up background import picks it up.
  fs.mkdirSync(path.join(home.home, 'outputs', 'imported'), { recursive: true });
  fs.copyFileSync(FOREIGN_PNG, path.join(home.home, 'outputs', 'imported', 'foreign.png'));
  return home;
}

function serve(home: TempHome, env: Record<string, string>): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'runtime/cli.ts'), 'serve'],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...home.env,
        SDCPP_STANDIN_STEP_MS: '5',
        MYSTI_BACKUP_HOURS: BACKUP_HOURS,
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  const port = new Promise<number | null>((resolve) => {
    let err = '';
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /open http:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) resolve(Number(m[1]));
    });
    void exited.then(() => resolve(null));
  });
  return { child, port, exited };
}

/**
 * The workload against a serving child; returns early (without throwing) once the child is gone.
 * Done when the run completed, its thumbnail exists, the foreign PNG is in the gallery and a
 * scheduled backup was written.
 */
async function workload(c: Child, home: string): Promise<void> {
  let dead = false;
  void c.exited.then(() => (dead = true));
  const port = await c.port;
  if (port === null) return;
  const http = client(port);
  const step = async <T>(f: () => Promise<T>): Promise<T | undefined> => {
    if (dead) return undefined;
    try {
      return await f();
    } catch (err) {
      if (dead || c.child.exitCode !== null || c.child.signalCode !== null) return undefined;
      await new Promise((r) => setTimeout(r, 50)); // the kill may land a moment after the refused request
      if (dead) return undefined;
      throw err;
    }
  };
  await step(() =>
    http.post('/api/graphs', { name: 'kept', graph: txt2imgChain({ steps: 2 }).finalize() }),
  );
  // Settings (issue 15): config.json rewritten atomically; a restart must still read it.
  await step(() => http.put('/api/settings', { threads: { sd: 2 } }));
  const submitted = await step(() =>
    http.post('/api/runs', {
      graph: txt2imgChain({ text: 'a harbour at dawn', steps: 3 }).finalize(),
    }),
  );
  if (!submitted) return;
  expect(submitted.status).toBe(202);
  const runId = submitted.json.runId as string;
  const until = Date.now() + 45_000;
  const has = (dir: string, re: RegExp) =>
    fs.existsSync(path.join(home, dir)) &&
    (fs.readdirSync(path.join(home, dir), { recursive: true }) as string[]).some((f) =>
      re.test(path.basename(f)),
    );
  for (;;) {
    if (dead) return;
    const r = await step(() => http.get(`/api/runs/${runId}`));
    const g = await step(() => http.get('/api/generations?limit=10'));
    if (!r || !g) return;
    expect(['queued', 'running', 'completed']).toContain(r.json.status);
    const done =
      r.json.status === 'completed' &&
      (g.json.items?.length ?? 0) >= 2 &&
      has('thumbs', /\.webp$/) &&
      has('backups', /^mysticanvas-.*\.db$/);
    if (done) return;
    if (Date.now() > until)
      throw new Error(
        `workload did not finish: run ${r.json.status}, ${g.json.items?.length} generations`,
      );
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Files under `home/dir` as paths relative to home. */
function filesUnder(home: string, dir: string): string[] {
  const abs = path.join(home, dir);
  if (!fs.existsSync(abs)) return [];
  return (fs.readdirSync(abs, { recursive: true }) as string[])
    .map((f) => path.join(abs, f))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => path.relative(home, f));
}

/** Problems with the library in `s` (empty = consistent). `logs` are the restarted studio's log lines. */
function libraryProblems(s: TestStudio, logs: string[]): string[] {
  const home = s.home.home;
  const db = s.studio.store.db;
  const problems: string[] = [];
  const integrity = s.studio.store.integrityCheck();
  if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);
  const fk = db.pragma('foreign_key_check') as unknown[];
  if (fk.length) problems.push(`foreign_key_check: ${JSON.stringify(fk)}`);
  const running = db.prepare("SELECT id FROM runs WHERE status = 'running'").all();
  if (running.length) problems.push(`runs left running: ${JSON.stringify(running)}`);
  const nodes = db.prepare("SELECT run_id, node_id FROM run_nodes WHERE status = 'running'").all();
  if (nodes.length) problems.push(`nodes left running: ${JSON.stringify(nodes)}`);

  const artifacts = db
    .prepare('SELECT id, path, bytes, sha256 FROM artifacts WHERE path IS NOT NULL')
    .all() as { id: string; path: string; bytes: number; sha256: string }[];
  for (const a of artifacts) {
    const f = path.resolve(home, a.path);
    if (!fs.existsSync(f)) problems.push(`artifact ${a.id} has no file ${a.path}`);
    else if (fs.statSync(f).size !== a.bytes || sha256File(f) !== a.sha256)
      problems.push(`artifact ${a.id}: ${a.path} differs from its row`);
  }
  const genFiles = db
    .prepare(
      'SELECT f.path, f.role, g.missing FROM generation_files f JOIN generations g ON g.id = f.generation_id',
    )
    .all() as { path: string; role: string; missing: number }[];
  for (const g of genFiles)
    if (!g.missing && !fs.existsSync(path.resolve(home, g.path)))
      problems.push(`generation file row without its file: ${g.path} (${g.role})`);
  const artifactPaths = new Set(artifacts.map((a) => a.path));
  const genPaths = new Set(genFiles.map((g) => g.path));
  for (const f of filesUnder(home, 'artifacts'))
    if (!artifactPaths.has(f)) problems.push(`file without its row: ${f}`);
  for (const f of [...filesUnder(home, 'outputs'), ...filesUnder(home, 'thumbs')])
    if (!genPaths.has(f) && !artifactPaths.has(f)) problems.push(`file without its row: ${f}`);
  for (const f of filesUnder(home, 'quarantine')) {
    const original = path.relative('quarantine', f);
    if (!logs.some((l) => l.includes(original) || l.includes(f)))
      problems.push(`quarantined without a log line: ${f}`);
  }
  for (const f of filesUnder(home, '.'))
    if (path.basename(f).startsWith('.tmp-')) problems.push(`temp file left: ${f}`);
  // A save node that completed (not served from the cache) kept what it wrote.
  const lost = db
    .prepare(
      "SELECT n.run_id, n.node_id FROM run_nodes n WHERE n.type = 'save' AND n.status = 'completed' AND NOT EXISTS (SELECT 1 FROM generations g WHERE g.run_id = n.run_id AND g.node_id = n.node_id)",
    )
    .all();
  if (lost.length)
    problems.push(`completed runs without their saved generation: ${JSON.stringify(lost)}`);
  return problems;
}

/** Restarts a studio on `home`, settles it and checks the library; returns the problems found. */
async function restartAndCheck(home: TempHome): Promise<string[]> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const s = await startTestStudio({ home, logger: pino({ level: 'info' }, sink) });
  const problems: string[] = [];
  try {
    await (s.studio.services.libraryImport as BackgroundImport | null)?.done;
    // Interrupted runs can be run again, and a new run succeeds.
    const interrupted = s.studio.store.runs.withStatus('interrupted');
    for (const r of interrupted) {
      const again = await s.http.post(`/api/runs/${r.id}/rerun`, {});
      if (again.status !== 202) problems.push(`rerun of ${r.id} → ${again.status} ${again.text}`);
      else if ((await s.waitRun(again.json.runId, 30_000)).status !== 'completed')
        problems.push(`rerun of interrupted run ${r.id} did not complete`);
    }
    for (const r of s.studio.store.runs.withStatus('queued')) await s.waitRun(r.id, 30_000);
    const next = await s.run(txt2imgChain({ text: 'after the crash', steps: 2 }).finalize());
    if (next.status !== 'completed')
      problems.push(`the next run ended ${next.status}: ${JSON.stringify(next.view.error)}`);
    // Let thumbnails and other background jobs settle before looking at files.
    await waitFor(
      async () => {
        const j = (await s.http.get('/api/generations/jobs')).json;
        return (
          j.active === 0 &&
          !Object.values(j.jobs as Record<string, Record<string, number>>).some(
            (c) => (c.queued ?? 0) + (c.running ?? 0) > 0,
          )
        );
      },
      20_000,
      'background jobs to settle',
    );
    problems.push(...libraryProblems(s, logs));
  } finally {
    await s.close();
  }
  return problems;
}

async function stopChild(c: Child): Promise<{ signal: NodeJS.Signals | null }> {
  if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGTERM');
  const killer = setTimeout(() => c.child.kill('SIGKILL'), 10_000);
  const r = await c.exited;
  clearTimeout(killer);
  return r;
}

const table = new Map<string, { kills: number; survived: number; note: string }>();
let passes = new Map<string, number>();

describe('SIGKILL at every named write point', () => {
  beforeAll(async () => {
    // The fault-free pass: which points the workload reaches, how often.
    const home = freshHome();
    const trace = path.join(home.home, '..', `${path.basename(home.home)}.trace`);
    try {
      const c = serve(home, { MYSTI_FAULT_TRACE: trace });
      await workload(c, home.home);
      const r = await stopChild(c);
      expect(r.signal === 'SIGTERM' || r.signal === null).toBe(true);
      passes = new Map();
      for (const l of fs.readFileSync(trace, 'utf8').split('\n').filter(Boolean))
        passes.set(l, (passes.get(l) ?? 0) + 1);
      expect(await restartAndCheck(home)).toEqual([]);
    } finally {
      fs.rmSync(trace, { force: true });
      killMatching(home.home);
      home.cleanup();
    }
  }, 120_000);

  afterAll(() => {
    const rows = POINTS.map((p) => ({
      point: p,
      kills: String(table.get(p)?.kills ?? 0),
      survived: String(table.get(p)?.survived ?? 0),
      passes: String(passes.get(p) ?? 0),
      note: table.get(p)?.note ?? '',
    }));
    const cols = ['point', 'kills', 'survived', 'passes', 'note'] as const;
    const w = Object.fromEntries(
      cols.map((c) => [c, Math.max(c.length, ...rows.map((r) => r[c].length))]),
    ) as Record<(typeof cols)[number], number>;
    const line = (r: Record<(typeof cols)[number], string>) =>
      `| ${cols.map((c) => r[c].padEnd(w[c])).join(' | ')} |`;
    const out = [
      line({
        point: 'point',
        kills: 'kills',
        survived: 'survived',
        passes: 'passes',
        note: 'note',
      }),
      `|${cols.map((c) => '-'.repeat(w[c] + 2)).join('|')}|`,
      ...rows.map(line),
    ];
    console.log(
      `\nwrite-point fault loop (passes = times the fault-free workload passed the point)\n${out.join('\n')}\n`,
    );
  });

  it('the workload reaches every registered write point', () => {
    expect(POINTS.filter((p) => !passes.get(p))).toEqual([]);
  });

  it.each(POINTS)(
    'killed at %s, the restarted studio finds a consistent library',
    async (point) => {
      const n = passes.get(point) ?? 0;
      expect(n, `${point} is never passed by the workload`).toBeGreaterThan(0);
      const row = { kills: 0, survived: 0, note: '' };
      table.set(point, row);
      const failures: string[] = [];
      // CI kills at the first pass of each point; MYSTI_FAULT_ALL=1 also kills at the last pass.
      for (const at of n > 1 && process.env.MYSTI_FAULT_ALL === '1' ? [1, n] : [1]) {
        const home = freshHome();
        try {
          const c = serve(home, { MYSTI_FAULT_POINT: `${point}:${at}` });
          await workload(c, home.home).catch((err: unknown) =>
            failures.push(`workload (${point}:${at}): ${(err as Error).message}`),
          );
          const r = await stopChild(c);
          if (r.signal !== 'SIGKILL') {
            // Passes can vary a little between runs (backups on a timer); the first pass never misses.
            row.note = `${point}:${at} not reached`;
            if (at === 1) failures.push(`${point}:1 was not reached (exit ${JSON.stringify(r)})`);
            continue;
          }
          row.kills++;
          await waitFor(
            () => processesMatching(home.home).length === 0,
            10_000,
            "the killed studio's workers and engines to exit",
          );
          const problems = await restartAndCheck(home);
          if (problems.length) failures.push(...problems.map((p) => `${point}:${at}: ${p}`));
          else row.survived++;
        } finally {
          killMatching(home.home);
          home.cleanup();
        }
      }
      expect(failures).toEqual([]);
    },
    180_000,
  );
});
