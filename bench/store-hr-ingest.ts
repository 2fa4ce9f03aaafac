/**
 * Measures how many HR events per second `acceptHrEvent` stores (the database share of the webhook ingest target of
 * target, docs/benchmarks.md: ≥ 500 events/s), sequentially and with concurrent requests, on each backend.
 * Run: `npx tsx bench/store-hr-ingest.ts`. Results are recorded in bench/store-hr-ingest.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HrEmployee } from '../domain/hr-employee';
import { ensureDefaultCompany } from '../store/companies';
import type { Database } from '../store/db';
import { openDatabase } from '../store/db';
import { acceptHrEvent } from '../store/hr-events';
import { createPostgresTemplate, createTestDatabase, testDatabaseEnv } from '../test/helpers/databases';
import { findPostgresBinDir, startPostgresCluster, stopPostgresCluster } from '../test/helpers/postgres-cluster';
import { hrEmployee } from '../test/store/fixtures';
import { machineLine } from './lib/machine';

const events = 2000;
const employeesCount = 500;

/** The snapshot of event `i`: one of `employeesCount` employees, a name that changes with every event. */
function employee(i: number): HrEmployee {
  return hrEmployee({
    id: `emp_${i % employeesCount}`,
    version: i,
    lastName: `Lovelace ${i}`,
    workEmail: `ada${i % employeesCount}@contoso.com`,
  });
}

async function ingest(label: string, database: Database, concurrency: number): Promise<void> {
  const { db } = database;
  await ensureDefaultCompany(db);
  const run = `${label}-${concurrency}-${Date.now()}`;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < events; i = next++) {
        await acceptHrEvent(db, {
          companyId: 'default',
          eventId: `${run}-${i}`,
          type: 'employee.updated',
          occurredAt: new Date(),
          employee: employee(1_000_000 * concurrency + i),
        });
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`${`${label}, concurrency ${concurrency}`.padEnd(40)} ${Math.round(events / seconds)} events/s`);
}

async function main(): Promise<void> {
  console.log(machineLine());
  const dir = await mkdtemp(path.join(os.tmpdir(), 'joiner-bench-'));
  try {
    const onDisk = await openDatabase({ kind: 'pglite', dataDir: dir });
    try {
      for (const concurrency of [1, 16]) await ingest('PGlite on disk', onDisk, concurrency);
    } finally {
      await onDisk.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const binDir = findPostgresBinDir();
  if (binDir === undefined) {
    console.log('PostgreSQL: not installed, skipped');
    return;
  }
  const cluster = await startPostgresCluster(binDir);
  try {
    process.env[testDatabaseEnv.postgresUrl] = cluster.url;
    process.env[testDatabaseEnv.postgresTemplate] = await createPostgresTemplate(cluster.url);
    const database = await createTestDatabase('postgres');
    try {
      for (const concurrency of [1, 16]) await ingest('PostgreSQL (fsync off)', database, concurrency);
    } finally {
      await database.close();
    }
  } finally {
    await stopPostgresCluster(cluster);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
