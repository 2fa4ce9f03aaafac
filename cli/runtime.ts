/**
 * Process wiring for `joiner start` (API and worker in one process on embedded defaults, docs/configuration.md), `joiner api`
 * and `joiner worker`. Builds every client once from the configuration and hands them to the app and the worker.
 */
import http from 'node:http';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import { GraphWritePacer, graphWriteBudgetOf } from '../activities/graph-write-pacer';
import { createApp } from '../api/app';
import { createLogger } from '../api/logger';
import type { JoinerConfig } from '../domain/config';
import type { ConsoleEntra } from '../api/console/integration';
import { startResyncAfterChange } from '../orchestration/company-changes';
import { AccountSignalRelay } from '../orchestration/account-events';
import { HrOutboxRelay } from '../orchestration/hr-outbox-relay';
import { ensureDefaultCompany } from '../store/companies';
import type { Database } from '../store/db';
import { databaseOptionsFromConfig, openDatabase } from '../store/db';
import { AntiEntropyGuard } from '../orchestration/anti-entropy';
import { CallsInFlight, waitAtMost } from '../orchestration/deadline';
import type { Closer, ClosingProgress } from './closers';
import { closeAll } from './closers';
import type { ResolvedEntra } from './process-entra';
import { apiProcessEntra, loadEntraSandbox, resolveEntra } from './process-entra';
import type { WorkerTemporal } from './process-temporal';
import { connectWorkerTemporal, lazyClient, resolveTemporal } from './process-temporal';
import { checkTemporal } from '../orchestration/temporal';
import { observeStore, startProcessMetrics } from '../observability/metrics';
import type { ReadinessChecks } from '../observability/probes';
import { startProbeServer } from '../observability/probes';
import { pingDatabase, readOperationalStats } from '../store/operational-stats';

/**
 * How long a shutdown may take in all, from SIGTERM to exit: under the 30 s an orchestrator (Kubernetes'
 * terminationGracePeriodSeconds, docker stop's default 10 s aside) waits before it kills the process.
 */
export const shutdownDeadlineMs = 25_000;

/**
 * How long the HTTP server waits for the requests in flight to be answered before it closes their connections. A
 * request waits for Temporal at most a few seconds (a company change's, 5 s; webhooks and SCIM writes do not wait:
 * their outboxes' relays deliver), so only a stuck client or database is cut.
 */
export const httpDrainMs = 10_000;

/**
 * How long a worker lets the activities in flight finish after it stopped polling; then they are cancelled (a Graph
 * call already sent is retried by Temporal on another worker, and every activity is idempotent).
 */
export const workerShutdownGraceMs = 8_000;

/** After this the worker gives up on its activities and its `run()` fails, so the process exits non-zero. */
export const workerShutdownForceMs = 14_000;

/** A running process: `stop()` shuts everything down in reverse order of start. */
export interface RunningProcess {
  url?: string;
  stop(): Promise<void>;
  /**
   * The SIGTERM path: stops like `stop()` within {@link shutdownDeadlineMs}, logging what it waits for. Resolves to
   * the exit code: 0 when everything stopped in time (and nothing failed before), 1 when something was stuck, which
   * the log line names.
   */
  shutdown(signal: string): Promise<number>;
}

/** Runs the API and the worker in one process (`npm start`). */
export async function runAllInOne(config: JoinerConfig, logger = processLogger(config)): Promise<RunningProcess> {
  // Before anything starts: a production install without the Entra stand-in fails here, with nothing to undo.
  const entraSandbox = config.ENTRA_CLIENT_ID === undefined ? await loadEntraSandbox() : undefined;
  return startProcess(logger, async (closers) => {
    const database = await openStore(config, logger, closers);
    const temporalTarget = await resolveTemporal(config, logger, closers);
    const entra = await resolveEntra(config, database, logger, closers, entraSandbox);
    const temporal = await connectWorkerTemporal(config, temporalTarget.address, logger, closers);
    // The API first: it needs only the database and a Temporal client, so after a crash webhooks are accepted again
    // within a second or two, while the worker still bundles its workflows.
    const api = await startApi(
      config,
      database,
      temporal.client,
      logger,
      closers,
      { entra: () => entra.directory.checkReachable() },
      entra.console,
    );
    await startWorker(config, database, entra, temporal, logger, closers);
    logger.info(
      { url: config.PUBLIC_URL, port: api.port, temporalUiUrl: temporalTarget.uiUrl },
      'joiner is running (API and worker)',
    );
    return `http://localhost:${api.port}`;
  });
}

/** Runs the API alone (`joiner api`): needs a Temporal server (TEMPORAL_ADDRESS). */
export async function runApi(config: JoinerConfig, logger = processLogger(config)): Promise<RunningProcess> {
  const address = requireTemporalAddress(config, 'api');
  return startProcess(logger, async (closers) => {
    const database = await openStore(config, logger, closers);
    const client = lazyClient(config, address, closers);
    const api = await startApi(config, database, client, logger, closers, {}, apiProcessEntra(config, logger, closers));
    logger.info({ port: api.port }, 'joiner API is running');
    return `http://localhost:${api.port}`;
  });
}

