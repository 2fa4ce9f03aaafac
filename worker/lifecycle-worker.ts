import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import type { LifecycleActivityDeps } from './activities';
import { graphWritesTaskQueue } from '../workflows/activity-options';
import { createGraphWriteActivities, createLifecycleActivities } from './activities';
import { DatabaseErrorScrubber } from './database-errors';
import { LivenessHeartbeat } from './liveness-heartbeat';
import { prebuiltWorkflowBundle, workflowsPath } from './workflow-bundle';

export interface LifecycleWorkerOptions extends LifecycleActivityDeps {
  connection: NativeConnection;
  namespace: string;
  /**
   * A prebuilt workflow bundle (tests build one per file); by default the build's (./workflow-bundle.ts), or, run
   * from source, the workflows bundled at start.
   */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker options (concurrency, shutdown grace, …). */
  workerOptions?: Partial<WorkerOptions>;
}

/**
 * The activity interceptors of every Joiner worker: heartbeats so a dead worker's activities are retried within
 * seconds ({@link LivenessHeartbeat}), then database errors scrubbed of their data ({@link DatabaseErrorScrubber}).
 */
export const activityInterceptors = [
  () => ({ inbound: new LivenessHeartbeat() }),
  () => ({ inbound: new DatabaseErrorScrubber() }),
];

export { workflowsPath } from './workflow-bundle';

/**
 * Builds the worker of Joiner's task queue: every workflow of `workflows/` and the lifecycle activities over the
 * injected clients (Graph writes are dispatched to {@link createGraphWriteWorker}'s queue, which runs beside it), database errors scrubbed of their data (see {@link DatabaseErrorScrubber}). The caller runs it
 * (`worker.run()`) and shuts it down.
 */
export async function createLifecycleWorker(options: LifecycleWorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, workflowBundle, workerOptions, ...deps } = options;
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    // The build's bundle when there is one (see ./workflow-bundle.ts); else the workflows are bundled now.
    ...(workflowBundle ? { workflowBundle } : bundleOrPath()),
    activities: createLifecycleActivities({ ...deps, taskQueue }),
    ...workerOptions,
    interceptors: {
      ...workerOptions?.interceptors,
      activity: [...activityInterceptors, ...(workerOptions?.interceptors?.activity ?? [])],
    },
  });
}

export interface GraphWriteWorkerOptions extends Pick<LifecycleActivityDeps, 'db' | 'entra' | 'pacer'> {
  connection: NativeConnection;
  namespace: string;
  /** The lifecycle's task queue; this worker polls its Graph-write queue, {@link graphWritesTaskQueue}. */
  taskQueue: string;
  /** Extra worker options (concurrency, shutdown grace, …). */
  workerOptions?: Partial<WorkerOptions>;
}

/**
 * Builds the worker of the Graph-write task queue: activities only. The queue has no rate of its own: each write
 * waits for its tenant's write budget, which every worker shares through the database (the pacer,
 * activities/graph-write-pacer.ts). A 429 from Graph still wins: its Retry-After becomes the activity's next retry
 * delay.
 */
export async function createGraphWriteWorker(options: GraphWriteWorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, workerOptions, ...deps } = options;
  return Worker.create({
    connection,
    namespace,
    taskQueue: graphWritesTaskQueue(taskQueue),
    activities: createGraphWriteActivities(deps),
    ...workerOptions,
    interceptors: {
      ...workerOptions?.interceptors,
      activity: [...activityInterceptors, ...(workerOptions?.interceptors?.activity ?? [])],
    },
  });
}

function bundleOrPath(): Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'> {
  const prebuilt = prebuiltWorkflowBundle();
  return prebuilt ? { workflowBundle: prebuilt } : { workflowsPath: workflowsPath() };
}
