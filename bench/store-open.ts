/**
 * Measures what opening a database costs on each backend, and what the test harness pays per test file.
 * Run: `npx tsx bench/store-open.ts` (as root or a user that can run PostgreSQL's initdb; PostgreSQL optional).
 * Results are recorded in bench/store-open.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../store/db';
import {
  createPostgresTemplate,
  createTestDatabase,
  ensurePgliteTemplate,
  testDatabaseEnv,
} from '../test/helpers/databases';
import { findPostgresBinDir, startPostgresCluster, stopPostgresCluster } from '../test/helpers/postgres-cluster';
import { machineLine } from './lib/machine';

const rounds = 3;

async function time(label: string, fn: () => Promise<void>): Promise<void> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    await fn();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  const format = (ms: number) => `${Math.round(ms)} ms`;
  console.log(
    `${label.padEnd(58)} median ${format(samples[Math.floor(rounds / 2)]!)}  (min ${format(samples[0]!)}, max ${format(samples.at(-1)!)})`,
  );
}

async function main(): Promise<void> {
  console.log(machineLine());
  const root = await mkdtemp(path.join(os.tmpdir(), 'joiner-bench-'));
  try {
    let n = 0;
    const reopenDir = path.join(root, 'reopen');
    await (await openDatabase({ kind: 'pglite', dataDir: reopenDir })).close();
    await time('PGlite on disk, new data dir (initdb + migrations)', async () => {
      await (await openDatabase({ kind: 'pglite', dataDir: path.join(root, `cold-${n++}`) })).close();
    });
    await time('PGlite on disk, existing data dir (reopen)', async () => {
      await (await openDatabase({ kind: 'pglite', dataDir: reopenDir })).close();
    });
    await time('PGlite in memory, fresh (initdb + migrations)', async () => {
      await (await openDatabase({ kind: 'pglite-memory' })).close();
    });
    await ensurePgliteTemplate();
    await time('test database: PGlite in memory from the migrated tarball', async () => {
      await (await createTestDatabase('pglite')).close();
    });

    const binDir = findPostgresBinDir();
    if (binDir === undefined) {
      console.log('PostgreSQL: not installed, skipped');
      return;
    }
    const cluster = await startPostgresCluster(binDir);
    console.log(`${'PostgreSQL throwaway cluster: initdb + start'.padEnd(58)} ${Math.round(cluster.startMs)} ms`);
    try {
      const started = performance.now();
      const template = await createPostgresTemplate(cluster.url);
      console.log(
        `${'PostgreSQL: migrated template database'.padEnd(58)} ${Math.round(performance.now() - started)} ms`,
      );
      process.env[testDatabaseEnv.postgresUrl] = cluster.url;
      process.env[testDatabaseEnv.postgresTemplate] = template;
      await time('test database: PostgreSQL CREATE DATABASE … TEMPLATE + open', async () => {
        await (await createTestDatabase('postgres')).close();
      });
    } finally {
      const stopping = performance.now();
      await stopPostgresCluster(cluster);
      console.log(
        `${'PostgreSQL throwaway cluster: stop + delete'.padEnd(58)} ${Math.round(performance.now() - stopping)} ms`,
      );
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
