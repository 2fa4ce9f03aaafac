/**
 * Shared helper for workflow test suites: one time-skipping `TestWorkflowEnvironment` per test file on Temporal's own
 * test server (Java, installed by `scripts/install-temporal`), a workflow bundle built once per file, workers with
 * `maxCachedWorkflows: 0` (every task replays the whole history), and replay of every history the file produced, so a
 * change that breaks determinism fails the suite. End-to-end suites use {@link startDevServer}: the Temporal CLI's
 * dev server, the real server on SQLite.
 *
 * ```ts
 * const kit = new TemporalTestKit({ workflowsPath: require.resolve('./workflows'), searchAttributes: { CompanyId: 'Keyword' } });
 * beforeAll(() => kit.setup());
 * afterAll(() => kit.teardown()); // replays every recorded history, then stops the environment
 * test('…', () => kit.withWorker({ activities }, async () => {
 *   const handle = kit.track(await kit.client.workflow.start(myWorkflow, { taskQueue: kit.taskQueue, workflowId: kit.id('w') }));
 *   expect(await handle.result()).toBe('done');
 * }));
 * ```
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkerOptions, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { TemporalDevServer } from '../../cli/temporal-dev-server';
import { childListening, isAddressInUse, onFreePort, PortTakenError } from '../../cli/ports';
import { startTemporalDevServer } from '../../cli/temporal-dev-server';
import { findTemporalCli, findTemporalTestServer } from '../../cli/temporal-tools';

const notInstalled = 'run `npm run setup:temporal` (scripts/install-temporal) to install it';

/** Keyword search attributes to register, by name (Joiner's are CompanyId, EmployeeId, WorkEmail, LifecyclePhase). */
export type KeywordAttributes = Record<string, 'Keyword'>;

/**
 * The SDK's private factory of environments. The public ones do not take the client's gRPC interceptors (see
 * {@link stoppableRetries}), and the time-skipping one waits only 5 s for the server to listen.
 */
type CreateEnvironment = (options: {
  server: { type: 'existing' };
  supportsTimeSkipping: boolean;
  address: string;
  namespace: string;
  connectionOptions: { interceptors: ReturnType<typeof makeGrpcRetryInterceptor>[] };
}) => Promise<TestWorkflowEnvironment>;

const createEnvironment = (TestWorkflowEnvironment as unknown as { create: CreateEnvironment }).create.bind(
  TestWorkflowEnvironment,
);

/** What {@link createTestEnvironment} and {@link createDevEnvironment} add to the SDK's environment. */
export interface TestEnvironment extends TestWorkflowEnvironment {
  /** Stops the environment and its server (instead of `teardown()`): see {@link stopEnvironment}. */
  stop(): Promise<void>;
}

/**
 * The client's gRPC retries (the SDK's default policy) that end when the environment is being stopped. The SDK retries
 * a call that failed as unavailable on a timer; a timer that fires after the connection closed throws "Channel has
 * been shut down" out of a timer, which jest blames on whichever suite runs next in that worker. So once stopping
 * starts, no retry is scheduled, and the connection closes only after the retries already scheduled have run.
 */
function stoppableRetries() {
  const policy = defaultGrpcRetryOptions();
  let stopping = false;
  let lastRetryAt = 0;
  const interceptor = makeGrpcRetryInterceptor({
    retryableDecider: (attempt, status) => !stopping && policy.retryableDecider(attempt, status),
    delayFunction: (attempt, status) => {
      const delay = policy.delayFunction(attempt, status);
      lastRetryAt = Math.max(lastRetryAt, Date.now() + delay);
      return delay;
    },
  });
  return {
    interceptor,
    /** Stops retrying and resolves once every retry scheduled before has fired. */
    async stop(): Promise<void> {
      stopping = true;
      const wait = lastRetryAt - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 50));
    },
  };
}

/**
 * Stops an environment made over a server started here: retries off, then the server (so that calls still in flight,
 * such as a result awaited by a test that timed out, fail now rather than after the connection closed), then the
 * connections.
 */
async function stopEnvironment(
  env: TestWorkflowEnvironment,
  retries: ReturnType<typeof stoppableRetries>,
  stopServer: () => Promise<void>,
): Promise<void> {
  await retries.stop();
  await stopServer();
  await env.teardown();
}

/**
 * Starts Temporal's time-skipping test server (`bin/temporal-test-server <port> --enable-time-skipping`) and a
 * `TestWorkflowEnvironment` over it, and registers `searchAttributes` through the operator service. The server is
 * started here rather than by the SDK's `existing-path` launcher because the SDK gives it 5 s to listen, and a JVM on
 * a loaded 2-core machine has been seen to take longer; here it gets a minute.
 */
