// Lint: TypeScript's recommended rules plus the import rules that keep the layers apart
// (ARCHITECTURE.md: renderer → src-common only; helper → src-common + node built-ins;
// core never → electron; src-common is pure).
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', '.cache/**', '.testbed/**', 'test-results/**', 'test/fixtures/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: restrict([
      { group: ['node:*', 'fs', 'path', 'os', 'child_process', 'electron', 'ssh2', 'better-sqlite3', 'ws'], message: 'The renderer is sandboxed: it may import only src-common and UI libraries.' },
      { group: ['**/src-main/**', '**/remote-scripts/**', '**/src-preload/**'], message: 'The renderer may import only src-common.' },
    ]),
  },
  {
    files: ['remote-scripts/**/*.ts'],
    ignores: ['remote-scripts/**/*.test.ts', 'remote-scripts/**/*.test-util.ts'],
    rules: restrict([
      // zod/mini (the helper protocol's schemas) and fast-xml-parser (nvidia-smi -q -x) are the two
      // small libraries the bundle may carry; build-helper.mjs enforces its size budget.
      { group: ['*', '!node:*', '!node:*/**', '!.', '!./**', '!..', '!../**', '!zod', '!zod/**', '!fast-xml-parser'], message: 'The helper is pushed to hosts as one bundle: only node: built-ins, src-common, zod/mini and fast-xml-parser.' },
      { regex: '^zod(/v4|/v3|/v4/core)?$', message: 'In the helper, use zod/mini: classic zod would take most of its size budget.' },
      { group: ['**/src-main/**', '**/src-renderer/**', '**/src-preload/**'], message: 'The helper may import only src-common and node built-ins.' },
    ]),
  },
  {
    files: ['src-main/core/**/*.ts'],
    rules: restrict([{ group: ['electron', '**/src-main/app/**', '**/src-renderer/**'], message: 'The core runs without Electron (CLI, web server, tests).' }]),
  },
  {
    files: ['src-common/**/*.ts'],
    ignores: ['src-common/**/*.test.ts'],
    rules: restrict([
      { group: ['node:*', 'electron', 'react', 'ssh2', 'better-sqlite3', 'ws'], message: 'src-common is pure TypeScript shared by every layer.' },
      { group: ['**/src-main/**', '**/src-renderer/**', '**/remote-scripts/**'], message: 'src-common imports nothing from other layers.' },
    ]),
  },
);
