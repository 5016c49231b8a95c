import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Non-test code stays small enough to read: a file says one thing, a function does one thing.
    files: ['**/*.ts'],
    ignores: ['**/__tests__/**', '**/__mocks__/**', '**/test/**', '**/*.test.ts', 'system-tests/**'],
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // The web client runs in the browser; its React components are held to the same sizes as the rest.
    files: ['client/**/*.{ts,tsx}'],
    ignores: ['client/src/**/*.test.tsx', 'client/src/test/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'max-lines': ['error', { max: 400, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
    },
  },
  {
    // Exceptions, each with its reason:
    // - the double's update engine is one table of MongoDB's update operators; split, it would only scatter them.
    files: ['mongod-double/src/update.ts'],
    rules: { 'max-lines': 'off', 'max-lines-per-function': 'off' },
  },
  {
    // - a benchmark's main is the run-book of its scenarios, read top to bottom, and prints the report.
    files: ['bench/src/*-bench.ts', 'bench/src/bench-stack-host.ts'],
    rules: { 'max-lines': 'off', 'max-lines-per-function': 'off' },
  },
  {
    // CommonJS config files and executables.
    files: ['**/*.js', '**/*.cjs', 'mongod-double/bin/*'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tests and the test kit may print (benchmarks report figures on stdout).
    files: ['**/__tests__/**', '**/test/**', 'testkit/**', 'scripts/**', 'bench/**', 'system-tests/**', 'local-stack/src/main.ts'],
    rules: { 'no-console': 'off' },
  },
);
