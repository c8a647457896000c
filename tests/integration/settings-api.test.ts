/**
 * GET/PUT /api/settings on a real studio (issue 15 §7): a change is validated with the runtime's
 * config schema, written to config.json atomically (its other keys kept), and the VRAM budget
 * applies at once — GET /api/vram follows; a bad value is a 400 and leaves the file untouched.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStudio, type TestStudio } from '../helpers/studio';
import { makeTempHome, type TempHome } from '../helpers/temp-home';

describe('settings', () => {
  let home: TempHome;
  let s: TestStudio;
  let file: string;
  beforeAll(async () => {
    home = makeTempHome();
    file = path.join(home.home, 'config.json');
    fs.writeFileSync(file, JSON.stringify({ maxQueuedRuns: 50, vram: { reserveMb: 256 } }));
    s = await startTestStudio({ home });
  });
  afterAll(async () => {
    await s?.close();
    home?.cleanup();
  });

  it('writes the change into config.json, keeps other keys, and the VRAM budget applies at once', async () => {
    const before = (await s.http.get('/api/settings')).json;
    expect(before.settings).toEqual({ vram: { reserveMb: 256 } });
    const r = await s.http.put('/api/settings', {
      vram: { budgetMb: 3072 },
      threads: { sd: 3 },
      autoTag: { model: 'stories260K.gguf' },
    });
    expect(r.status).toBe(200);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({
      maxQueuedRuns: 50,
      vram: { reserveMb: 256, budgetMb: 3072 },
      threads: { sd: 3 },
      autoTag: { model: 'stories260K.gguf' },
    });
    expect(fs.readdirSync(home.home).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    const vram = (await s.http.get('/api/vram')).json;
    expect(vram.budgetBytes).toBe(3072 * 1024 * 1024);
    expect(vram.reserveBytes).toBe(256 * 1024 * 1024);
    expect(vram.budgetSource).toBe('config');

    // null clears a setting.
    await s.http.put('/api/settings', { threads: { sd: null } });
    expect(JSON.parse(fs.readFileSync(file, 'utf8')).threads).toBeUndefined();
  });

  it('refuses values the runtime schema refuses, and unknown keys; the file stays as it was', async () => {
    const text = fs.readFileSync(file, 'utf8');
    const bad = await s.http.put('/api/settings', { vram: { budgetMb: -5 } });
    expect(bad.status).toBe(400);
    const unknown = await s.http.put('/api/settings', { port: 1 });
    expect(unknown.status).toBe(400);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
  });
});
