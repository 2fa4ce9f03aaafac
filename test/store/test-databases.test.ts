import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { Client } from 'pg';
import { selectRows } from '../../store/db';
import { createTestDatabase, isPostgresAvailable, testDatabaseEnv } from '../helpers/databases';
import globalSetup from '../helpers/global-setup';
import globalTeardown from '../helpers/global-teardown';
import { findPostgresBinDir } from '../helpers/postgres-cluster';

/** Starts a throwaway cluster in another Node process (the harness code compiled on the fly) that then exits at once. */
async function startClusterInProcessThatDies(): Promise<string> {
  const script = `
    const swc = require('@swc/core');
    require.extensions['.ts'] = (module, file) => module._compile(swc.transformFileSync(file, {
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }).code, file);
    const harness = require(${JSON.stringify(path.resolve(__dirname, '../helpers/postgres-cluster.ts'))});
    harness.startPostgresCluster(harness.findPostgresBinDir()).then((cluster) => {
      process.stdout.write(cluster.dir);
      process.exit(0);
    });
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await once(child, 'exit');
  return output.trim();
}

/** Runs `fn` with some environment variables replaced, restoring them (and the harness state) afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(
    [...Object.keys(vars), ...Object.values(testDatabaseEnv)].map((name) => [name, process.env[name]]),
  );
  const savedState = globalThis.joinerTestDatabases;
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    globalThis.joinerTestDatabases = savedState;
  }
}

describe('the test database harness', () => {
  it('gives each test file its own database: a write in one is not seen in another', async () => {
    const first = await createTestDatabase('pglite');
    const second = await createTestDatabase('pglite');
    try {
      await first.db.execute(sql`insert into companies (id, name, policies) values ('only-here', 'x', '{}')`);
      const seen = await selectRows<{ id: string }>(second.db, sql`select id from companies`);
      expect(seen).toEqual([]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('says in one line that PostgreSQL was not tested when no server is found, outside CI', async () => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await withEnv({ PG_BIN: '/nonexistent', TEST_DATABASE_URL: undefined, CI: undefined }, async () => {
        await globalSetup();
        expect(isPostgresAvailable()).toBe(false);
      });
    } finally {
      spy.mockRestore();
    }
    const lines = written.join('').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/PostgreSQL NOT TESTED: no PostgreSQL server binaries found.*Only PGlite is tested/);
  });

  it('fails the run when CI=true and there is no PostgreSQL', async () => {
    await withEnv({ PG_BIN: '/nonexistent', TEST_DATABASE_URL: undefined, CI: 'true' }, async () => {
      await expect(globalSetup()).rejects.toThrow(/PostgreSQL NOT TESTED.*CI=true requires PostgreSQL/);
    });
  });

  const onPostgres = isPostgresAvailable() ? it : it.skip;

  onPostgres('uses TEST_DATABASE_URL when given, and drops its template database at the end', async () => {
    const serverUrl = process.env[testDatabaseEnv.postgresUrl]!;
    const templateExists = async (name: string) => {
      const client = new Client({ connectionString: serverUrl });
      await client.connect();
      try {
        return (await client.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1;
      } finally {
        await client.end();
      }
    };

    const template = await withEnv({ TEST_DATABASE_URL: serverUrl, CI: 'true' }, async () => {
      await globalSetup();
      const name = process.env[testDatabaseEnv.postgresTemplate]!;
      expect(process.env[testDatabaseEnv.postgresUrl]).toBe(serverUrl);
      expect(await templateExists(name)).toBe(true);
      const database = await createTestDatabase('postgres');
      await database.close();
      await globalTeardown();
      return name;
    });

    expect(await templateExists(template)).toBe(false);
  });

  const withServerBinaries = findPostgresBinDir() !== undefined ? it : it.skip;

  withServerBinaries(
    'stops and deletes a cluster whose jest process died without tearing down',
    async () => {
      const dir = await startClusterInProcessThatDies();
      expect(dir).toMatch(/joiner-pg-/);

      const deadline = Date.now() + 20_000;
      while (existsSync(dir) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));

      expect(existsSync(dir)).toBe(false);
      const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
      expect(processes).not.toContain(`-D ${dir}/data`);
    },
    30_000,
  );
});