export async function createTestEnvironment(searchAttributes: KeywordAttributes = {}): Promise<TestEnvironment> {
  quietRuntime();
  const launcher = findTemporalTestServer();
  if (launcher === undefined) throw new Error(`Temporal's test server is not installed: ${notInstalled}`);
  const { env, retries, stopServer } = await onFreePort((port) => startTestServer(launcher, port));
  // Started this way the test server skips time freely, jumping over a workflow's timers the moment it idles (the
  // timer suites then saw "left" where "offboarding" was due). The SDK's time-skipping client expects it locked and
  // unlocks it only while it awaits a result or sleeps, so lock it once here.
  await env.connection.testService?.lockTimeSkipping({});
  const names = Object.keys(searchAttributes);
  if (names.length > 0) {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(names.map((name) => [name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
    });
  }
  return Object.assign(env, { stop: () => stopEnvironment(env, retries, stopServer) });
}

/**
 * Starts the test server on `port` and an environment over it once the port's listener is the server's own: a port
 * another process took first (another suite's test server, say, whose clock and time-skipping lock this suite would
 * then share) fails with {@link PortTakenError}, for {@link onFreePort} to try another.
 */
async function startTestServer(launcher: string, port: number) {
  const child = spawn(launcher, [String(port), '--enable-time-skipping'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const stopServer = () => stopChild(child);
  const retries = stoppableRetries();
  try {
    await untilListening(child, port, 60_000);
    const env = await createEnvironment({
      server: { type: 'existing' },
      supportsTimeSkipping: true,
      address: `127.0.0.1:${port}`,
      namespace: 'default',
      connectionOptions: { interceptors: [retries.interceptor] },
    });
    return { env, retries, stopServer };
  } catch (err) {
    await stopServer();
    throw err;
  }
}

/** A real-time `TestWorkflowEnvironment` on {@link startDevServer} (Joiner's search attributes registered at start). */
export async function createDevEnvironment(): Promise<TestEnvironment> {
  quietRuntime();
  const server = await startDevServer();
  const retries = stoppableRetries();
  try {
    const env = await createEnvironment({
      server: { type: 'existing' },
      supportsTimeSkipping: false,
      address: server.address,
      namespace: 'default',
      connectionOptions: { interceptors: [retries.interceptor] },
    });
    return Object.assign(env, { stop: () => stopEnvironment(env, retries, () => server.stop()) });
  } catch (err) {
    await server.stop();
    throw err;
  }
}

/**
 * Starts the Temporal CLI's dev server (the real server on SQLite) headless on free ports with Joiner's search
 * attributes, its database in a temporary directory (or `dbFile`, to restart on the same state). `stop()` also
 * removes the temporary directory.
 */
export async function startDevServer(
  options: { dbFile?: string; port?: number; uiPort?: number } = {},
): Promise<TemporalDevServer & { dbFile: string }> {
  const cli = findTemporalCli();
  if (cli === undefined) throw new Error(`the Temporal CLI is not installed: ${notInstalled}`);
  const dir = options.dbFile === undefined ? await mkdtemp(path.join(os.tmpdir(), 'joiner-temporal-')) : undefined;
  const dbFile = options.dbFile ?? path.join(dir!, 'temporal.db');
  const server = await startTemporalDevServer({ cli: cli.path, dbFile, port: options.port, uiPort: options.uiPort });
  return {
    ...server,
    dbFile,
    stop: async () => {
      await server.stop();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function untilListening(child: ChildProcess, port: number, timeoutMs: number): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      if (isAddressInUse(stderr)) throw new PortTakenError(port, stderr);
      throw new Error(`Temporal's test server exited (${child.exitCode ?? child.signalCode}): ${stderr}`);
    }
    const listening = await childListening(child.pid!, '127.0.0.1', port);
    if (listening === 'listening') return;
    if (listening === 'taken') throw new PortTakenError(port, 'another process listens on it');
    if (Date.now() > deadline)
      throw new Error(`Temporal's test server did not listen within ${timeoutMs} ms: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Keeps the SDK's per-worker INFO lines out of test output (warnings and errors still show). */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by this file or a suite that wants its own logger.
  }
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/** Bundles the workflows at `workflowsPath` once per test file (jest gives each file its own module registry). */
export function bundleWorkflowsOnce(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let bundle = bundles.get(workflowsPath);
  if (!bundle) {
    bundle = bundleWorkflowCode({ workflowsPath, logger: quietBundlerLogger });
    bundles.set(workflowsPath, bundle);
  }
  return bundle;
}

const noop = () => undefined;
const quietBundlerLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };

export interface TemporalTestKitOptions {
  /** `require.resolve('./workflows')` of the suite's workflow index. */
  workflowsPath: string;
  /** Keyword search attributes the suite's workflows use. */
  searchAttributes?: KeywordAttributes;
  /**
   * `time-skipping` (default): Temporal's test server. `dev`: the dev server in real time, for suites that need no
   * time skipping and assert what happens within real seconds (retries, backoffs), where the test server would skip
   * ahead while the suite waits.
   */
  server?: 'time-skipping' | 'dev';
}

/** One environment, one bundle and a history recorder for a test file. */
export class TemporalTestKit {
  private environment: TestEnvironment | undefined;
  /** Workers of {@link withWorker} still running, with what their run ends in. */
  private readonly running = new Map<Worker, Promise<unknown>>();
  private readonly tracked: { workflowId: string; runId: string | undefined }[] = [];
  /** A task queue unique to this file. */
  readonly taskQueue = `test-${randomUUID()}`;

  constructor(private readonly options: TemporalTestKitOptions) {}

  /** Starts the environment and builds the bundle (call in `beforeAll`). */
  async setup(): Promise<void> {
    const [env] = await Promise.all([
      this.options.server === 'dev' ? createDevEnvironment() : createTestEnvironment(this.options.searchAttributes),
      bundleWorkflowsOnce(this.options.workflowsPath),
    ]);
    this.environment = env;
  }

  get env(): TestWorkflowEnvironment {
    if (!this.environment) throw new Error('TemporalTestKit.setup() has not run');
    return this.environment;
  }

  get client(): Client {
    return this.env.client;
  }

  /**
   * The server's clock, which is what workflows read as `Date.now()`. On the time-skipping server it runs ahead of the
   * wall clock, and by years: while a result is awaited the server jumps to its next timer, and that can be the 10-year
   * execution timeout a terminated workflow left behind. A time a test hands a workflow to compare with its own clock
   * (when a change happened, from which a timer counts) must be read here, not from `new Date()`.
   */
  async now(): Promise<Date> {
    return new Date(await this.env.currentTimeMs());
  }

  /** A workflow id unique to this run of the suite. */
  id(prefix: string): string {
    return `${prefix}-${randomUUID()}`;
  }

  /** Creates a worker on the kit's task queue with the shared bundle and `maxCachedWorkflows: 0`. */
  async createWorker(options: Partial<WorkerOptions> = {}): Promise<Worker> {
    return Worker.create({
      connection: this.env.nativeConnection,
      namespace: this.env.namespace ?? 'default',
      taskQueue: this.taskQueue,
      workflowBundle: await bundleWorkflowsOnce(this.options.workflowsPath),
      maxCachedWorkflows: 0,
      ...options,
    });
  }

  /** Runs `fn` while a worker (see {@link createWorker}) polls; shuts the worker down afterwards. */
  async withWorker<T>(options: Partial<WorkerOptions>, fn: (worker: Worker) => Promise<T>): Promise<T> {
    const worker = await this.createWorker(options);
    const run = worker.runUntil(fn(worker));
    this.running.set(worker, run);
    try {
      return await run;
    } finally {
      this.running.delete(worker);
    }
  }

  /** Records a workflow so the history of each of its runs is replayed at {@link teardown}. */
  track<H extends WorkflowHandle>(handle: H): H {
    const firstRunId = (handle as { firstExecutionRunId?: string }).firstExecutionRunId;
    this.tracked.push({ workflowId: handle.workflowId, runId: firstRunId });
    return handle;
  }

  /** Fetches the history of every run of every tracked workflow, following continue-as-new. */
  async trackedHistories(): Promise<{ workflowId: string; history: temporal.api.history.v1.IHistory }[]> {
    const histories: { workflowId: string; history: temporal.api.history.v1.IHistory }[] = [];
    for (const { workflowId, runId } of this.tracked) {
      let next: string | undefined = runId;
      do {
        const history = await this.client.workflow.getHandle(workflowId, next).fetchHistory();
        histories.push({ workflowId, history });
        const last = history.events?.[history.events.length - 1];
        next = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      } while (next);
    }
    return histories;
  }

  /** Replays every tracked history with the shared bundle; throws on the first nondeterminism or failure. */
  async replayTrackedHistories(): Promise<number> {
    const histories = await this.trackedHistories();
    const workflowBundle = await bundleWorkflowsOnce(this.options.workflowsPath);
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
      if (result.error) throw new Error(`replay of ${result.workflowId} failed: ${String(result.error)}`);
      replayed++;
    }
    return replayed;
  }

  /**
   * Replays the tracked histories, then stops the environment (call in `afterAll`). A worker still running (its test
   * timed out) is shut down first: it would hold the connection open and poll the stopped server for ever.
   */
  async teardown(): Promise<void> {
    try {
      if (this.environment) await this.replayTrackedHistories();
    } finally {
      for (const worker of this.running.keys()) if (worker.getState() === 'RUNNING') worker.shutdown();
      await Promise.allSettled(this.running.values());
      await this.environment?.stop();
    }
  }
}
