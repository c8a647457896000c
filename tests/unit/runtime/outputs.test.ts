/**
 * Hash once (issue 11 item 5): a new image's sha256 comes from its producer (the sd worker) and
 * travels with the result; persistOutputs files it under that hash without reading the file again.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../runtime/config';
import { Store } from '../../../runtime/store';
import { persistOutputs } from '../../../runtime/engine/outputs';
import { sha256FileAsync } from '../../../runtime/fs/hash';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mysti-outputs-'));
  dirs.push(home);
  const config = loadConfig({ MYSTI_HOME: home, MYSTI_MODELS: path.join(home, 'models') });
  for (const d of Object.values(config.paths)) fs.mkdirSync(d, { recursive: true });
  const store = Store.open(config.dbFile);
  store.runs.create({ id: 'r', graph: { nodes: [{ id: 'n', type: 'txt2img' }] } });
  return { config, store };
}

describe('persistOutputs', () => {
  it('stores a new image under the sha256 its producer reported, without re-hashing the file', async () => {
    const { config, store } = setup();
    const tempPath = path.join(config.paths.tmp, 'img.png');
    fs.writeFileSync(tempPath, 'png bytes');
    const real = await sha256FileAsync(tempPath);
    expect(real).toBe(createHash('sha256').update('png bytes').digest('hex'));
    // A different (but well-formed) hash: if the runtime hashed the file itself, the path would name `real`.
    const reported = 'ab'.repeat(32);
    const out = persistOutputs(
      { store, config },
      {
        runId: 'r',
        nodeId: 'n',
        result: { image: { kind: 'image', tempPath, sha256: reported } },
        parents: [],
        hooks: [],
      },
    );
    const v = out.get('image')!.value;
    expect(v).toMatchObject({
      kind: 'image',
      sha256: reported,
      path: path.join(config.paths.artifacts, 'ab', `${reported}.png`),
    });
    expect(fs.existsSync(tempPath)).toBe(false);
    store.close();
  });

  it('refuses a new image without a well-formed sha256, writing nothing', () => {
    const { config, store } = setup();
    const tempPath = path.join(config.paths.tmp, 'img.png');
    fs.writeFileSync(tempPath, 'png bytes');
    expect(() =>
      persistOutputs(
        { store, config },
        {
          runId: 'r',
          nodeId: 'n',
          result: { image: { kind: 'image', tempPath, sha256: '' } },
          parents: [],
          hooks: [],
        },
      ),
    ).toThrow(/without its sha256/);
    expect(fs.existsSync(tempPath)).toBe(true);
    expect(fs.readdirSync(config.paths.artifacts)).toEqual([]);
    store.close();
  });
});
