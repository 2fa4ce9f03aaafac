import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { Client } from 'pg';
import { companies } from '../../store/schema';
import { errorMessageWithoutData, isUniqueViolation } from '../../store/pg-errors';
import { defaultCompanyPolicies } from '../../domain/policies';
import { describeEachDatabase, isPostgresAvailable, testDatabaseEnv } from '../helpers/databases';
import {
  DatabaseOpenError,
  databaseOptionsFromConfig,
  migrationsFolder,
  openDatabase,
  pgliteSubdir,
  selectRows,
} from '../../store/db';

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (err: unknown) => err,
  );
}

/** A port nothing listens on (taken and released at once). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describeEachDatabase('an opened database', (getDb) => {
  it('has every table of the schema after opening', async () => {
    const rows = await selectRows<{ table_name: string }>(
      getDb(),
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual([
      'access_tokens',
      'account_signals',
      'companies',
      'console_sessions',
      'employees',
      'graph_write_pauses',
      'graph_write_reservations',
      'scim_group_members',
      'scim_groups',
      'scim_users',
      'webhook_events',
    ]);
  });

  it('reports a duplicate primary key as a unique violation naming its constraint', async () => {
    const db = getDb();
    const row = { id: 'dup', name: 'Dup', policies: defaultCompanyPolicies };
    await db.insert(companies).values(row);
    const error = await db
      .insert(companies)
      .values(row)
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(isUniqueViolation(error)).toBe(true);
    expect(isUniqueViolation(error, 'companies_pkey')).toBe(true);
    expect(isUniqueViolation(error, 'another_constraint')).toBe(false);
  });

  it('describes a refused write by its SQLSTATE and names only, never the values it was given', async () => {
    const db = getDb();
    const personal = 'Ada Lovelace <ada@contoso.com>';
    await db.insert(companies).values({ id: 'pii', name: personal, policies: defaultCompanyPolicies });
    const duplicate = await failure(
      db.insert(companies).values({ id: 'pii', name: personal, policies: defaultCompanyPolicies }),
    );
    // drizzle's own message lists the statement's parameters: this is what must not reach a log or a stored row.
    expect((duplicate as Error).message).toContain(personal);
    expect(errorMessageWithoutData(duplicate)).toMatch(/^database error 23505 .*\(companies_pkey\)/);
    expect(errorMessageWithoutData(duplicate)).not.toContain('ada@contoso.com');

    const unstorable = await failure(
      db.insert(companies).values({ id: 'nul', name: `${personal}\u0000`, policies: defaultCompanyPolicies }),
    );
    expect(errorMessageWithoutData(unstorable)).toMatch(/^database error [0-9A-Z]{5}/);
    expect(errorMessageWithoutData(unstorable)).not.toContain('ada@contoso.com');
  });
});

describe('opening a database', () => {
  it('chooses PostgreSQL when DATABASE_URL is set and PGlite in DATA_DIR otherwise', () => {
    expect(databaseOptionsFromConfig({ DATABASE_URL: 'postgres://db/joiner', DATA_DIR: './.joiner' })).toEqual({
      kind: 'postgres',
      url: 'postgres://db/joiner',
    });
    expect(databaseOptionsFromConfig({ DATABASE_URL: undefined, DATA_DIR: './.joiner' })).toEqual({
      kind: 'pglite',
      dataDir: path.resolve('.joiner'),
    });
  });

  const onPostgres = isPostgresAvailable() ? it : it.skip;

  onPostgres('migrates an empty PostgreSQL database once when several processes start together', async () => {
    const serverUrl = process.env[testDatabaseEnv.postgresUrl]!;
    const name = `joiner_empty_${Date.now()}`;
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    try {
      const opened = await Promise.all(
        [1, 2, 3].map(() => openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 2 })),
      );
      const applied = await selectRows<{ count: number }>(
        opened[0]!.db,
        sql`select count(*)::int as count from drizzle.__drizzle_migrations`,
      );
      await Promise.all(opened.map((database) => database.close()));

      const journal = JSON.parse(readFileSync(path.join(migrationsFolder(), 'meta', '_journal.json'), 'utf8')) as {
        entries: unknown[];
      };
      expect(applied[0]?.count).toBe(journal.entries.length);
    } finally {
      await admin.query(`drop database "${name}" with (force)`);
      await admin.end();
    }
  });

  onPostgres('names the database and the server’s reason when it does not exist, without the password', async () => {
    const url = new URL(process.env[testDatabaseEnv.postgresUrl]!);
    url.pathname = '/no_such_database';
    url.password = 'secret-pw';

    const error = await failure(openDatabase({ kind: 'postgres', url: url.toString() }));

    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect((error as Error).message).toContain(`PostgreSQL at postgres://postgres:***@${url.host}/no_such_database`);
    expect((error as Error).message).toContain('database "no_such_database" does not exist');
    expect((error as Error).message).not.toContain('secret-pw');
  });

  it('names the server when nothing listens there, without the password', async () => {
    const port = await closedPort();

    const error = await failure(
      openDatabase({ kind: 'postgres', url: `postgres://joiner:secret-pw@127.0.0.1:${port}/joiner` }),
    );

    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect((error as Error).message).toContain(`PostgreSQL at postgres://joiner:***@127.0.0.1:${port}/joiner`);
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect((error as Error).message).not.toContain('secret-pw');
  });

  it('names the data directory when the embedded data cannot be read, and leaves it unlocked', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-corrupt-'));
    try {
      await mkdir(path.join(dataDir, pgliteSubdir));
      await writeFile(path.join(dataDir, pgliteSubdir, 'PG_VERSION'), '9\n');

      const first = await failure(openDatabase({ kind: 'pglite', dataDir }));
      const second = await failure(openDatabase({ kind: 'pglite', dataDir }));

      expect(first).toBeInstanceOf(DatabaseOpenError);
      expect((first as Error).message).toContain(`could not open the database (embedded PGlite in ${dataDir})`);
      expect(second).toBeInstanceOf(DatabaseOpenError);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('an error message fit for a log', () => {
  it("keeps the message of an error that is not the database's", () => {
    expect(errorMessageWithoutData(new Error('Temporal unavailable: connect ECONNREFUSED'))).toBe(
      'Temporal unavailable: connect ECONNREFUSED',
    );
    expect(errorMessageWithoutData('a thrown string')).toBe('a thrown string');
  });
});
