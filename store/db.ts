import { existsSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { ExtractTablesWithRelations, SQLWrapper } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { Pool } from 'pg';
import { lockDataDir } from './data-dir-lock';
import * as schema from './schema';

export type Schema = typeof schema;

/**
 * A database handle, the same type on PostgreSQL (node-postgres) and on embedded PGlite. A transaction handle is a
 * `Db` too, so every repository function also runs inside a caller's transaction.
 *
 * Inside `db.transaction(async (tx) => …)` use `tx` only: PGlite serves one query at a time, and a query on `db`
 * while its transaction is open waits forever.
 */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

/** The handle passed to `db.transaction` callbacks. */
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/**
 * Runs raw SQL and returns its rows. `db.execute` is untyped on {@link Db} because node-postgres and PGlite shape
 * their results differently in the types; both carry `rows` at run time. Prefer the query builder; use this for SQL
 * it cannot express.
 */
export async function selectRows<Row extends Record<string, unknown>>(db: Db, query: SQLWrapper): Promise<Row[]> {
  const result: unknown = await db.execute<Row>(query);
  return (result as { rows: Row[] }).rows;
}

/** Where the data lives. */
export type DatabaseOptions =
  /** A PostgreSQL server (DATABASE_URL); many processes may share it. */
  | { kind: 'postgres'; url: string; maxConnections?: number; onIdleClientError?: (err: Error) => void }
  /** Embedded PGlite in `dataDir` (DATA_DIR), locked to this process while open. */
  | {
      kind: 'pglite';
      dataDir: string;
      /**
       * Called if the lock file is taken away (deleted or rewritten by someone else) while the database is open.
       * Default: throw, which ends the process: two writers would corrupt the data.
       */
      onLockCompromised?: (err: Error) => void;
    }
  /** Embedded PGlite in memory, optionally started from a `dumpDataDir()` tarball (tests, demos). Lost at close. */
  | { kind: 'pglite-memory'; loadDataDir?: Blob };

export type DatabaseKind = DatabaseOptions['kind'];

/** An open database. `close()` is idempotent; after it the data-dir lock (if any) is released. */
export interface Database {
  readonly kind: DatabaseKind;
  readonly db: Db;
  /** The embedded engine (PGlite kinds only), for maintenance such as `dumpDataDir()`. */
  readonly pglite?: PGlite;
  close(): Promise<void>;
}

/** Chooses the backend from the configuration (docs/configuration.md): PostgreSQL when DATABASE_URL is set, else PGlite. */
export function databaseOptionsFromConfig(config: {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
}): DatabaseOptions {
  return config.DATABASE_URL === undefined
    ? { kind: 'pglite', dataDir: path.resolve(config.DATA_DIR) }
    : { kind: 'postgres', url: config.DATABASE_URL };
}

/** Subdirectory of DATA_DIR holding PGlite's files (DATA_DIR also holds the lock file). */
export const pgliteSubdir = 'pgdata';

/**
 * The committed SQL migrations. From source (`store/db.ts`) they sit beside this file; from the build
 * (`dist/store/db.js`) they are two levels up, since tsc copies no SQL.
 */
export function migrationsFolder(): string {
  const candidates = [path.join(__dirname, 'migrations'), path.join(__dirname, '..', '..', 'store', 'migrations')];
  const found = candidates.find((dir) => existsSync(path.join(dir, 'meta', '_journal.json')));
  if (found === undefined) throw new Error(`store migrations not found (looked in ${candidates.join(', ')})`);
  return found;
}

/**
 * Thrown when a database cannot be opened or migrated; the message names which database (a PostgreSQL URL without
 * its password, or the data directory) and the reason.
 */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
  constructor(
    readonly target: string,
    cause: unknown,
  ) {
    super(`could not open the database (${target}): ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}

/** A connection URL fit for messages and logs: the password is replaced. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'an unparsable DATABASE_URL';
  }
}

/** Arbitrary constant: the PostgreSQL advisory lock that serialises migrations of processes starting together. */
const migrationLockKey = 0x6a6f696e6572;

/**
 * Opens the database and applies pending migrations (idempotent: applied ones are skipped).
 * @throws DataDirLockedError (PGlite on disk) when another process has the data directory open
 * @throws DatabaseOpenError when the server cannot be reached, the data cannot be read, or a migration fails
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  switch (options.kind) {
    case 'postgres':
      return openPostgres(options.url, options.maxConnections ?? 10, options.onIdleClientError).catch((err) => {
        throw new DatabaseOpenError(`PostgreSQL at ${redactDatabaseUrl(options.url)}`, err);
      });
    case 'pglite': {
      const release = await lockDataDir(
        options.dataDir,
        options.onLockCompromised ??
          ((err) => {
            throw err;
          }),
      );
      try {
        return await openPglite(new PGlite(path.join(options.dataDir, pgliteSubdir)), 'pglite', release);
      } catch (err) {
        await release();
        throw new DatabaseOpenError(`embedded PGlite in ${options.dataDir}`, err);
      }
    }
    case 'pglite-memory':
      return openPglite(
        options.loadDataDir === undefined ? new PGlite() : new PGlite({ loadDataDir: options.loadDataDir }),
        'pglite-memory',
        async () => {},
      );
  }
}

async function openPostgres(
  url: string,
  maxConnections: number,
  onIdleClientError: ((err: Error) => void) | undefined,
): Promise<Database> {
  const pool = new Pool({ connectionString: url, max: maxConnections, application_name: 'joiner' });
  // An idle client that loses its server emits here; the pool drops it and later queries reconnect. Unhandled, the
  // event would crash the process.
  pool.on('error', onIdleClientError ?? (() => {}));
  try {
    const client = await pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [migrationLockKey]);
      try {
        await migrateNodePg(drizzleNodePg({ client, schema }), { migrationsFolder: migrationsFolder() });
      } finally {
        await client.query('select pg_advisory_unlock($1)', [migrationLockKey]);
      }
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end();
    throw err;
  }
  const db = drizzleNodePg({ client: pool, schema });
  return { kind: 'postgres', db, close: once(() => pool.end()) };
}

async function openPglite(client: PGlite, kind: 'pglite' | 'pglite-memory', release: () => Promise<void>) {
  const db = drizzlePglite({ client, schema });
  try {
    await migratePglite(db, { migrationsFolder: migrationsFolder() });
  } catch (err) {
    // A PGlite that failed to start may fail to close too; the first error is the one to report.
    await client.close().catch(() => undefined);
    throw err;
  }
  const database: Database = {
    kind,
    db,
    pglite: client,
    close: once(async () => {
      try {
        await client.close();
      } finally {
        await release();
      }
    }),
  };
  return database;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let closing: Promise<void> | undefined;
  return () => (closing ??= fn());
}
