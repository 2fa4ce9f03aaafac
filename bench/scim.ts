/**
 * SCIM endpoint throughput (docs/benchmarks.md): Joiner's API (`joiner api`, its own process) over 100,000 SCIM users
 * (10,000 with --quick) on a throwaway PostgreSQL cluster, with autocannon in another process at 32 connections:
 * `GET /scim/v2/Users?filter=userName eq "…"` (a different userName each request) and PATCH (replace title). The anchor
 * is a bare Koa + pg server doing the same indexed lookup (bench/anchor-server.ts), measured in the same run. Then the
 * same on PGlite (`joiner api` on DATA_DIR). PATCH signals each account workflow on the Temporal dev server, as in a
 * deployment (no worker runs them).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScimUrn } from '../domain/scim/constants';
import { finaliseUser, userKeys } from '../domain/scim/user';
import { createAccessToken } from '../store/access-tokens';
import { ensureDefaultCompany } from '../store/companies';
import { openDatabase, type Database, type DatabaseOptions } from '../store/db';
import { scimUsers } from '../store/schema';
import { assertAllOk, runLoad, type LoadRequest, type LoadResult } from './lib/load';
import { freePort, spawnChild, tsxCommand, waitForHttp } from '../test/deployment/processes';
import { runBenchmark, type BenchContext } from './lib/result';
import { startJoinerApi, startPostgres, startTemporal } from '../test/deployment/rig';

const connections = 32;

interface Seeded {
  ids: string[];
  token: string;
}

async function seed(options: DatabaseOptions, users: number): Promise<Seeded> {
  const database: Database = await openDatabase(options);
  try {
    const { db } = database;
    await ensureDefaultCompany(db);
    const ids: string[] = [];
    for (let start = 0; start < users; start += 1000) {
      const rows = [];
      for (let i = start; i < Math.min(start + 1000, users); i++) {
        const data = finaliseUser({
          schemas: [ScimUrn.User, ScimUrn.EnterpriseUser],
          userName: `user${i}@contoso.com`,
          externalId: randomUUID(),
          active: true,
          displayName: `User ${i}`,
          emails: [{ primary: true, type: 'work', value: `user${i}@contoso.com` }],
          name: { givenName: 'User', familyName: String(i) },
          title: 'Engineer',
          phoneNumbers: [{ type: 'work', value: '+46701234567' }],
          [ScimUrn.EnterpriseUser]: { department: 'R&D', costCenter: 'CC-1', organization: 'Contoso AB' },
        });
        const keys = userKeys(data, {});
        rows.push({ companyId: 'default', resource: data, ...keys, phoneNumbersE164: keys.phoneNumbers });
      }
      const inserted = await db.insert(scimUsers).values(rows).returning({ id: scimUsers.id });
      ids.push(...inserted.map((r) => r.id));
    }
    await db.execute('analyze scim_users');
    const { token } = await createAccessToken(db, { companyId: 'default', name: 'bench' });
    return { ids, token };
  } finally {
    await database.close();
  }
}

/** A random order of the users, the same for every run of a size (so runs compare). */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let state = 42;
  for (let i = n - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

const getRequests = (order: number[]): LoadRequest[] =>
  order.map((i) => ({
    method: 'GET',
    // Entra sends the userName in whatever case it holds: the lookup is case-insensitive.
    path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "USER${i}@contoso.com"`)}`,
  }));

const patchRequests = (order: number[], ids: string[]): LoadRequest[] =>
  order.map((i, n) => ({
    method: 'PATCH',
    path: `/scim/v2/Users/${ids[i]!}`,
    headers: { 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: [ScimUrn.PatchOp],
      Operations: [{ op: 'Replace', path: 'title', value: `Engineer ${n}` }],
    }),
  }));

interface Timing {
  durationSeconds: number;
  warmupSeconds: number;
}

