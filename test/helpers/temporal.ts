/**
 * Shared helper for workflow test suites: one time-skipping `TestWorkflowEnvironment` per test file, a workflow
 * bundle built once per file, workers with `maxCachedWorkflows: 0` (every task replays the whole history), and
 * replay of every history the file produced, so a change that breaks determinism fails the suite.
 *
 * The server is Temporal's real test server or CLI when `TEMPORAL_TEST_SERVER_EXECUTABLE` names one, else the
 * Joiner Temporal sandbox launcher (`bin/temporal-sandbox`, which needs `npm run build`; `npm test` builds first).
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
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkerOptions, WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { TemporalSandboxOptions } from '../../sandbox/temporal';
import { startTemporalSandbox } from '../../sandbox/temporal';

export { startTemporalSandbox };
export type { TemporalSandboxOptions };

/** Path of the sandbox launcher (compiled JavaScript from dist/). */
export const sandboxLauncherPath = path.resolve(__dirname, '..', '..', 'bin', 'temporal-sandbox');

/** The server executable suites run against: `TEMPORAL_TEST_SERVER_EXECUTABLE` when set, else the sandbox. */
export function testServerExecutable(): string {
  return process.env.TEMPORAL_TEST_SERVER_EXECUTABLE || sandboxLauncherPath;
}

/** Keyword search attributes to register, by name (Joiner's are CompanyId, EmployeeId, WorkEmail, LifecyclePhase). */
export type KeywordAttributes = Record<string, 'Keyword'>;

/**
 * Starts a time-skipping test environment on {@link testServerExecutable} and registers `searchAttributes` through
 * the operator service (which Temporal's servers and the sandbox all offer).
 */
export async function createTestEnvironment(
  searchAttributes: KeywordAttributes = {},
): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerExecutable() } },
  });
  const names = Object.keys(searchAttributes);
  if (names.length > 0) {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(names.map((name) => [name, 2 /* INDEXED_VALUE_TYPE_KEYWORD */])),
    });
  }
  return env;
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
}

/** One environment, one bundle and a history recorder for a test file. */
export class TemporalTestKit {
  private environment: TestWorkflowEnvironment | undefined;
  private readonly tracked: { workflowId: string; runId: string | undefined }[] = [];
  /** A task queue unique to this file. */
  readonly taskQueue = `test-${randomUUID()}`;

  constructor(private readonly options: TemporalTestKitOptions) {}

  /** Starts the environment and builds the bundle (call in `beforeAll`). */
  async setup(): Promise<void> {
    const [env] = await Promise.all([
      createTestEnvironment(this.options.searchAttributes),
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
    return worker.runUntil(fn(worker));
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

  /** Replays the tracked histories, then stops the environment (call in `afterAll`). */
  async teardown(): Promise<void> {
    try {
      if (this.environment) await this.replayTrackedHistories();
    } finally {
      await this.environment?.teardown();
    }
  }
}
