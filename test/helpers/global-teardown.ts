/** jest global teardown: drops the template database and stops the throwaway PostgreSQL cluster of the run. */
import { dropPostgresDatabase } from './databases';
import { stopPostgresCluster } from './postgres-cluster';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis.joinerTestDatabases;
  globalThis.joinerTestDatabases = undefined;
  if (state === undefined) return;
  if (state.cluster !== undefined) {
    await stopPostgresCluster(state.cluster);
  } else if (state.serverUrl !== undefined && state.template !== undefined) {
    await dropPostgresDatabase(state.serverUrl, state.template);
  }
}
