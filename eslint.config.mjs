// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';

/**
 * The layers, lowest first (docs/architecture.md). A folder imports only from the layers before it, never from a
 * sibling of its own layer; type-only imports count too. bench/, test/ and packages/ are outside the layers.
 */
const layers = [
  ['domain', 'observability'],
  ['store', 'entra'],
  ['activities'],
  ['workflows'],
  ['orchestration'],
  ['api', 'worker'],
  ['cli'],
];
const layerFolders = layers.flat();

/** The folders a layer folder may import from: the layers before it and itself. */
function importableFrom(folder, level) {
  // Workflow code is replayed: besides its own folder it sees only the pure domain/, nothing that does I/O.
  if (folder === 'workflows') return ['domain', 'workflows'];
  // observability/ sits beside domain/ and may use it; domain/ stays free of everything else.
  if (folder === 'observability') return ['domain', 'observability'];
  return [...layers.slice(0, level).flat(), folder];
}

/** What each product folder may not import, as import-x/no-restricted-paths zones. */
const layerZones = layers.flatMap((layer, level) =>
  layer.flatMap((folder) => {
    const allowed = importableFrom(folder, level);
    const from = layerFolders.filter((f) => !allowed.includes(f));
    if (from.length === 0) return [];
    return {
      target: `./${folder}`,
      from: from.map((f) => `./${f}`),
      message: `${folder}/ may import only ${allowed.join('/, ')}/ (layers: docs/architecture.md): move the code to the right layer`,
    };
  }),
);

/** The database drivers and ORM: only store/ may import them (types too). */
const databasePackages = {
  paths: ['drizzle-orm', 'pg', '@electric-sql/pglite'].map((name) => ({
    name,
    message: 'all SQL lives in store/: call a store/ function instead',
  })),
  patterns: [
    { group: ['drizzle-orm/*', '@electric-sql/*'], message: 'all SQL lives in store/: call a store/ function instead' },
  ],
};

/** The Entra stand-in is a dev dependency that a production install lacks: product code imports its types only. */
const entraSandboxTypesOnly = {
  name: '@joiner/entra-sandbox',
  allowTypeImports: true,
  message: 'a dev dependency: import its types only; joiner start loads it on demand',
};

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
    // The TypeScript resolver finds the .ts file behind each relative import (without it no-cycle and
    // no-restricted-paths see no edge at all); the node resolver then handles packages with conditional exports only.
    settings: {
      // import-x reads only the files it may parse: without these it follows no import into a .ts file.
      'import-x/extensions': ['.ts', '.js', '.cjs', '.mjs'],
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [
        createTypeScriptImportResolver({
          project: ['tsconfig.json', 'packages/*/tsconfig.json'],
          noWarnOnMultipleProjects: true,
        }),
        createNodeResolver(),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // no-cycle skips type-only imports; `npm run lint:cycles` (madge, with .madgerc) checks the cycles they make.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones }],
    },
  },
  {
    files: layerFolders.filter((f) => !['store', 'workflows', 'observability'].includes(f)).map((f) => `${f}/**/*.ts`),
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [...databasePackages.paths, entraSandboxTypesOnly], patterns: databasePackages.patterns },
      ],
    },
  },
  {
    files: ['store/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { paths: [entraSandboxTypesOnly] }] },
  },
  {
    // The lowest layer beside domain/: everything above may record metrics, so it needs nothing but libraries (the
    // folders it may not import are zones above); not even the stand-in's types.
    files: ['observability/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...databasePackages.paths,
            { name: '@joiner/entra-sandbox', message: 'observability imports only domain/ and libraries' },
          ],
          patterns: databasePackages.patterns,
        },
      ],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      // Workflow code is replayed and must stay deterministic: of the packages it may import only the Temporal
      // workflow SDK and @temporalio/common (pure, what the SDK is built on, e.g. defineSearchAttributeKey). Types
      // count too. Folders are limited by import-x/no-restricted-paths above.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.|@temporalio/(workflow|common)$)',
              message: 'workflows stay free of I/O: import only @temporalio/workflow, @temporalio/common and domain/',
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
