import type { NativeConnection, WorkerOptions } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import type { LifecycleActivityDeps } from './activities';
import { createLifecycleActivities } from './activities';
import { DatabaseErrorScrubber } from './database-errors';

export interface LifecycleWorkerOptions extends LifecycleActivityDeps {
  connection: NativeConnection;
  namespace: string;
  /** A prebuilt workflow bundle (tests build one per file); by default the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Extra worker options (concurrency, shutdown grace, …). */
  workerOptions?: Partial<WorkerOptions>;
}

/** Where the workflows live: `workflows/index.ts` from source, `dist/workflows/index.js` from the build. */
export function workflowsPath(): string {
  return require.resolve('../workflows');
}

/**
 * Builds the worker of Joiner's task queue: every workflow of `workflows/` and the lifecycle activities over the
 * injected clients, database errors scrubbed of their data (see {@link DatabaseErrorScrubber}). The caller runs it
 * (`worker.run()`) and shuts it down.
 */
export async function createLifecycleWorker(options: LifecycleWorkerOptions): Promise<Worker> {
  const { connection, namespace, taskQueue, workflowBundle, workerOptions, ...deps } = options;
  return Worker.create({
    connection,
    namespace,
    taskQueue,
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: workflowsPath() }),
    activities: createLifecycleActivities({ ...deps, taskQueue }),
    ...workerOptions,
    interceptors: {
      ...workerOptions?.interceptors,
      activity: [() => ({ inbound: new DatabaseErrorScrubber() }), ...(workerOptions?.interceptors?.activity ?? [])],
    },
  });
}
