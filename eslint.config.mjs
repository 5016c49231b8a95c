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
