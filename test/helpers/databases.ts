/**
 * Test databases on both backends. Each test file gets its own database: on PostgreSQL a `CREATE DATABASE … TEMPLATE`
 * copy of a migrated template (made once per run by `global-setup.ts`), on PGlite an in-memory instance loaded from a
 * migrated data-dir tarball (made once per schema and cached in the temp dir).
 *
 * ```ts
 * describeEachDatabase('employees', (getDb) => {
 *   it('finds an employee by work email', async () => { const db = getDb(); … });
 * });
 * ```
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import type { Db } from '../../store/db';
import { migrationsFolder, openDatabase } from '../../store/db';

/** The two backends Joiner supports. */
export const TestDatabaseKind = { Pglite: 'pglite', Postgres: 'postgres' } as const;
export type TestDatabaseKind = (typeof TestDatabaseKind)[keyof typeof TestDatabaseKind];

/** Environment the global setup hands to test workers. */
export const testDatabaseEnv = {
  /** Superuser (or CREATEDB) URL of the PostgreSQL server for this run; unset when PostgreSQL tests are skipped. */
  postgresUrl: 'JOINER_TEST_POSTGRES_URL',
  /** Name of the migrated template database on that server. */
  postgresTemplate: 'JOINER_TEST_POSTGRES_TEMPLATE',
} as const;

/** A database for one test file. `close()` releases it (and drops it on PostgreSQL). */
export interface TestDatabase {
  kind: TestDatabaseKind;
  db: Db;
  /** Milliseconds `createTestDatabase` took. */
  openMs: number;
  close(): Promise<void>;
}

/** True when the global setup provided a PostgreSQL server for this run. */
export function isPostgresAvailable(): boolean {
  return (process.env[testDatabaseEnv.postgresUrl] ?? '') !== '';
}

/** The backends tests run on in this run: PGlite always, PostgreSQL when available. */
export function availableDatabaseKinds(): TestDatabaseKind[] {
  return isPostgresAvailable() ? ['pglite', 'postgres'] : ['pglite'];
}

/** Identifies the schema: a template made from other migrations must not be reused. */
function schemaFingerprint(): string {
  const folder = migrationsFolder();
  const hash = createHash('sha256');
  // The package exports no package.json; its entry point is dist/index.cjs.
  hash.update(readFileSync(path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json')));
  for (const file of readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    hash.update(file).update(readFileSync(path.join(folder, file)));
  }
  hash.update(readFileSync(path.join(folder, 'meta', '_journal.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Path of a PGlite data-dir tarball with all migrations applied, creating it when missing. Creating costs a cold
 * PGlite start (seconds); it is cached in the temp dir by schema, so runs after the first only read the file.
 */
export async function ensurePgliteTemplate(): Promise<string> {
  const dir = path.join(os.tmpdir(), 'joiner-test-cache');
  const file = path.join(dir, `pglite-${schemaFingerprint()}.tar`);
  if (existsSync(file)) return file;
  await mkdir(dir, { recursive: true });
  const database = await openDatabase({ kind: 'pglite-memory' });
  try {
    const dump = await database.pglite!.dumpDataDir('none');
    // Written under a unique name and renamed: concurrent runs each write a whole file, never a torn one.
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(partial, Buffer.from(await dump.arrayBuffer()));
    await rename(partial, file);
  } finally {
    await database.close();
  }
  return file;
}

let pgliteTemplate: Promise<Blob> | undefined;

async function loadPgliteTemplate(): Promise<Blob> {
  pgliteTemplate ??= ensurePgliteTemplate().then(async (file) => new Blob([await readFile(file)]));
  return pgliteTemplate;
}

function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdminClient<T>(serverUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates the migrated template database on a PostgreSQL server (global setup) and returns its name.
 */
export async function createPostgresTemplate(serverUrl: string): Promise<string> {
  const name = `joiner_template_${process.pid}_${randomBytes(3).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`create database "${name}"`));
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(serverUrl, name), maxConnections: 1 });
  await database.close();
  return name;
}

/** Drops a database made by this harness, even if connections are left open. */
export async function dropPostgresDatabase(serverUrl: string, name: string): Promise<void> {
  await withAdminClient(serverUrl, (client) => client.query(`drop database if exists "${name}" with (force)`));
}

/**
 * A fresh, migrated database of the given kind, for one test file (or one test that needs an empty database).
 * @throws Error when `postgres` is asked for and the run has no PostgreSQL (see {@link isPostgresAvailable})
 */
export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  const started = performance.now();
  if (kind === 'pglite') {
    const database = await openDatabase({ kind: 'pglite-memory', loadDataDir: await loadPgliteTemplate() });
    return { kind, db: database.db, openMs: performance.now() - started, close: () => database.close() };
  }
  const serverUrl = process.env[testDatabaseEnv.postgresUrl];
  const template = process.env[testDatabaseEnv.postgresTemplate];
  if (!serverUrl || !template) throw new Error('no PostgreSQL in this test run (see test/helpers/global-setup.ts)');
  const name = `joiner_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`create database "${name}" template "${template}"`));
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(serverUrl, name), maxConnections: 4 });
  return {
    kind,
    db: database.db,
    openMs: performance.now() - started,
    close: async () => {
      await database.close();
      await dropPostgresDatabase(serverUrl, name);
    },
  };
}

/**
 * Declares the same suite once per available backend (`<name> on pglite`, `<name> on postgres`), each with its own
 * database for the whole block. Tests in a block share that database: give each test its own company or ids.
 * Without PostgreSQL the postgres block is skipped (the global setup says so once; with CI=true it fails the run).
 */
export function describeEachDatabase(name: string, suite: (getDb: () => Db, kind: TestDatabaseKind) => void): void {
  for (const kind of Object.values(TestDatabaseKind)) {
    const declare = kind === 'postgres' && !isPostgresAvailable() ? describe.skip : describe;
    declare(`${name} on ${kind}`, () => {
      let database: TestDatabase | undefined;
      beforeAll(async () => {
        database = await createTestDatabase(kind);
      }, 120_000);
      afterAll(async () => {
        await database?.close();
      });
      suite(() => {
        if (database === undefined) throw new Error(`the ${kind} test database is not open (did beforeAll fail?)`);
        return database.db;
      }, kind);
    });
  }
}
