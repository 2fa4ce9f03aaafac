/**
 * `/healthz`, `/readyz` and `/metrics` of the API, and the worker's probe listener, over real HTTP: readiness names the
 * dependency that is down, and the counters and gauges move with webhooks, the outboxes and SCIM requests.
 */
import net from 'node:net';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { createApp, type AppDeps } from '../../api/app';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { createLogger } from '../../api/logger';
import { parseConfig } from '../../domain/config';
import { ScimUrn } from '../../domain/scim/constants';
import { observeStore } from '../../observability/metrics';
import { startProbeServer } from '../../observability/probes';
import { checkTemporal } from '../../orchestration/temporal';
import { createAccessToken } from '../../store/access-tokens';
import { ensureDefaultCompany } from '../../store/companies';
import { readOperationalStats } from '../../store/operational-stats';
import { createTestDatabase, type TestDatabase } from '../helpers/databases';
import { serve, type ServedApp } from './serve';
import { CallsInFlight } from '../../orchestration/deadline';

jest.setTimeout(60_000);

const secret = 'operations-test-secret';
const quietLogger = createLogger({
  level: 'silent',
  destination: new Writable({ write: (_c, _e, done) => done() }),
});

/** A TCP port nothing listens on: Temporal there is "down". */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The value of one sample in Prometheus text, e.g. `joiner_hr_webhooks_total{outcome="accepted"}`; 0 if absent. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

let database: TestDatabase;
let connection: Connection;
let app: ServedApp;
let unobserve: () => void;

beforeAll(async () => {
  database = await createTestDatabase('pglite');
  await ensureDefaultCompany(database.db);
  // No gRPC retry interceptor: calls to the dead server fail at once instead of retrying past the end of the file.
  connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}`, interceptors: [] });
  const client = new Client({ connection, namespace: 'default' });
  const deps: AppDeps = {
    db: database.db,
    temporal: { client: client.workflow, taskQueue: 'operations-test', inFlight: new CallsInFlight() },
    config: parseConfig({ WEBHOOK_SECRET: secret }),
    logger: quietLogger,
    readiness: { temporal: () => checkTemporal(client, 'default', 500) },
  };
  unobserve = observeStore(() => readOperationalStats(database.db));
  app = await serve(createApp(deps));
});

afterAll(async () => {
  unobserve();
  await app.close();
  await connection.close();
  await database.close();
});

async function metrics(): Promise<string> {
  const res = await fetch(`${app.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return res.text();
}

function postWebhook(body: unknown, signWith = secret) {
  const raw = JSON.stringify(body);
  return fetch(`${app.url}/webhooks/alexis`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-alexis-signature': signAlexisPayload(signWith, raw) },
    body: raw,
  });
}

describe('operations endpoints of the API', () => {
  it('answers /healthz with 200 even while Temporal is down', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 503 naming Temporal as the dependency that is down, the database as ok', async () => {
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(503);
    const report = (await res.json()) as { status: string; checks: Record<string, { status: string }> };
    expect(report.status).toBe('unready');
    expect(report.checks.database).toEqual({ status: 'ok' });
    expect(report.checks.temporal?.status).toBe('failed');
  });

  it('counts webhooks by outcome and shows the accepted event waiting in the outbox while Temporal is down', async () => {
    const before = await metrics();
    const event = {
      id: 'evt_ops_1',
      type: 'employee.created',
      occurredAt: new Date().toISOString(),
      companyId: 'default',
      data: {
        employee: { id: 'emp_ops', firstName: 'Op', lastName: 'Erator', workEmail: 'op@contoso.com', version: 1 },
      },
    };
    expect((await postWebhook(event)).status).toBe(202);
    expect((await postWebhook(event)).status).toBe(200);
    expect((await postWebhook(event, 'wrong-secret')).status).toBe(401);

    const after = await metrics();
    for (const outcome of ['accepted', 'duplicate', 'rejected']) {
      const series = `joiner_hr_webhooks_total{outcome="${outcome}"}`;
      expect(sample(after, series) - sample(before, series)).toBe(1);
    }
    expect(sample(after, 'joiner_hr_outbox_depth')).toBe(1);
    expect(sample(after, 'joiner_hr_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(sample(after, 'joiner_employees{phase="none"}')).toBe(1);
  });

  it('shows the signal of a SCIM write waiting in its outbox while Temporal is down (no relay runs here)', async () => {
    const { token } = await createAccessToken(database.db, { companyId: 'default', name: 'Entra provisioning' });
    const before = sample(await metrics(), 'joiner_account_signal_outbox_depth');
    const created = await fetch(`${app.url}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [ScimUrn.User], userName: 'ops@contoso.com' }),
    });
    expect(created.status).toBe(201);
    const after = await metrics();
    expect(sample(after, 'joiner_account_signal_outbox_depth') - before).toBe(1);
    expect(sample(after, 'joiner_account_signal_outbox_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('counts SCIM requests by method, route template and status, without ids in the labels', async () => {
    const before = await metrics();
    expect((await fetch(`${app.url}/scim/v2/Users`)).status).toBe(401);
    expect((await fetch(`${app.url}/scim/v2/Users/1b1e5c8a-secret-id`)).status).toBe(401);
    const after = await metrics();
    const list = 'joiner_scim_requests_total{method="GET",route="/Users",status="401"}';
    const one = 'joiner_scim_requests_total{method="GET",route="/Users/:id",status="401"}';
    expect(sample(after, list) - sample(before, list)).toBe(1);
    expect(sample(after, one) - sample(before, one)).toBe(1);
    expect(after).not.toContain('1b1e5c8a');
  });
});

describe("the worker's probe listener", () => {
  it('serves /healthz, /readyz with each check, /metrics, and 404 elsewhere', async () => {
    let entraUp = false;
    const probes = await startProbeServer({
      port: 0,
      readiness: {
        database: () => Promise.resolve(),
        entra: () => (entraUp ? Promise.resolve() : Promise.reject(new Error('login.example could not be reached'))),
      },
    });
    try {
      const base = `http://127.0.0.1:${probes.port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const down = await fetch(`${base}/readyz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toEqual({
        status: 'unready',
        checks: {
          database: { status: 'ok' },
          entra: { status: 'failed', error: 'login.example could not be reached' },
        },
      });
      entraUp = true;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toContain('# TYPE joiner_graph_calls_total counter');
      expect((await fetch(`${base}/other`)).status).toBe(404);
    } finally {
      await probes.close();
    }
  });
});
