// ESLint flat config (ESLint 9 + typescript-eslint). Deliberately small: the import boundaries
// between processes, plus a few rules that catch real mistakes without a tree-wide rewrite.
// Formatting is Prettier's job (`npm run format:check`), never ESLint's.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/** Any relative or absolute specifier that reaches into the runtime folder. */
const RUNTIME = {
  regex: '(^|/)runtime(/|$)',
  message:
    'Only the runtime process imports runtime/: use wire/ (what crosses a process boundary), formats/ or the browser-safe nodes/ declarations.',
};
const WORKERS = {
  regex: '(^|/)workers(/|$)',
  message: 'Browser-safe code cannot import worker processes.',
};
const NODE_BUILTINS = {
  regex: `^(node:.*|(${builtinModules
    .filter((m) => !m.startsWith('_'))
    .map((m) => m.replaceAll('/', '\\/'))
    .join('|')})(/.*)?)$`,
  message:
    'Browser-safe code (node declarations, wire/) cannot use Node built-ins; put it in the *.run.ts executor or the runtime.',
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'editor/dist/',
      'data/',
      'test-results/',
      'playwright-report/',
      'tests/e2e/artifacts/',
      '.tmp/',
      'tests/fixtures/lint/',
    ],
  },
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrors: 'none',
          ignoreRestSiblings: true,
        },
      ],
      'no-debugger': 'error',
      'no-dupe-keys': 'error',
      'no-self-assign': 'error',
      'no-unreachable': 'error',
      'no-unsafe-finally': 'error',
      'no-cond-assign': ['error', 'except-parens'],
      'no-constant-binary-expression': 'error',
      'no-control-regex': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  // Worker processes and the editor depend on the protocol (wire/), never on the runtime.
  {
    files: ['workers/**/*.{ts,tsx}', 'editor/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [RUNTIME] }] },
  },
  // The editor bundle: no Node built-ins either.
  {
    files: ['editor/src/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', { patterns: [RUNTIME, WORKERS, NODE_BUILTINS] }] },
  },
  // Node declarations and wire/ are shared with the editor bundle: browser-safe. Executors
  // (*.run.ts) and the executor list (nodes/run.ts) run in the runtime and may use anything.
  {
    files: ['nodes/**/*.ts', 'wire/**/*.ts'],
    ignores: ['nodes/**/*.run.ts', 'nodes/run.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [RUNTIME, WORKERS, NODE_BUILTINS] }] },
  },
);
