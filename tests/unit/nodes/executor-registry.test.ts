/**
 * The executor registry is derived from the node declarations (nodes/run.ts): every declared type
 * has exactly one executor, and a studio whose catalog declares a type without one refuses to
 * start — before it opens the database or takes the data folder's lock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineNode, specs } from '../../../nodes/index';
import { coreNodes, executorRegistry, implementations } from '../../../nodes/run';
import { loadConfig } from '../../../runtime/config';
import { createLogger } from '../../../runtime/log';
import { startStudio } from '../../../runtime/main';
import { makeTempHome } from '../../helpers/temp-home';

const orphan = defineNode({
  type: 'orphan',
  version: 1,
  title: 'Orphan',
  category: 'text',
  description: 'Declared without an executor (test only).',
  inputs: {},
  outputs: { text: { type: 'text' } },
  params: z.object({}),
  worker: null,
  cache: 'pure',
});

describe('executor registry', () => {
  it('has one executor per declared type, in declaration order', () => {
    const reg = executorRegistry(specs, implementations);
    expect([...reg.keys()]).toEqual(specs.map((s) => s.type));
    for (const s of specs) expect(reg.get(s.type)!.spec).toBe(s);
  });

  it('names a declared type without an executor, and an executor without a declaration', () => {
    expect(() => executorRegistry([...specs, orphan], implementations)).toThrow(
      expect.objectContaining({
        code: 'NO_EXECUTOR',
        message: expect.stringContaining('node type "orphan" is declared but has no executor'),
      }),
    );
    expect(() =>
      executorRegistry(
        specs.filter((s) => s.type !== 'tag'),
        implementations,
      ),
    ).toThrow(/executor "tag" has no node declaration/);
    expect(() => executorRegistry(specs, [...implementations, implementations[0]!])).toThrow(
      /node type "prompt" has two executors/,
    );
  });

  it('the studio refuses to start when a declared type has no executor, leaving nothing behind', async () => {
    const home = makeTempHome();
    try {
      const config = loadConfig(home.env);
      await expect(
        startStudio({
          config,
          logger: createLogger('silent'),
          listen: false,
          backgroundImport: false,
          nodes: { specs: [...coreNodes.specs, orphan], implementations },
        }),
      ).rejects.toMatchObject({
        code: 'NO_EXECUTOR',
        message: expect.stringContaining('"orphan"'),
      });
      // Nothing was opened: no database, no lock file.
      expect(fs.existsSync(config.dbFile)).toBe(false);
      expect(fs.readdirSync(home.home).filter((f) => f !== path.basename(home.models))).toEqual([]);
    } finally {
      home.cleanup();
    }
  });
});
