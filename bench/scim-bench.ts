/**
 * SCIM endpoint throughput over real HTTP (target, docs/benchmarks.md: GET by filter over 100k users ≥ 1,000 requests/s, p99 < 50 ms):
 * `GET /Users?filter=userName eq "…"` over 100,000 users and PATCH (replace title + active) throughput, at 1 and 32
 * concurrent clients, on embedded PGlite and (when installed) a throwaway PostgreSQL cluster.
 *
 * Run: `npm run bench:scim` (BENCH_USERS / BENCH_BACKENDS=pglite,postgres to change). Results go to
 * bench/results/scim-<backend>.json and are summarised in bench/results/scim.md by hand.
 *
 * The account-workflow signal after each write is replaced by a no-op here: this measures the SCIM path (auth, parse,
 * SQL, JSON). With Temporal reachable a signal adds one signalWithStart round-trip per write.
 */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createApp, defaultRouters, type AppDeps } from '../api/app';
import { createLogger } from '../api/logger';
import type { AccountEvents } from '../orchestration/account-events';
import { scimRouter } from '../api/scim/router';
import { parseConfig } from '../domain/config';
import { ScimUrn } from '../domain/scim/constants';
import { finaliseUser, userKeys } from '../domain/scim/user';
import { createAccessToken } from '../store/access-tokens';
import { ensureDefaultCompany } from '../store/companies';
import { openDatabase, type Database } from '../store/db';
import { scimUsers } from '../store/schema';
import { CallsInFlight } from '../orchestration/deadline';
import { createPostgresTemplate, testDatabaseEnv } from '../test/helpers/databases';
import { findPostgresBinDir, startPostgresCluster, stopPostgresCluster } from '../test/helpers/postgres-cluster';

const userCount = Number(process.env.BENCH_USERS ?? 100_000);
const backends = (process.env.BENCH_BACKENDS ?? 'pglite,postgres').split(',');
interface Plan {
  kind: 'get-by-userName' | 'patch';
  concurrency: number;
  requests: number;
}

const plans: Plan[] = [
  { kind: 'get-by-userName', concurrency: 1, requests: 1000 },
  { kind: 'get-by-userName', concurrency: 32, requests: 3000 },
  { kind: 'patch', concurrency: 1, requests: 500 },
  { kind: 'patch', concurrency: 32, requests: 1500 },
];

const noSignals: AccountEvents = {
  accountChanged: () => Promise.resolve(),
  entraObjectLinked: () => Promise.resolve(),
};

async function seed(database: Database): Promise<string[]> {
  const { db } = database;
  await ensureDefaultCompany(db);
  const ids: string[] = [];
  const batch = 1000;
  for (let start = 0; start < userCount; start += batch) {
    const rows = [];
    for (let i = start; i < Math.min(start + batch, userCount); i++) {
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
      rows.push({
        companyId: 'default',
        resource: data,
        userName: keys.userName,
        externalId: keys.externalId,
        active: true,
        displayName: keys.displayName,
        workEmail: keys.workEmail,
        phoneNumbersE164: keys.phoneNumbers,
        phoneNumbersUnparsable: keys.phoneNumbersUnparsable,
      });
    }
    const inserted = await db.insert(scimUsers).values(rows).returning({ id: scimUsers.id });
    ids.push(...inserted.map((r) => r.id));
  }
  await db.execute('analyze scim_users');
  return ids;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function measure(
  url: string,
  token: string,
  ids: string[],
  plan: Plan,
): Promise<{
  kind: string;
  concurrency: number;
  requests: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: plan.concurrency });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const send = (i: number) =>
    new Promise<number>((resolve, reject) => {
      const n = Math.floor(Math.random() * userCount);
      const isPatch = plan.kind === 'patch';
      const body = isPatch
        ? JSON.stringify({
            schemas: [ScimUrn.PatchOp],
            Operations: [
              { op: 'Replace', path: 'title', value: `Engineer ${i}` },
              { op: 'Replace', path: 'active', value: i % 2 === 0 ? 'True' : 'False' },
            ],
          })
        : undefined;
      const target = isPatch
        ? `/scim/v2/Users/${ids[n]!}`
        : `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "USER${n}@contoso.com"`)}`;
      const req = http.request(
        `${url}${target}`,
        {
          method: isPatch ? 'PATCH' : 'GET',
          agent,
          headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: plan.concurrency }, async () => {
      for (let i = next++; i < plan.requests; i = next++) {
        const t0 = performance.now();
        const status = await send(i);
        latencies.push(performance.now() - t0);
        if (status !== 200) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    kind: plan.kind,
    concurrency: plan.concurrency,
    requests: plan.requests,
    requestsPerSecond: Math.round(plan.requests / seconds),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p99Ms: Number(percentile(latencies, 99).toFixed(2)),
    errors,
  };
}

async function benchBackend(label: string, database: Database): Promise<void> {
  const seedStarted = performance.now();
  const ids = await seed(database);
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const { token } = await createAccessToken(database.db, { companyId: 'default', name: 'bench' });
  const deps: AppDeps = {
    db: database.db,
    temporal: { client: {} as AppDeps['temporal']['client'], taskQueue: 'bench', inFlight: new CallsInFlight() },
    config: parseConfig({}),
    logger: createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, done) => done() }) }),
  };
  const app = createApp(deps, { ...defaultRouters, scim: (d) => scimRouter(d, { events: noSignals }) });
  const handle = app.callback();
  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const results = [];
  try {
    // Warm-up: JIT, connection pool, plan cache.
    await measure(url, token, ids, { kind: 'get-by-userName', concurrency: 4, requests: 300 });
    for (const plan of plans) {
      const result = await measure(url, token, ids, plan);
      results.push(result);
      console.log(
        `${label.padEnd(9)} ${result.kind.padEnd(16)} c=${String(result.concurrency).padEnd(3)} ${String(result.requestsPerSecond).padStart(6)} req/s  p50 ${result.p50Ms} ms  p99 ${result.p99Ms} ms  errors ${result.errors}`,
      );
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  const report = {
    backend: label,
    users: userCount,
    seedSeconds: Number(seedSeconds.toFixed(1)),
    node: process.version,
    cpus: os.cpus().length,
    at: new Date().toISOString(),
    results,
  };
  await writeFile(path.join(__dirname, 'results', `scim-${label}.json`), `${JSON.stringify(report, null, 2)}\n`);
}

async function main(): Promise<void> {
  if (backends.includes('pglite')) {
    const database = await openDatabase({ kind: 'pglite-memory' });
    try {
      await benchBackend('pglite', database);
    } finally {
      await database.close();
    }
  }
  const binDir = backends.includes('postgres') ? findPostgresBinDir() : undefined;
  if (binDir) {
    const cluster = await startPostgresCluster(binDir);
    try {
      const template = await createPostgresTemplate(cluster.url);
      process.env[testDatabaseEnv.postgresUrl] = cluster.url;
      const url = new URL(cluster.url);
      url.pathname = `/${template}`;
      const database = await openDatabase({ kind: 'postgres', url: url.toString(), maxConnections: 16 });
      try {
        await benchBackend('postgres', database);
      } finally {
        await database.close();
      }
    } finally {
      await stopPostgresCluster(cluster);
    }
  } else if (backends.includes('postgres')) {
    console.log('postgres: not installed, skipped');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
