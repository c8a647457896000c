/**
 * Issue 18 #11 (first half): scratch files a crashed sd worker left in the temp area
 * (`tmp/.sd-<jobId>/`, workers/sd/jobs.ts) are removed when the worker is restarted, not only at
 * the next studio start.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { txt2imgChain } from '../helpers/graph-builder';

describe('crashed worker scratch (issue 18 #11)', () => {
  let s: TestStudio;
  beforeAll(async () => {
    s = await startTestStudio();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a restart after a crash removes the dead worker’s scratch folders, keeps other temp files', async () => {
    expect((await s.run(txt2imgChain({ text: 'warm up' }).finalize())).status).toBe('completed');
    const tmp = s.studio.config.paths.tmp;
    const scratch = path.join(tmp, `.sd-${randomUUID()}`);
    fs.mkdirSync(scratch);
    fs.writeFileSync(path.join(scratch, 'out.png'), 'half an image');
    const other = path.join(tmp, 'keep-me.png');
    fs.writeFileSync(other, 'x');
    const pid = s.studio.supervisor.status().sd!.pid!;
    process.kill(pid, 'SIGKILL');
    const until = Date.now() + 5_000;
    while (s.studio.supervisor.status().sd!.state !== 'crashed' && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    expect(s.studio.supervisor.status().sd!.state).toBe('crashed');
    expect((await s.run(txt2imgChain({ text: 'after the crash' }).finalize())).status).toBe(
      'completed',
    );
    expect(fs.existsSync(scratch)).toBe(false);
    expect(fs.existsSync(other)).toBe(true);
  }, 60_000);
});
