/**
 * The servers a benchmark measures against, each a process of its own: a throwaway PostgreSQL cluster and Temporal's
 * dev server. Both are stopped when the benchmark exits, however it exits.
 */
import { Client } from 'pg';
import { startTemporalDevServer } from '../../cli/temporal-dev-server';
import { findTemporalCli } from '../../cli/temporal-tools';
import { findPostgresBinDir, startPostgresCluster, stopPostgresCluster } from '../../test/helpers/postgres-cluster';
import { killOnExit } from './processes';

export interface BenchPostgres {
  /** URL of the `joiner` database (empty: Joiner migrates it when it opens it). */
  url: string;
  /** The server's own URL (superuser, database `postgres`). */
  serverUrl: string;
  stop(): Promise<void>;
}

/**
 * A throwaway cluster with a `joiner` database. The cluster runs with fsync off (test/helpers/postgres-cluster.ts);
 * the database commits synchronously, so a 202 still waits for its commit as it would in a deployment.
 */
export async function startPostgres(): Promise<BenchPostgres> {
  const binDir = findPostgresBinDir();
  if (binDir === undefined) throw new Error('PostgreSQL is not installed (initdb and pg_ctl; set PG_BIN)');
  const cluster = await startPostgresCluster(binDir);
  const client = new Client({ connectionString: cluster.url });
  await client.connect();
  try {
    await client.query('create database joiner');
    await client.query('alter database joiner set synchronous_commit = on');
  } finally {
    await client.end();
  }
  const url = new URL(cluster.url);
  url.pathname = '/joiner';
  return { url: url.toString(), serverUrl: cluster.url, stop: () => stopPostgresCluster(cluster) };
}

export interface BenchTemporal {
  address: string;
  stop(): Promise<void>;
}

/** Temporal's dev server (the real server, in memory), headless. */
export async function startTemporal(): Promise<BenchTemporal> {
  const cli = findTemporalCli();
  if (cli === undefined) throw new Error('the Temporal CLI is not installed (npm run setup:temporal)');
  const server = await startTemporalDevServer({ cli: cli.path });
  const guard = killOnExit(server.child.pid!);
  return {
    address: server.address,
    async stop() {
      await server.stop();
      guard.release();
    },
  };
}
