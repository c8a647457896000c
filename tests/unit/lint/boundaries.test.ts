/**
 * The import boundaries are lint rules (eslint.config.js): this runs ESLint's Node API on source
 * strings placed at real paths of the tree and checks that a worker or the editor importing the
 * runtime FAILS the lint, as does a browser-safe node declaration using a Node built-in — and that
 * the allowed imports pass.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../../..');
const eslint = new ESLint({ cwd: root });

/** The rule ids ESLint reports for `code` as if it were the file at `file` (relative to the repo). */
async function violations(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

describe('import boundaries (npm run lint)', () => {
  it.each([
    [
      'workers/llm/x.ts',
      "import { UserError } from '../../runtime/errors';\nexport const e = UserError;\n",
    ],
    [
      'workers/protocol/x.ts',
      "import type { Config } from '../../runtime/config';\nexport type C = Config;\n",
    ],
    ['workers/sd/x.ts', "export { safePath } from '../../runtime/fs/safe-path';\n"],
    [
      'editor/src/x.ts',
      "import { ERROR_CODES } from '../../runtime/errors';\nexport const c = ERROR_CODES;\n",
    ],
    [
      'editor/src/queue/x.tsx',
      "import type { EngineDeps } from '../../../runtime/engine/deps';\nexport type D = EngineDeps;\n",
    ],
    ['editor/src/x.ts', "import fs from 'node:fs';\nexport const f = fs;\n"],
    [
      'editor/src/x.ts',
      "import { WorkerClient } from '../../workers/protocol/client';\nexport const w = WorkerClient;\n",
    ],
    ['nodes/text/x.ts', "import path from 'path';\nexport const p = path;\n"],
    [
      'nodes/core/x.ts',
      "import { UserError } from '../../runtime/errors';\nexport const e = UserError;\n",
    ],
    ['wire/x.ts', "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n"],
  ])('%s: a forbidden import fails the lint', async (file, code) => {
    expect(await violations(file, code)).toContain('no-restricted-imports');
  });

  it.each([
    [
      'workers/llm/x.ts',
      "import { MystiError } from '../../wire/errors';\nimport { readGgufHeader } from '../../formats/gguf';\nexport const x = [MystiError, readGgufHeader];\n",
    ],
    [
      'editor/src/x.ts',
      "import { ERROR_CODES } from '../../wire/errors';\nimport { specs } from '../../nodes/index';\nexport const x = [ERROR_CODES, specs];\n",
    ],
    [
      'nodes/text/x.run.ts',
      "import fs from 'node:fs';\nimport { UserError } from '../../runtime/errors';\nexport const x = [fs, UserError];\n",
    ],
    [
      'runtime/x.ts',
      "import fs from 'node:fs';\nimport { WorkerClient } from '../workers/protocol/client';\nexport const x = [fs, WorkerClient];\n",
    ],
  ])('%s: allowed imports pass', async (file, code) => {
    expect(await violations(file, code)).toEqual([]);
  });

  it('also reports unused variables (the rule set is more than boundaries)', async () => {
    expect(await violations('runtime/x.ts', 'const unused = 1;\nexport {};\n')).toContain(
      '@typescript-eslint/no-unused-vars',
    );
  });
});
