/**
 * Process wiring for `joiner start` (API and worker in one process on embedded defaults, docs/configuration.md), `joiner api`
 * and `joiner worker`. Builds every client once from the configuration and hands them to the app and the worker.
 */
import http from 'node:http';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import type { Logger } from 'pino';
import type * as EntraSandboxPackage from '@joiner/entra-sandbox';
import { GraphWritePacer } from '../activities/graph-write-pacer';
import { createApp } from '../api/app';
import { createLogger } from '../api/logger';
import type { JoinerConfig } from '../domain/config';
import type { ConsoleEntra } from '../api/console/integration';
import type { GraphDirectory } from '../entra/graph-directory';
import { startResyncAfterChange } from '../orchestration/company-changes';
import { AccountSignalRelay } from '../orchestration/account-events';
import { HrOutboxRelay } from '../orchestration/hr-outbox-relay';
import { connectEntra, defaultCompanyId, ensureDefaultCompany, getCompany } from '../store/companies';
import type { Database } from '../store/db';
import { databaseOptionsFromConfig, openDatabase } from '../store/db';
import { AntiEntropyGuard } from '../orchestration/anti-entropy';
import { CallsInFlight, waitAtMost } from '../orchestration/deadline';
import { ensureSearchAttributes } from '../orchestration/search-attributes';
import type { EntraApp } from './configured-entra';
import { configuredEntra, configuredEntraApp } from './configured-entra';
import { recordDevServer, startTemporalDevServer, stopOrphanedDevServer } from './temporal-dev-server';
import { findSdkDownloadedCli, findTemporalCli } from './temporal-tools';
import { checkTemporal } from '../orchestration/temporal';
import { observeStore, startProcessMetrics } from '../observability/metrics';
import type { ReadinessChecks } from '../observability/probes';
import { startProbeServer } from '../observability/probes';
import { pingDatabase, readOperationalStats } from '../store/operational-stats';

/** Something to stop at shutdown, last started first stopped; `what` names it in the log line when it hangs. */
interface Closer {
  what: string;
  close: () => Promise<void>;
}

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

