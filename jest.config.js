/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // The product's suites, and the suites of the stand-in packages under packages/ (they are dev dependencies).
  roots: ['<rootDir>/test', '<rootDir>/packages/entra-sandbox/test'],
  // Suites run the package's TypeScript source; its dist/ is what `joiner start` and the `entra-sandbox` bin load.
  moduleNameMapper: { '^@joiner/entra-sandbox$': '<rootDir>/packages/entra-sandbox/src/index.ts' },
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json', 'cjs', 'mjs'],
  testTimeout: 30000,
  // Most slow suites wait on child processes (Temporal servers, Chromium, PostgreSQL, `joiner start`) rather than
  // compute, so on a 2-core machine three workers overlap that waiting; jest's default (cores - 1) would run one
  // worker, in band, every suite in series (`--maxWorkers=1` still does that, to debug one suite).
  maxWorkers: 3,
  // The known-slow suites start first so that none of them is left running alone at the end of the run.
  testSequencer: '<rootDir>/test/helpers/slow-first-sequencer.js',
  // Databases for the storage suites: a migrated PGlite template and a throwaway PostgreSQL cluster per run.
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
};
