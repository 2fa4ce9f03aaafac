/**
 * jest global setup: makes the databases of the run available to every test worker.
 * - PGlite: ensures the cached, migrated data-dir tarball exists (a cold PGlite start only when the schema changed).
 * - PostgreSQL: TEST_DATABASE_URL when given, else a throwaway cluster from the machine's PostgreSQL binaries; a
 *   migrated template database on it; its URL and name go to the workers through the environment.
 * Without PostgreSQL it prints one line saying the PostgreSQL run is skipped; with CI=true that is a failure instead.
 */
import type { PostgresCluster } from './postgres-cluster';
import { findPostgresBinDir, startPostgresCluster } from './postgres-cluster';
import { createPostgresTemplate, ensurePgliteTemplate, testDatabaseEnv } from './databases';

/** What global teardown needs; jest shares globalThis between global setup and teardown. */
export interface TestDatabasesState {
  cluster?: PostgresCluster;
  serverUrl?: string;
  template?: string;
}

declare global {
  var joinerTestDatabases: TestDatabasesState | undefined;
}

function say(line: string): void {
  process.stderr.write(`\n[test databases] ${line}\n`);
}

export default async function globalSetup(): Promise<void> {
  const state: TestDatabasesState = {};
  globalThis.joinerTestDatabases = state;
  delete process.env[testDatabaseEnv.postgresUrl];
  delete process.env[testDatabaseEnv.postgresTemplate];
  await ensurePgliteTemplate();

  const given = process.env.TEST_DATABASE_URL;
  let serverUrl: string;
  if (given !== undefined && given !== '') {
    serverUrl = given;
  } else {
    const binDir = findPostgresBinDir();
    if (binDir === undefined) {
      const message =
        'PostgreSQL NOT TESTED: no PostgreSQL server binaries found (looked in $PG_BIN, /usr/lib/postgresql/*/bin, ' +
        'PATH). Install the postgresql package or set TEST_DATABASE_URL to run the suites on PostgreSQL too.';
      if (process.env.CI === 'true') throw new Error(`${message} CI=true requires PostgreSQL.`);
      say(`${message} Only PGlite is tested in this run.`);
      return;
    }
    state.cluster = await startPostgresCluster(binDir);
    serverUrl = state.cluster.url;
  }
  state.serverUrl = serverUrl;
  state.template = await createPostgresTemplate(serverUrl);
  process.env[testDatabaseEnv.postgresUrl] = serverUrl;
  process.env[testDatabaseEnv.postgresTemplate] = state.template;
}