interface TemporalTarget {
  address: string;
  /** The Web UI for links (the dev server's when `joiner start` runs one). */
  uiUrl: string;
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

/** What a shutdown is waiting for: the closer running now. */
interface ClosingProgress {
  current: string | null;
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

async function closeAll(closers: Closer[], logger: Logger, progress: ClosingProgress): Promise<void> {
  for (const closer of closers.splice(0).reverse()) {
    progress.current = closer.what;
    await closer
      .close()
      .catch((err: unknown) => logger.warn({ err, what: closer.what }, 'stopping failed; going on with the rest'));
  }
  progress.current = null;
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
 * TEMPORAL_ADDRESS when set; else a Temporal dev server started here (the real server on SQLite, with the Web UI on
 * TEMPORAL_UI_PORT) from the Temporal CLI (TEMPORAL_CLI_PATH, PATH, `npm run setup:temporal`'s install, or the SDK's
 * download), its database in DATA_DIR/temporal so workflows survive a restart. It is stopped last but the store, after
 * the worker and the clients (closers run in reverse).
 */
async function resolveTemporal(config: JoinerConfig, logger: Logger, closers: Closer[]): Promise<TemporalTarget> {
  if (config.TEMPORAL_ADDRESS !== undefined) return { address: config.TEMPORAL_ADDRESS, uiUrl: config.TEMPORAL_UI_URL };
  const cli = findTemporalCli() ?? findSdkDownloadedCli();
  if (cli === undefined) {
    throw new Error(
      'no Temporal server: set TEMPORAL_ADDRESS to a Temporal frontend (host:port), or install the Temporal CLI ' +
        '(`npm run setup:temporal`, or `temporal` on PATH or named by TEMPORAL_CLI_PATH), or let the Temporal SDK ' +
        'download it once on a machine with internet (its TestWorkflowEnvironment.createLocal() caches it in the ' +
        'temp directory)',
    );
  }
  const dir = path.resolve(config.DATA_DIR, 'temporal');
  const dbFile = path.join(dir, 'temporal.db');
  const record = path.join(dir, 'dev-server.json');
  // A `joiner start` killed with kill -9 leaves its dev server running, holding the database: stop that one first.
  if (await stopOrphanedDevServer(record)) logger.warn({ dbFile }, 'stopped the Temporal dev server of a killed run');
  const server = await startTemporalDevServer({
    cli: cli.path,
    dbFile,
    uiPort: config.TEMPORAL_UI_PORT,
    namespaces: config.TEMPORAL_NAMESPACE === 'default' ? [] : [config.TEMPORAL_NAMESPACE],
  });
  await recordDevServer(record, server, dbFile);
  closers.push({
    what: 'the Temporal dev server',
    close: async () => {
      await server.stop();
      await rm(record, { force: true });
    },
  });
  const uiUrl = config.TEMPORAL_UI_URL;
  logger.info(
    { address: server.address, uiUrl, dbFile, cli: cli.path, source: cli.source },
    `Temporal dev server running; its Web UI: ${uiUrl}`,
  );
  return { address: server.address, uiUrl };
}

/** The package of the Entra stand-in: a dev dependency, so a production install (`npm ci --omit=dev`) lacks it. */
const entraSandboxPackage = '@joiner/entra-sandbox';

/**
 * Loads the Entra stand-in on demand, so that the product neither bundles it nor needs it installed when
 * ENTRA_CLIENT_ID is set. A missing package becomes one message that says what to do instead.
 */
async function loadEntraSandbox(): Promise<typeof EntraSandboxPackage> {
  try {
    return (await import(entraSandboxPackage)) as typeof EntraSandboxPackage;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    // Installed (npm ci links it) but not built: its entry point, dist/index.js, is what is missing.
    if ((err as Error).message.includes(path.join('entra-sandbox', 'dist'))) {
      throw new Error(
        `the Entra sandbox (${entraSandboxPackage}) is installed but not built: run \`npm run build:sandbox\` ` +
          '(`npm start` builds it), or set ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET to use a Microsoft Entra tenant',
        { cause: err },
      );
    }
    throw new Error(
      `ENTRA_CLIENT_ID is not set and the Entra sandbox (${entraSandboxPackage}, a dev dependency) is not installed: set ` +
        'ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET to use a Microsoft Entra tenant, or install the dev dependencies ' +
        '(npm ci) to run against the stand-in',
      { cause: err },
    );
  }
}

/**
 * The Entra directory: Microsoft's when ENTRA_CLIENT_ID is set, else an in-process Entra sandbox (its state kept in
 * DATA_DIR/entra-sandbox). ENTRA_TENANT_ID connects the default company without the console's admin-consent flow; with the sandbox
 * and no ENTRA_TENANT_ID, a default company that never had a tenant is connected to the sandbox tenant so the flow can be
 * tried by hand. Only then: an operator's "Remove integration" in the console stays removed across restarts.
 */
async function resolveEntra(
  config: JoinerConfig,
  database: Database,
  logger: Logger,
  closers: Closer[],
  sandboxPackage?: typeof EntraSandboxPackage,
): Promise<ResolvedEntra> {
  let configured = await configuredEntra(config, logger);
  let standInTenantId: string | undefined;
  if (configured === undefined) {
    const { startEntraSandbox } = sandboxPackage ?? (await loadEntraSandbox());
    const { GraphDirectory } = await import('../entra/graph-directory.js');
    const sandbox = await startEntraSandbox({
      port: 0,
      control: true,
      dataDir: path.resolve(config.DATA_DIR, 'entra-sandbox'),
    });
    closers.push({ what: 'the Entra sandbox', close: () => sandbox.close() });
    const app = { clientId: sandbox.clientId, authorityHost: sandbox.url };
    configured = {
      directory: new GraphDirectory({
        ...app,
        clientSecret: sandbox.clientSecret,
        graphBaseUrl: sandbox.url,
        caCertificate: sandbox.caCertPem,
        logger,
      }),
      app,
    };
    standInTenantId = sandbox.tenantId;
    logger.warn(
      {
        url: sandbox.url,
        controlUrl: sandbox.controlUrl,
        tenantId: sandbox.tenantId,
        domains: sandbox.verifiedDomains,
      },
      'ENTRA_CLIENT_ID is not set: using the in-process Entra sandbox (a stand-in for Microsoft Entra ID)',
    );
  }
  const { directory, app } = configured;
  closers.push({ what: 'the Graph client', close: () => directory.close() });
  const newlyConnected: string[] = [];
  const before = await getCompany(database.db, defaultCompanyId);
  // A tenant the company once had (connected, or removed in the console since) is the operator's choice to keep.
  const neverConnected = (before?.entraTenantId ?? null) === null;
  const tenantToConnect = config.ENTRA_TENANT_ID ?? (neverConnected ? standInTenantId : undefined);
  if (standInTenantId !== undefined && tenantToConnect === undefined && before?.entraStatus !== 'connected') {
    logger.info(
      { tenantId: before?.entraTenantId },
      'the default company’s Entra integration was removed: left removed (Integrate in the console connects it again)',
    );
  }
  if (tenantToConnect !== undefined) {
    await connectEntra(database.db, defaultCompanyId, tenantToConnect);
    logger.info({ tenantId: tenantToConnect }, 'default company connected to its Entra tenant from configuration');
    if (before?.entraStatus !== 'connected' || before.entraTenantId !== tenantToConnect) {
      newlyConnected.push(defaultCompanyId);
    }
  }
  return { directory, console: consoleEntra(directory, app), newlyConnected };
}

/** The Entra of a process that runs the worker: see {@link resolveEntra}. */
interface ResolvedEntra {
  directory: GraphDirectory;
  console: ConsoleEntra;
  /** The companies {@link resolveEntra} connected to a tenant (or to another one): the worker resyncs them. */
  newlyConnected: string[];
}

/**
 * The console's Entra for `joiner api`: a Graph client of its own when ENTRA_CLIENT_ID is set (the worker has
 * another), made at the console's first use of it, so that a restarted API serves without loading it; without
 * credentials the Integrations page says how to set them.
 */
function apiProcessEntra(config: JoinerConfig, logger: Logger, closers: Closer[]): ConsoleEntra | undefined {
  const registration = configuredEntraApp(config);
  if (registration === undefined) return undefined;
  let made: Promise<GraphDirectory> | undefined;
  const directory = () => (made ??= configuredEntra(config, logger).then((configured) => configured!.directory));
  closers.push({ what: 'the Graph client', close: async () => (await made)?.close() });
  return {
    clientId: registration.clientId,
    authorityHost: registration.authorityHost,
    probeConnection: async (tenant) => (await directory()).probeConnection(tenant),
    listVerifiedDomains: async (tenant) => (await directory()).listVerifiedDomains(tenant),
    // A client not made yet has nothing to forget.
    forgetTenant: (tenant) => void made?.then((d) => d.forgetTenant(tenant)).catch(() => undefined),
  };
}

/** What the console's Integrations page needs of Entra: the app registration and the live connection check. */
function consoleEntra(directory: GraphDirectory, app: EntraApp): ConsoleEntra {
  return {
    ...app,
    probeConnection: (tenant) => directory.probeConnection(tenant),
    listVerifiedDomains: (tenant) => directory.listVerifiedDomains(tenant),
    forgetTenant: (tenant) => directory.forgetTenant(tenant),
  };
}

/** A Temporal client connected before it is returned (the worker's, its anti-entropy guard's and activities'). */
async function connectClient(config: JoinerConfig, address: string, closers: Closer[]): Promise<Client> {
  const connection = await Connection.connect({ address });
  closers.push({ what: 'the Temporal client connection', close: () => connection.close() });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

/**
 * The API's Temporal client, which connects at its first call: the API accepts webhooks into the outbox whether
 * Temporal answers or not (its relay delivers them once it does; /readyz says whether it does), so neither its
 * start nor a restart after a crash waits for Temporal.
 */
function lazyClient(config: JoinerConfig, address: string, closers: Closer[]): Client {
  const connection = Connection.lazy({ address });
  closers.push({ what: 'the Temporal client connection', close: () => connection.close() });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}

/** What a process that runs the worker needs of Temporal. */
interface WorkerTemporal {
  client: Client;
  /** The workers' connection (the SDK's native one). */
  native: NativeConnection;
}

/** A client and the workers' connection, with Joiner's search attributes registered on the namespace. */
async function connectWorkerTemporal(
  config: JoinerConfig,
  address: string,
  logger: Logger,
  closers: Closer[],
): Promise<WorkerTemporal> {
  const client = await connectClient(config, address, closers);
  // Loaded here, not at the top: `joiner api` has no worker, and a restarted API should not wait for its modules.
  const { NativeConnection } = await import('@temporalio/worker');
  const native = await NativeConnection.connect({ address });
  closers.push({ what: 'the Temporal worker connection', close: () => native.close() });
  await ensureSearchAttributes({ connection: client.connection, namespace: config.TEMPORAL_NAMESPACE }, logger);
  return { client, native };
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
  // What both workers are built over; one pacer, so the process's Graph writes share one budget per tenant.
  const shared = {
    connection: native,
    workerOptions: { shutdownGraceTime: workerShutdownGraceMs, shutdownForceTime: workerShutdownForceMs },
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    db: database.db,
    entra: entra.directory,
    pacer: new GraphWritePacer(),
  };
  const worker = await createLifecycleWorker({ ...shared, client });
  // Graph writes run on a queue of their own, which the Temporal server paces to the write budget for every worker.
  const graphWriter = await createGraphWriteWorker({ ...shared, writesPerSecond: config.GRAPH_WRITES_PER_SECOND });
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
