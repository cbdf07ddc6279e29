// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

export default tseslint.config(
  // worker/fused/assembly is AssemblyScript (f32, v128, load<T>): asc checks it, tsc cannot.
  { ignores: ['dist/**', 'node_modules/**', 'bench/results/**', 'worker/fused/assembly/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'describe', 'it', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportAllDeclaration',
          message: 'No export * barrels: import from the module.',
        },
      ],
    },
  },
  {
    // shared/ is what both sides speak: it imports nothing of theirs.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/coordinator/**', '**/worker/**', '**/cli/**', '**/bench/**'] },
      ],
    },
  },
  {
    // The coordinator never depends on the worker; only the CLI wires both.
    files: ['coordinator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['**/worker/**', '**/cli/**', '**/bench/**'] },
      ],
    },
  },
  {
    files: ['worker/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: ['**/coordinator/**', '**/cli/**'] }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
