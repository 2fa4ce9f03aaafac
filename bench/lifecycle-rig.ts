/**
 * The benchmark rig: the whole HR → Entra path in one process, as `npm start` runs it, on the in-memory Temporal
 * sandbox (real time), the Entra sandbox over HTTPS, and PGlite in memory. Nothing is mocked.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Worker } from '@temporalio/worker';
import type { EntraSandbox, EntraSandboxOptions } from '@joiner/entra-sandbox';
import { startEntraSandbox } from '@joiner/entra-sandbox';
import { GraphWritePacer } from '../activities/graph-write-pacer';
import { signAlexisPayload } from '../api/hr-webhook/signature';
import { createApp, defaultRouters } from '../api/app';
import { createLogger } from '../api/logger';
import { HrOutboxRelay } from '../orchestration/hr-outbox-relay';
import { hrWebhookRouter } from '../api/hr-webhook/router';
import { parseConfig } from '../domain/config';
import { GraphDirectory } from '../entra/graph-directory';
import { startTemporalDevServer } from '../cli/temporal-dev-server';
import { findTemporalCli } from '../cli/temporal-tools';
import { connectEntra, ensureDefaultCompany } from '../store/companies';
import type { Database } from '../store/db';
import { openDatabase } from '../store/db';
import { createGraphWriteWorker, createLifecycleWorker } from '../worker/lifecycle-worker';
import { CallsInFlight } from '../orchestration/deadline';

const secret = 'bench-secret';
const taskQueue = 'bench';

export interface Rig {
  entra: EntraSandbox;
  database: Database;
  client: Client;
  apiUrl: string;
  /** POSTs a signed webhook body; resolves to the HTTP status. */
  post(body: unknown): Promise<number>;
  close(): Promise<void>;
}

export interface RigOptions {
  entra?: EntraSandboxOptions;
  /** Budget the worker paces writes to (the tenant's documented budget). */
  pacer?: { writes: number; windowMs: number };
  maxConcurrentActivities?: number;
}

export async function startRig(options: RigOptions = {}): Promise<Rig> {
  // Temporal's dev server (the real server on SQLite) as a separate process, its database in a temporary directory.
  const cli = findTemporalCli();
  if (cli === undefined) throw new Error('the Temporal CLI is not installed: run `npm run setup:temporal`');
  const temporalDir = await mkdtemp(path.join(os.tmpdir(), 'joiner-bench-temporal-'));
  const temporal = await startTemporalDevServer({ cli: cli.path, dbFile: path.join(temporalDir, 'temporal.db') });
  const [database, entra] = await Promise.all([
    openDatabase({ kind: 'pglite-memory' }),
    startEntraSandbox({ control: true, ...options.entra }),
  ]);
  await ensureDefaultCompany(database.db);
  await connectEntra(database.db, 'default', entra.tenantId);
  const graph = new GraphDirectory({
    clientId: entra.clientId,
    clientSecret: entra.clientSecret,
    authorityHost: entra.url,
    graphBaseUrl: entra.url,
    caCertificate: entra.caCertPem,
  });
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection });
  const native = await NativeConnection.connect({ address: temporal.address });
  const pacer = new GraphWritePacer(options.pacer);
  const worker: Worker = await createLifecycleWorker({
    connection: native,
    namespace: 'default',
    taskQueue,
    db: database.db,
    entra: graph,
    client,
    pacer,
    workerOptions: { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 100 },
  });
  const writer: Worker = await createGraphWriteWorker({
    connection: native,
    namespace: 'default',
    taskQueue,
    db: database.db,
    entra: graph,
    pacer,
    writesPerSecond: options.pacer ? options.pacer.writes / (options.pacer.windowMs / 1000) : 20,
    workerOptions: { maxConcurrentActivityTaskExecutions: options.maxConcurrentActivities ?? 100 },
  });
  const running = Promise.all([worker.run(), writer.run()]);
  const logger = createLogger({ level: 'warn' });
  const config = parseConfig({ WEBHOOK_SECRET: secret });
  const deps = {
    db: database.db,
    temporal: { client: client.workflow, taskQueue, inFlight: new CallsInFlight() },
    config,
    logger,
  };
  const { inFlight } = deps.temporal;
  const relay = new HrOutboxRelay(deps);
  const app = createApp(deps, { ...defaultRouters, hrWebhook: () => hrWebhookRouter({ ...deps, outbox: relay }) });
  const handle = app.callback();
  const server = http.createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.start();
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  return {
    entra,
    database,
    client,
    apiUrl,
    post(body: unknown) {
      const raw = JSON.stringify(body);
      return new Promise<number>((resolve, reject) => {
        const req = http.request(
          `${apiUrl}/webhooks/alexis`,
          {
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(raw),
              'x-alexis-signature': signAlexisPayload(secret, raw),
            },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(raw);
      });
    },
    async close() {
      agent.destroy();
      await relay.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      writer.shutdown();
      worker.shutdown();
      await running;
      await inFlight.settled();
      await native.close();
      await connection.close();
      await temporal.stop();
      await rm(temporalDir, { recursive: true, force: true });
      await graph.close();
      await entra.close();
      await database.close();
    },
  };
}

/** An `employee.*` webhook body for the default company. */
export function hrEvent(type: string, employee: Record<string, unknown> & { id: string; version: number }) {
  return {
    id: `evt_${employee.id}_${employee.version}`,
    type,
    occurredAt: new Date().toISOString(),
    companyId: 'default',
    data: { employee },
  };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
