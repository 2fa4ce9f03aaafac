// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import { builtinModules } from 'node:module';

/** Modules that do I/O or are not deterministic: workflow code must never import them. */
const workflowForbidden = [
  ...builtinModules,
  ...builtinModules.map((m) => `node:${m}`),
  'zod',
  'drizzle-orm',
  'drizzle-orm/*',
  'pg',
  '@electric-sql/*',
  '@microsoft/*',
  '@azure/*',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  'koa',
  '@koa/*',
  'pino',
  'libphonenumber-js',
  '@joiner/*',
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'store/migrations/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    // The legacy default resolver fails on packages with conditional exports only (e.g. @azure/identity).
    settings: { 'import-x/resolver-next': [createNodeResolver()] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // The Entra stand-in is a dev dependency that a production install lacks: product code imports it for types only,
    // and `joiner start` loads it on demand (cli/runtime.ts). Workflows may not import it at all (list above).
    files: [
      'domain/**/*.ts',
      'observability/**/*.ts',
      'store/**/*.ts',
      'activities/**/*.ts',
      'entra/**/*.ts',
      'api/**/*.ts',
      'worker/**/*.ts',
      'cli/**/*.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@joiner/entra-sandbox',
              allowTypeImports: true,
              message: 'a dev dependency: import its types only; joiner start loads it on demand',
            },
          ],
        },
      ],
    },
  },
  {
    // The lowest layer beside domain/: everything above may record metrics, so it may import nothing of theirs.
    files: ['observability/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@joiner/entra-sandbox', message: 'observability imports only domain/ and libraries' }],
          patterns: [
            {
              group: ['**/store', '**/store/**', '**/entra', '**/entra/**', '**/activities', '**/activities/**'],
              message: 'observability imports only domain/ and libraries',
            },
            {
              group: ['**/workflows/**', '**/orchestration/**', '**/api/**', '**/worker/**', '**/cli/**'],
              message: 'observability imports only domain/ and libraries',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      // Workflow code is replayed: it may import only @temporalio/workflow, sibling workflows and pure domain code.
      // Activities, the store and clients may be imported for their types only.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: workflowForbidden
            .filter((m) => !m.includes('*'))
            .map((name) => ({ name, message: 'workflows must stay deterministic: no I/O or Node modules' })),
          patterns: [
            { group: workflowForbidden.filter((m) => m.includes('*')), message: 'no I/O packages in workflows' },
            {
              group: [
                '**/store',
                '**/store/**',
                '**/entra',
                '**/entra/**',
                '**/api/**',
                '**/activities',
                '**/activities/**',
              ],
              allowTypeImports: true,
              message: 'workflows may import these for types only',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'packages/*/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