/** Runs the worker alone (`joiner worker`): needs a Temporal server and a real (or standalone sandbox) Entra. */
export async function runWorker(config: JoinerConfig, logger = processLogger(config)): Promise<RunningProcess> {
  const address = requireTemporalAddress(config, 'worker');
  if (config.ENTRA_CLIENT_ID === undefined) {
    throw new Error(
      'joiner worker needs ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET (for the standalone Entra sandbox, also ' +
        'ENTRA_AUTHORITY_HOST, GRAPH_BASE_URL and NODE_EXTRA_CA_CERTS); `joiner start` runs an embedded sandbox',
    );
  }
  return startProcess(logger, async (closers) => {
    const database = await openStore(config, logger, closers);
    const entra = await resolveEntra(config, database, logger, closers);
    const temporal = await connectWorkerTemporal(config, address, logger, closers);
    await startWorker(config, database, entra, temporal, logger, closers);
    // The worker has no API: its probes and metrics get a small listener of their own.
    const probes = await startProbeServer({
      port: config.METRICS_PORT,
      readiness: {
        database: () => pingDatabase(database.db),
        temporal: () => checkTemporal(temporal.client, config.TEMPORAL_NAMESPACE),
        entra: () => entra.directory.checkReachable(),
      },
    });
    closers.push({ what: 'the probe listener', close: () => probes.close() });
    logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, metricsPort: probes.port }, 'joiner worker is running');
    return `http://localhost:${probes.port}`;
  });
}

/**
 * Runs `start` with a list it pushes a closer to for everything it starts. When `start` fails, what it started is
 * stopped (last started first) and the error rethrown; else the running process stops it all the same way.
 */
async function startProcess(logger: Logger, start: (closers: Closer[]) => Promise<string>): Promise<RunningProcess> {
  const closers: Closer[] = [];
  const progress: ClosingProgress = { current: null };
  try {
    const url = await start(closers);
    return {
      url,
      stop: () => closeAll(closers, logger, progress),
      shutdown: (signal) => shutdownWithin(closeAll(closers, logger, progress), progress, signal, logger),
    };
  } catch (err) {
    await closeAll(closers, logger, progress);
    throw err;
  }
}

/** Waits for `stopping` at most {@link shutdownDeadlineMs}; see {@link RunningProcess.shutdown}. */
async function shutdownWithin(
  stopping: Promise<void>,
  progress: ClosingProgress,
  signal: string,
  logger: Logger,
): Promise<number> {
  const started = Date.now();
  logger.info({ signal }, 'stopping: no new work taken, the work in flight is finishing');
  const outcome = await waitAtMost(stopping, shutdownDeadlineMs);
  if (!outcome.settled) {
    logger.error(
      { signal, stuck: progress.current, waitedMs: Date.now() - started },
      `shutdown did not finish within ${shutdownDeadlineMs / 1000} s, stuck stopping ${progress.current ?? '?'}: exiting anyway`,
    );
    return 1;
  }
  // A worker that stopped on an error before (or was forced to stop) has set the exit code already.
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  logger.info({ signal, ms: Date.now() - started, exitCode: code }, 'stopped');
  return code;
}

function processLogger(config: JoinerConfig): Logger {
  startProcessMetrics();
  return createLogger({ level: config.LOG_LEVEL, name: 'joiner' });
}

function requireTemporalAddress(config: JoinerConfig, command: string): string {
  if (config.TEMPORAL_ADDRESS === undefined) {
    throw new Error(`joiner ${command} needs TEMPORAL_ADDRESS; \`joiner start\` runs an embedded Temporal instead`);
  }
  return config.TEMPORAL_ADDRESS;
}

/**
 * Starts the resync of each company that was just connected to its tenant from configuration (the console's Integrate
 * does the same through connectCompanyTenant): work paused while it was not connected resumes. Bounded like every
 * company change: a Temporal that does not answer is logged, and `joiner resync` catches up later.
 */
async function resyncNewlyConnected(
  config: JoinerConfig,
  database: Database,
  client: Client,
  logger: Logger,
  companyIds: string[],
) {
  const deps = {
    db: database.db,
    temporal: { client: client.workflow, taskQueue: config.TEMPORAL_TASK_QUEUE, inFlight: new CallsInFlight() },
    logger,
  };
  for (const companyId of companyIds) {
    await startResyncAfterChange(deps, companyId, 'Entra tenant connected from configuration');
  }
  await deps.temporal.inFlight.settled();
}

async function openStore(config: JoinerConfig, logger: Logger, closers: Closer[]): Promise<Database> {
  const database = await openDatabase(databaseOptionsFromConfig(config));
  closers.push({ what: 'the database', close: () => database.close() });
  const unobserve = observeStore(() => readOperationalStats(database.db));
  closers.push({ what: 'the store metrics', close: () => Promise.resolve(unobserve()) });
  await ensureDefaultCompany(database.db);
  logger.info({ kind: database.kind }, 'database open');
  return database;
}