async function load(what: string, url: string, requests: LoadRequest[], timing: Timing, token?: string) {
  const result = await runLoad({
    url,
    connections,
    ...timing,
    requests,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  assertAllOk(what, result);
  return result;
}

function latencyRows(context: BenchContext, what: string, result: LoadResult, p99Below?: number) {
  context.row({ what: `${what} p50`, value: result.p50Ms, unit: 'ms' });
  context.row({
    what: `${what} p99`,
    value: result.p99Ms,
    unit: 'ms',
    ...(p99Below !== undefined ? { target: { below: p99Below } } : {}),
  });
}

runBenchmark('scim', async (context) => {
  const { quick } = context;
  const users = quick ? 10_000 : 100_000;
  const timing: Timing = quick ? { durationSeconds: 3, warmupSeconds: 1 } : { durationSeconds: 15, warmupSeconds: 3 };
  const order = shuffled(users);
  const [postgres, temporal] = await Promise.all([startPostgres(), startTemporal()]);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'joiner-bench-scim-'));
  try {
    const env = { TEMPORAL_ADDRESS: temporal.address, DATA_DIR: dataDir };
    const pg = await seed({ kind: 'postgres', url: postgres.url }, users);
    const anchorPort = await freePort();
    const anchor = spawnChild('anchor', tsxCommand('bench/anchor-server.ts'), {
      env: { DATABASE_URL: postgres.url, PORT: String(anchorPort) },
    });
    const anchorUrl = `http://127.0.0.1:${anchorPort}`;
    await waitForHttp(`${anchorUrl}/?userName=user0@contoso.com`, anchor);
    const anchorGet = await load(
      'anchor GET',
      anchorUrl,
      order.map((i) => ({ method: 'GET', path: `/?userName=USER${i}%40contoso.com` })),
      timing,
    );
    await anchor.stop();
    context.row({
      what: `anchor: bare Koa + pg lookup, ${users} users`,
      value: anchorGet.requestsPerSecond,
      unit: 'req/s',
    });
    latencyRows(context, 'anchor', anchorGet);

    const api = await startJoinerApi({ ...env, DATABASE_URL: postgres.url });
    const get = await load('GET (PostgreSQL)', api.url, getRequests(order), timing, pg.token);
    context.row({ what: `GET by userName, PostgreSQL, ${users} users`, value: get.requestsPerSecond, unit: 'req/s' });
    context.row({
      what: 'GET by userName, PostgreSQL, share of the anchor',
      value: get.requestsPerSecond / anchorGet.requestsPerSecond,
      unit: '× anchor',
      target: { atLeast: 0.5 },
      anchor: anchorGet.requestsPerSecond,
    });
    latencyRows(context, 'GET by userName, PostgreSQL,', get, 25);
    const patch = await load('PATCH (PostgreSQL)', api.url, patchRequests(order, pg.ids), timing, pg.token);
    context.row({
      what: 'PATCH, PostgreSQL',
      value: patch.requestsPerSecond,
      unit: 'req/s',
      target: { atLeast: 1000 },
    });
    latencyRows(context, 'PATCH, PostgreSQL,', patch, 50);
    await api.child.stop();

    const lite = await seed({ kind: 'pglite', dataDir: path.resolve(dataDir) }, users);
    const liteApi = await startJoinerApi(env);
    const liteGet = await load('GET (PGlite)', liteApi.url, getRequests(order), timing, lite.token);
    context.row({ what: `GET by userName, PGlite, ${users} users`, value: liteGet.requestsPerSecond, unit: 'req/s' });
    latencyRows(context, 'GET by userName, PGlite,', liteGet);
    const litePatch = await load('PATCH (PGlite)', liteApi.url, patchRequests(order, lite.ids), timing, lite.token);
    context.row({ what: 'PATCH, PGlite', value: litePatch.requestsPerSecond, unit: 'req/s' });
    latencyRows(context, 'PATCH, PGlite,', litePatch);
    await liteApi.child.stop();
  } finally {
    await Promise.all([postgres.stop(), temporal.stop()]);
    rmSync(dataDir, { recursive: true, force: true });
  }
});
