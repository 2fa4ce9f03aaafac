/**
 * No accepted event is lost when Temporal is down (docs/hr-webhook.md, the outbox): the webhook answers 202 from the database, the
 * event waits in the outbox, and the relay delivers it once Temporal is back.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { and, eq } from 'drizzle-orm';
import type { EntraSandbox } from '@joiner/entra-sandbox';
import { startEntraSandbox } from '@joiner/entra-sandbox';
import { signAlexisPayload } from '../../api/hr-webhook/signature';
import { createApp } from '../../api/app';
import { createLogger } from '../../api/logger';
import { CallsInFlight } from '../../orchestration/deadline';
import { HrOutboxRelay } from '../../orchestration/hr-outbox-relay';
import { parseConfig } from '../../domain/config';
import { GraphDirectory } from '../../entra/graph-directory';
import { connectEntra, ensureDefaultCompany } from '../../store/companies';
import { webhookEvents } from '../../store/schema';
import { createLifecycleActivities } from '../../worker/activities';
import { createGraphWriteWorker } from '../../worker/lifecycle-worker';
import { employeeWorkflowId, stateQuery } from '../../workflows/definitions';
import { serve, type ServedApp } from '../api/serve';
import type { TestDatabase } from '../helpers/databases';
import { createTestDatabase } from '../helpers/databases';
import { bundleWorkflowsOnce, startDevServer } from '../helpers/temporal';
import { webhookSecret } from './harness';

const taskQueue = 'outbox-test';
let temporal: { address: string; stop(): Promise<void> } | null = null;
let port = 0;
/** The dev server's database, kept across its restart (as a real deployment's would be). */
let dbDir: string;
let connection: Connection;
let client: Client;
let database: TestDatabase;
let entra: EntraSandbox;
let graph: GraphDirectory;
let api: ServedApp;
let relay: HrOutboxRelay;
const inFlight = new CallsInFlight();
let worker: { workers: Worker[]; native: NativeConnection; done: Promise<unknown> } | null = null;

async function startTemporal(): Promise<void> {
  const server = await startDevServer({ port, dbFile: path.join(dbDir, 'temporal.db') });
  temporal = server;
  port = server.port;
}

async function startWorker(): Promise<void> {
  const native = await NativeConnection.connect({ address: temporal!.address });
  const w = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: await bundleWorkflowsOnce(require.resolve('../../workflows')),
    activities: createLifecycleActivities({ db: database.db, entra: graph, client, taskQueue }),
  });
  const writer = await createGraphWriteWorker({
    connection: native,
    namespace: 'default',
    taskQueue,
    db: database.db,
    entra: graph,
  });
  worker = { workers: [w, writer], native, done: Promise.all([w.run(), writer.run()]) };
}

async function stopWorker(): Promise<void> {
  if (!worker) return;
  for (const w of worker.workers) w.shutdown();
  await worker.done;
  await worker.native.close();
  worker = null;
}

beforeAll(async () => {
  dbDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-outbox-'));
  await startTemporal();
  [database, entra] = await Promise.all([createTestDatabase('pglite'), startEntraSandbox({ control: true })]);
  await ensureDefaultCompany(database.db);
  await connectEntra(database.db, 'default', entra.tenantId);
  graph = new GraphDirectory({
    clientId: entra.clientId,
    clientSecret: entra.clientSecret,
    authorityHost: entra.url,
    graphBaseUrl: entra.url,
    caCertificate: entra.caCertPem,
  });
  connection = await Connection.connect({ address: temporal!.address });
  client = new Client({ connection });
  const logger = createLogger({ level: 'silent' });
  const config = parseConfig({ WEBHOOK_SECRET: webhookSecret });
  const deps = {
    db: database.db,
    temporal: { client: client.workflow, taskQueue, deliveryTimeoutMs: 1_000, inFlight },
    config,
    logger,
  };
  relay = new HrOutboxRelay({ ...deps, intervalMs: 200, maxBackoffMs: 500 });
  api = await serve(createApp({ ...deps, outbox: relay }));
  relay.start();
  await startWorker();
}, 60_000);

afterAll(async () => {
  await relay?.stop();
  await stopWorker();
  await api?.close();
  await inFlight.settled();
  await connection?.close();
  await temporal?.stop();
  await rm(dbDir, { recursive: true, force: true });
  await graph?.close();
  await entra?.close();
  await database?.close();
}, 60_000);

async function post(body: unknown): Promise<Response> {
  const raw = JSON.stringify(body);
  return fetch(`${api.url}/webhooks/alexis`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-alexis-signature': signAlexisPayload(webhookSecret, raw) },
    body: raw,
  });
}

it('keeps an event accepted while Temporal is down and delivers it once Temporal is back', async () => {
  await stopWorker();
  await temporal!.stop();
  temporal = null;

  const body = {
    id: 'evt_while_down',
    type: 'employee.onboarded',
    occurredAt: new Date().toISOString(),
    companyId: 'default',
    data: {
      employee: { id: 'emp_outbox', version: 1, firstName: 'Out', lastName: 'Box', workEmail: 'out.box@contoso.com' },
    },
  };
  const res = await post(body);
  expect(res.status).toBe(202);

  const row = async () =>
    (
      await database.db
        .select()
        .from(webhookEvents)
        .where(and(eq(webhookEvents.companyId, 'default'), eq(webhookEvents.eventId, body.id)))
    )[0];
  await waitFor(async () => ((await row())?.deliveryAttempts ?? 0) >= 1, 30_000);
  expect((await row())?.deliveredAt).toBeNull();
  expect((await row())?.lastDeliveryError).toBeTruthy();

  await startTemporal();
  await startWorker();
  await waitFor(async () => (await row())?.deliveredAt != null, 30_000);
  const handle = client.workflow.getHandle(employeeWorkflowId('default', 'emp_outbox'));
  await waitFor(async () => (await handle.query(stateQuery).catch(() => null))?.phase === 'active', 30_000);
  const users = entra.control.state().users[entra.tenantId] ?? [];
  expect(users.filter((u) => u.props.userPrincipalName === 'out.box@contoso.com')).toHaveLength(1);
}, 90_000);

async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
