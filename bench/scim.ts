/**
 * SCIM endpoint throughput (docs/benchmarks.md): Joiner's API (`joiner api`, its own process) over 100,000 SCIM users
 * (10,000 with --quick) on a throwaway PostgreSQL cluster, with autocannon in another process at 32 connections:
 * `GET /scim/v2/Users?filter=userName eq "…"` (a different userName each request) and PATCH (replace title). The anchor
 * is a bare Koa + pg server doing the same indexed lookup (bench/anchor-server.ts), measured in the same run. Then the
 * same on PGlite (`joiner api` on DATA_DIR). PATCH signals each account workflow on the Temporal dev server, as in a
 * deployment (no worker runs them): the relay delivers them after the answer, and the PATCH figures include waiting
 * until the outbox is empty. Beside throughput and latency, the CPU milliseconds each server process spends per
 * request (from /proc), which a busy machine bends far less.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
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
import { processCpuMs } from './lib/machine';
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

/** PATCHes that each change the user (`tag` keeps a second run from repeating the first's values: no-ops). */
const patchRequests = (order: number[], ids: string[], tag = ''): LoadRequest[] =>
  order.map((i, n) => ({
    method: 'PATCH',
    path: `/scim/v2/Users/${ids[i]!}`,
    headers: { 'content-type': 'application/scim+json' },
    body: JSON.stringify({
      schemas: [ScimUrn.PatchOp],
      Operations: [{ op: 'Replace', path: 'title', value: `Engineer ${tag}${n}` }],
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

/**
 * Like {@link load}, measuring the CPU the process `pid` spends per answered request: a warm-up run first (`warmup`
 * requests), then the measured one, then `settle` (work the requests left behind) before the CPU is read again.
 */
async function loadWithCpu(
  what: string,
  url: string,
  pid: number,
  requests: { warmup: LoadRequest[]; measured: LoadRequest[] },
  timing: Timing,
  token?: string,
  settle?: () => Promise<void>,
) {
  await load(
    `${what} warm-up`,
    url,
    requests.warmup,
    { durationSeconds: timing.warmupSeconds, warmupSeconds: 0 },
    token,
  );
  const before = processCpuMs(pid);
  const result = await load(what, url, requests.measured, { ...timing, warmupSeconds: 0 }, token);
  await settle?.();
  return { result, cpuMsPerRequest: (processCpuMs(pid) - before) / result.requests };
}

/** Resolves once the SCIM writes' outbox is empty (the relay delivered every signal); resolves to the seconds waited. */
async function outboxEmptied(url: string): Promise<number> {
  const started = performance.now();
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    for (;;) {
      const { rows } = await client.query<{ left: number }>('select count(*)::int as "left" from account_signals');
      if (rows[0]!.left === 0 || performance.now() - started > 60_000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
  return (performance.now() - started) / 1000;
}

function cpuRow(context: BenchContext, what: string, cpuMsPerRequest: number) {
  context.row({ what: `${what}, CPU per request`, value: cpuMsPerRequest, unit: 'ms' });
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
    const anchorRequests = order.map((i) => ({ method: 'GET', path: `/?userName=USER${i}%40contoso.com` }));
    const { result: anchorGet, cpuMsPerRequest: anchorCpu } = await loadWithCpu(
      'anchor GET',
      anchorUrl,
      anchor.pid,
      { warmup: anchorRequests.slice().reverse(), measured: anchorRequests },
      timing,
    );
    await anchor.stop();
    context.row({
      what: `anchor: bare Koa + pg lookup, ${users} users`,
      value: anchorGet.requestsPerSecond,
      unit: 'req/s',
    });
    latencyRows(context, 'anchor', anchorGet);
    cpuRow(context, 'anchor', anchorCpu);

    const api = await startJoinerApi({ ...env, DATABASE_URL: postgres.url });
    const { result: get, cpuMsPerRequest: getCpu } = await loadWithCpu(
      'GET (PostgreSQL)',
      api.url,
      api.child.pid,
      { warmup: getRequests(order.slice().reverse()), measured: getRequests(order) },
      timing,
      pg.token,
    );
    context.row({ what: `GET by userName, PostgreSQL, ${users} users`, value: get.requestsPerSecond, unit: 'req/s' });
    context.row({
      what: 'GET by userName, PostgreSQL, share of the anchor',
      value: get.requestsPerSecond / anchorGet.requestsPerSecond,
      unit: '× anchor',
      target: { atLeast: 0.5 },
      anchor: anchorGet.requestsPerSecond,
    });
    latencyRows(context, 'GET by userName, PostgreSQL,', get, 25);
    cpuRow(context, 'GET by userName, PostgreSQL', getCpu);
    let deliveredAfter = 0;
    const { result: patch, cpuMsPerRequest: patchCpu } = await loadWithCpu(
      'PATCH (PostgreSQL)',
      api.url,
      api.child.pid,
      { warmup: patchRequests(order, pg.ids, 'w'), measured: patchRequests(order, pg.ids) },
      timing,
      pg.token,
      async () => {
        deliveredAfter = await outboxEmptied(postgres.url);
      },
    );
    context.row({
      what: 'PATCH, PostgreSQL',
      value: patch.requestsPerSecond,
      unit: 'req/s',
      target: { atLeast: 1000 },
    });
    latencyRows(context, 'PATCH, PostgreSQL,', patch, 50);
    cpuRow(context, 'PATCH, PostgreSQL (its signals delivered included)', patchCpu);
    context.row({ what: 'PATCH, PostgreSQL, every signal delivered after the load', value: deliveredAfter, unit: 's' });
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
