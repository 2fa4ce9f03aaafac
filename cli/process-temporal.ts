/**
 * The Temporal of a Joiner process: TEMPORAL_ADDRESS, or a dev server started here (`joiner start`); the API's lazy
 * client, and the worker's client and native connection with the search attributes registered.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { JoinerConfig } from '../domain/config';
import { ensureSearchAttributes } from '../orchestration/search-attributes';
import type { Closer } from './closers';
import { recordDevServer, startTemporalDevServer, stopOrphanedDevServer } from './temporal-dev-server';
import { findSdkDownloadedCli, findTemporalCli } from './temporal-tools';

/** Where the process's Temporal is. */
export interface TemporalTarget {
  address: string;
  /** The Web UI for links (the dev server's when `joiner start` runs one). */
  uiUrl: string;
}

/**
 * TEMPORAL_ADDRESS when set; else a Temporal dev server started here (the real server on SQLite, with the Web UI on
 * TEMPORAL_UI_PORT) from the Temporal CLI (TEMPORAL_CLI_PATH, PATH, `npm run setup:temporal`'s install, or the SDK's
 * download), its database in DATA_DIR/temporal so workflows survive a restart. It is stopped last but the store, after
 * the worker and the clients (closers run in reverse).
 */
export async function resolveTemporal(
  config: JoinerConfig,
  logger: Logger,
  closers: Closer[],
): Promise<TemporalTarget> {
  if (config.TEMPORAL_ADDRESS !== undefined) return { address: config.TEMPORAL_ADDRESS, uiUrl: config.TEMPORAL_UI_URL };
  const cli = findTemporalCli() ?? findSdkDownloadedCli();
  if (cli === undefined) {
    throw new Error(
      'no Temporal server: set TEMPORAL_ADDRESS to a Temporal frontend (host:port), or install the Temporal CLI ' +
        '(`npm run setup:temporal`, or `temporal` on PATH or named by TEMPORAL_CLI_PATH), or let the Temporal SDK ' +
        'download it once on a machine with internet (its TestWorkflowEnvironment.createLocal() caches it in the ' +
        'temp directory)',
    );
  }
  const dir = path.resolve(config.DATA_DIR, 'temporal');
  const dbFile = path.join(dir, 'temporal.db');
  const record = path.join(dir, 'dev-server.json');
  // A `joiner start` killed with kill -9 leaves its dev server running, holding the database: stop that one first.
  if (await stopOrphanedDevServer(record)) logger.warn({ dbFile }, 'stopped the Temporal dev server of a killed run');
  const server = await startTemporalDevServer({
    cli: cli.path,
    dbFile,
    uiPort: config.TEMPORAL_UI_PORT,
    namespaces: config.TEMPORAL_NAMESPACE === 'default' ? [] : [config.TEMPORAL_NAMESPACE],
  });
  await recordDevServer(record, server, dbFile);
  closers.push({
    what: 'the Temporal dev server',
    close: async () => {
      await server.stop();
      await rm(record, { force: true });
    },
  });
  const uiUrl = config.TEMPORAL_UI_URL;
  logger.info(
    { address: server.address, uiUrl, dbFile, cli: cli.path, source: cli.source },
    `Temporal dev server running; its Web UI: ${uiUrl}`,
  );
  return { address: server.address, uiUrl };
}

/** A Temporal client connected before it is returned (the worker's, its anti-entropy guard's and activities'). */
async function connectClient(config: JoinerConfig, address: string, closers: Closer[]): Promise<Client> {
  const connection = await Connection.connect({ address });
  closers.push({ what: 'the Temporal client connection', close: () => connection.close() });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

/**
 * The API's Temporal client, which connects at its first call: the API accepts webhooks into the outbox whether
 * Temporal answers or not (its relay delivers them once it does; /readyz says whether it does), so neither its
 * start nor a restart after a crash waits for Temporal.
 */
export function lazyClient(config: JoinerConfig, address: string, closers: Closer[]): Client {
  const connection = Connection.lazy({ address });
  closers.push({ what: 'the Temporal client connection', close: () => connection.close() });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

/** What a process that runs the worker needs of Temporal. */
export interface WorkerTemporal {
  client: Client;
  /** The workers' connection (the SDK's native one). */
  native: NativeConnection;
}

/** A client and the workers' connection, with Joiner's search attributes registered on the namespace. */
export async function connectWorkerTemporal(
  config: JoinerConfig,
  address: string,
  logger: Logger,
  closers: Closer[],
): Promise<WorkerTemporal> {
  const client = await connectClient(config, address, closers);
  // Loaded here, not at the top: `joiner api` has no worker, and a restarted API should not wait for its modules.
  const { NativeConnection } = await import('@temporalio/worker');
  const native = await NativeConnection.connect({ address });
  closers.push({ what: 'the Temporal worker connection', close: () => native.close() });
  await ensureSearchAttributes({ connection: client.connection, namespace: config.TEMPORAL_NAMESPACE }, logger);
  return { client, native };
}
