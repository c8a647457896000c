/**
 * Named write points (SQLite's crash-test way, sqlite.org/testing.html §3.3): every step of the
 * studio that changes the data folder and could be interrupted by a crash carries a name from
 * {@link WRITE_POINTS}. `tests/fault/write-points.test.ts` (`npm run test:fault`) kills the
 * runtime with SIGKILL at each point in turn and checks that a restart on the same data folder
 * finds a consistent library.
 *
 * Test-only hook: `MYSTI_FAULT_POINT=<name>:<n>` (n ≥ 1, default 1) makes the process SIGKILL
 * itself at the n-th pass of point `<name>`. Without the variable {@link writePoint} is one
 * boolean test. `MYSTI_FAULT_TRACE=<file>` appends one line per pass (the loop uses it to learn
 * which points its workload reaches).
 */
import fs from 'node:fs';

/**
 * Every write point: name → where it sits (the step that has just happened and the one that has
 * not happened yet when the kill lands).
 */
export const WRITE_POINTS = {
  'artifact.file': 'a node output image is in artifacts/, its artifact row is not committed yet',
  'artifact.rows':
    'inside the transaction writing artifact rows + commit hooks (generation row, tags), before COMMIT',
  'save.png': "the save node's PNG is renamed into outputs/, its generation row is not written yet",
  'save.generation':
    'inside the artifact transaction: generation row + files written, its tags not yet',
  'cache.entry':
    'a node finished and its outputs are committed; its cache entry is not written yet',
  'run.create': 'a submitted run is about to be inserted (before COMMIT of the run row)',
  'run.node-start': "a node's running row is about to be written",
  'run.node-finish': "a node's final row is about to be written",
  'run.finish': 'inside the transaction ending a run, before COMMIT',
  'job.enqueue': 'a background job row is about to be inserted',
  'job.complete': "a job's effect is in the data, its row is not deleted yet",
  'import.batch': 'inside the transaction committing one batch of imported files, before COMMIT',
  'thumb.file': 'a thumbnail is renamed into thumbs/, its row is not written yet',
  migration: 'inside a migration transaction, after its SQL, before user_version and COMMIT',
  'graph.save': 'a saved graph row is about to be written',
  'config.write':
    'Settings: config.json is about to be rewritten (temp → fsync → rename); the old file is still in place',
  'backup.file': 'a database backup is written to its temp name, not renamed into backups/ yet',
} as const;

export type WritePointName = keyof typeof WRITE_POINTS;

function parse(v: string | undefined): { name: string; n: number } | null {
  if (!v) return null;
  const i = v.lastIndexOf(':');
  const name = i > 0 ? v.slice(0, i) : v;
  const n = i > 0 ? Number(v.slice(i + 1)) : 1;
  if (!(name in WRITE_POINTS) || !Number.isInteger(n) || n < 1) {
    // A typo would make a fault test pass without ever killing anything.
    throw new Error(
      `MYSTI_FAULT_POINT="${v}": expected <name>:<n> with a name from runtime/fs/write-points.ts and n ≥ 1`,
    );
  }
  return { name, n };
}

const armed = parse(process.env.MYSTI_FAULT_POINT);
const trace = process.env.MYSTI_FAULT_TRACE || null;
let passes = 0;

/**
 * Marks one pass of write point `name`. Inert (one branch) unless the test-only environment
 * variables above are set; then it may record the pass or SIGKILL this process.
 */
export function writePoint(name: WritePointName): void {
  if (armed === null && trace === null) return;
  if (trace) fs.appendFileSync(trace, `${name}\n`);
  if (armed && armed.name === name && ++passes === armed.n) process.kill(process.pid, 'SIGKILL');
}
