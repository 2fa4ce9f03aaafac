import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { migrate as migrateNodePg } from 'drizzle-orm/node-postgres/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { Client } from 'pg';
import type { Db } from '../../store/db';
import { migrationsFolder, selectRows } from '../../store/db';
import * as schema from '../../store/schema';
import { dropPostgresDatabase, isPostgresAvailable, testDatabaseEnv } from '../helpers/databases';

/**
 * Migration 0007 moves the SCIM deletes whose account workflow never got them (kept row, delete_delivered_at null)
 * into the account_signals outbox before it drops delete_delivered_at. The rows it reads exist only before 0007, so
 * the test migrates an empty database to 0006, writes them, then applies the rest.
 */

interface Journal {
  entries: { tag: string }[];
}

/**
 * A copy of the migrations folder that ends at `lastTag`. Drizzle's migrator takes a folder and applies all of it; it
 * reads the journal for the list, so a truncated journal stops it there, and a later run over the real folder applies
 * only what follows (it goes by the last applied migration).
 */
async function migrationsFolderUpTo(lastTag: string): Promise<string> {
  const source = migrationsFolder();
  const journal = JSON.parse(await readFile(path.join(source, 'meta', '_journal.json'), 'utf8')) as Journal;
  const last = journal.entries.findIndex((entry) => entry.tag === lastTag);
  if (last < 0) throw new Error(`no migration ${lastTag} in ${source}`);
  const entries = journal.entries.slice(0, last + 1);
  const folder = await mkdtemp(path.join(os.tmpdir(), 'joiner-migrations-'));
  await mkdir(path.join(folder, 'meta'));
  await writeFile(path.join(folder, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries }));
  for (const { tag } of entries) await copyFile(path.join(source, `${tag}.sql`), path.join(folder, `${tag}.sql`));
  return folder;
}

/** An empty database of one backend, with drizzle's migrator for it. */
interface EmptyDatabase {
  db: Db;
  migrate(folder: string): Promise<void>;
  close(): Promise<void>;
}

function emptyPglite(): EmptyDatabase {
  const client = new PGlite();
  const db = drizzlePglite({ client, schema });
  return {
    db,
    migrate: (migrationsFolder) => migratePglite(db, { migrationsFolder }),
    close: () => client.close(),
  };
}

async function emptyPostgres(): Promise<EmptyDatabase> {
  const serverUrl = process.env[testDatabaseEnv.postgresUrl]!;
  const name = `joiner_migration_${process.pid}_${Date.now()}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  const db = drizzleNodePg({ client, schema });
  return {
    db,
    migrate: (migrationsFolder) => migrateNodePg(db, { migrationsFolder }),
    close: async () => {
      await client.end();
      await dropPostgresDatabase(serverUrl, name);
    },
  };
}

const backends = [
  { kind: 'pglite', open: emptyPglite, available: true },
  { kind: 'postgres', open: emptyPostgres, available: isPostgresAvailable() },
];

for (const backend of backends) {
  (backend.available ? describe : describe.skip)(`migration 0007 on ${backend.kind}`, () => {
    let database: EmptyDatabase | undefined;
    let before0007: string | undefined;

    beforeAll(async () => {
      before0007 = await migrationsFolderUpTo('0006_scim_user_delete_delivered');
      database = await backend.open();
    }, 120_000);
    afterAll(async () => {
      await database?.close();
      if (before0007 !== undefined) await rm(before0007, { recursive: true, force: true });
    });

    it('moves the one kept delete its workflow never got into the outbox, dated from the delete', async () => {
      const { db, migrate } = database!;
      await migrate(before0007!);
      // A server whose time zone is not UTC: the signal's time must still be the delete's instant, in UTC.
      await db.execute(sql`set time zone 'Europe/Stockholm'`);
      await db.execute(sql`
        insert into companies (id, name, policies)
        values ('co_migration', 'Contoso AB', '{"scimDeletedUserRetentionDays": 30}')`);
      await db.execute(sql`
        insert into scim_users
          (id, company_id, user_name, external_id, active, resource, employee_id, version, deleted_at,
           delete_delivered_at)
        values
          ('6f1c2a60-0000-4000-8000-000000000001', 'co_migration', 'ada@contoso.com', 'ext-ada', false, '{}',
           'emp_ada', 3, '2026-11-30 08:15:42.123456+00', null),
          ('6f1c2a60-0000-4000-8000-000000000002', 'co_migration', 'grace@contoso.com', 'ext-grace', false, '{}',
           null, 5, '2026-11-29 10:00:00+00', '2026-11-29 10:00:01+00'),
          ('6f1c2a60-0000-4000-8000-000000000003', 'co_migration', 'alan@contoso.com', null, true, '{}',
           null, 2, null, null)`);

      await migrate(migrationsFolder());

      const signals = await selectRows<{
        company_id: string;
        kind: string;
        scim_user_id: string;
        employee_id: string | null;
        payload: Record<string, unknown>;
        delivery_attempts: number;
      }>(db, sql`select company_id, kind, scim_user_id, employee_id, payload, delivery_attempts from account_signals`);
      expect(signals).toEqual([
        {
          company_id: 'co_migration',
          kind: 'accountChanged',
          scim_user_id: '6f1c2a60-0000-4000-8000-000000000001',
          employee_id: null,
          // What the SCIM delete would have signalled (api/scim/user-writes.ts): the delete's time as
          // Date#toISOString writes it, the version after the row's, the company's retention.
          payload: {
            change: 'deleted',
            at: '2026-11-30T08:15:42.123Z',
            version: 4,
            userName: 'ada@contoso.com',
            active: false,
            externalId: 'ext-ada',
            employeeId: 'emp_ada',
            retentionDays: 30,
          },
          delivery_attempts: 0,
        },
      ]);
      const users = await selectRows<{ user_name: string }>(
        db,
        sql`select user_name from scim_users order by user_name`,
      );
      expect(users.map((user) => user.user_name)).toEqual(['ada@contoso.com', 'alan@contoso.com', 'grace@contoso.com']);
    });
  });
}