/**
 * Starts the lifecycle worker, the Graph-write worker and the anti-entropy guard, then the resync of the companies
 * just connected to a tenant.
 */
async function startWorker(
  config: JoinerConfig,
  database: Database,
  entra: ResolvedEntra,
  { client, native }: WorkerTemporal,
  logger: Logger,
  closers: Closer[],
): Promise<void> {
  const { createGraphWriteWorker, createLifecycleWorker } = await import('../worker/lifecycle-worker.js');
  // What both workers are built over; one pacer, so the process's Graph writes are reserved together.
  const shared = {
    connection: native,
    workerOptions: { shutdownGraceTime: workerShutdownGraceMs, shutdownForceTime: workerShutdownForceMs },
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    db: database.db,
    entra: entra.directory,
    pacer: new GraphWritePacer({ db: database.db, ...graphWriteBudgetOf(config) }),
  };
  const worker = await createLifecycleWorker({ ...shared, client });
  // Graph writes run on a queue of their own; the pacer holds each to the tenant's budget, shared by every worker.
  const graphWriter = await createGraphWriteWorker(shared);
  const workers = [worker, graphWriter];
  const running = workers.map((w) =>
    w.run().catch((err: unknown) => {
      // Also how a shutdown past workerShutdownForceMs ends (GracefulShutdownPeriodExpiredError): exit non-zero.
      logger.fatal({ err, taskQueue: w.options.taskQueue }, 'a Temporal worker stopped');
      process.exitCode = 1;
    }),
  );
  closers.push({
    what: 'the Temporal workers (activities in flight)',
    close: async () => {
      // Both at once: each stops polling, then lets its activities in flight finish (see workerShutdownGraceMs).
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.all(running);
    },
  });
  const guard = new AntiEntropyGuard({
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    logger,
    hrEventRetentionDays: config.HR_EVENT_RETENTION_DAYS,
  });
  guard.start();
  closers.push({ what: 'the anti-entropy guard', close: () => guard.stop() });
  await resyncNewlyConnected(config, database, client, logger, entra.newlyConnected);
}

async function startApi(
  config: JoinerConfig,
  database: Database,
  client: Client,
  logger: Logger,
  closers: Closer[],
  readiness: ReadinessChecks = {},
  entra?: ConsoleEntra,
): Promise<{ port: number }> {
  const temporal = { client: client.workflow, taskQueue: config.TEMPORAL_TASK_QUEUE, inFlight: new CallsInFlight() };
  const relay = new HrOutboxRelay({ db: database.db, temporal, logger });
  const accountSignals = new AccountSignalRelay({ db: database.db, temporal, logger });
  const deps = {
    db: database.db,
    temporal,
    config,
    logger,
    readiness: { temporal: () => checkTemporal(client, config.TEMPORAL_NAMESPACE), ...readiness },
    entra,
    outbox: relay,
    accountSignals,
  };
  const app = createApp(deps);
  const handle = app.callback();
  let draining = false;
  const server = http.createServer((req, res) => {
    // A request that comes in on a kept-alive connection while draining is answered, then the connection closes.
    if (draining) res.setHeader('connection', 'close');
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, resolve);
  });
  relay.start();
  accountSignals.start();
  closers.push({
    what: 'the HTTP server (requests in flight)',
    close: async () => {
      draining = true;
      await drainHttpServer(server, logger);
      // What was accepted but not yet handed to Temporal stays in the outbox: any API process's relay delivers it.
      await Promise.all([relay.stop(), accountSignals.stop()]);
      // Before the Temporal connection closes (a later closer): signals the webhook stopped waiting for.
      await temporal.inFlight.settled();
    },
  });
  const address = server.address();
  return { port: typeof address === 'object' && address !== null ? address.port : config.PORT };
}

/**
 * Stops accepting connections and waits for the requests in flight to be answered, at most {@link httpDrainMs};
 * then closes what is left, says how many, and makes the exit code 1. Idle kept-alive connections are closed as they
 * turn idle.
 */
async function drainHttpServer(server: http.Server, logger: Logger): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  const idle = setInterval(() => server.closeIdleConnections(), 100);
  try {
    const outcome = await waitAtMost(closed, httpDrainMs);
    if (outcome.settled) return;
    const open = await new Promise<number>((resolve) => server.getConnections((_err, count) => resolve(count)));
    // Their clients get no answer (a client that never sends the rest of its body, a stuck database): exit non-zero.
    logger.error(
      { stuck: 'the HTTP server (requests in flight)', connections: open },
      `requests still unanswered ${httpDrainMs / 1000} s after the shutdown began: their connections are closed`,
    );
    process.exitCode = 1;
    server.closeAllConnections();
    await closed;
  } finally {
    clearInterval(idle);
  }
}
