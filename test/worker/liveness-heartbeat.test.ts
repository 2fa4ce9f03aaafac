/**
 * Joiner's workers heartbeat while an activity runs, so an activity may run longer than its heartbeat timeout while
 * its worker lives; the timeout then only catches a worker that died (test/cli/start.test.ts kills one with -9).
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, TimeoutFailure, TimeoutType } from '@temporalio/common';
import type { WorkerOptions } from '@temporalio/worker';
import { Worker } from '@temporalio/worker';
import { activityInterceptors } from '../../worker/lifecycle-worker';
import type { longActivityWorkflow } from './heartbeat-workflows';
import type { TestEnvironment } from '../helpers/temporal';
import { bundleWorkflowsOnce, createDevEnvironment } from '../helpers/temporal';

let env: TestEnvironment;
beforeAll(async () => {
  env = await createDevEnvironment();
}, 60_000);
afterAll(() => env?.stop());

/** Runs the activity for `ms` (more than twice its 3 s heartbeat timeout) on a worker with these interceptors. */
async function runLongActivity(interceptors: NonNullable<WorkerOptions['interceptors']>['activity']): Promise<number> {
  const taskQueue = `heartbeat-${randomUUID()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowsOnce(require.resolve('./heartbeat-workflows')),
    activities: {
      async outlastHeartbeatTimeout(ms: number) {
        const context = Context.current();
        // Ends early when the worker shuts down at the end of a case instead of holding the shutdown for `ms`.
        await sleep(ms, undefined, { signal: context.cancellationSignal });
        return context.info.attempt;
      },
    },
    interceptors: { activity: interceptors },
  });
  return worker.runUntil(
    env.client.workflow.execute<typeof longActivityWorkflow>('longActivityWorkflow', {
      taskQueue,
      workflowId: taskQueue,
      args: [7_000],
    }),
  );
}

it('an activity outlasts its heartbeat timeout on a live Joiner worker, in its first attempt', async () => {
  await expect(runLongActivity(activityInterceptors)).resolves.toBe(1);
}, 30_000);

it('without the heartbeat the same activity times out (what a dead worker looks like to Temporal)', async () => {
  const failure = await runLongActivity([]).catch((err: unknown) => err);
  expect(failure).toBeInstanceOf(WorkflowFailedError);
  const activity = (failure as WorkflowFailedError).cause;
  expect(activity).toBeInstanceOf(ActivityFailure);
  expect(activity?.cause).toBeInstanceOf(TimeoutFailure);
  expect((activity?.cause as TimeoutFailure).timeoutType).toBe(TimeoutType.HEARTBEAT);
}, 30_000);
