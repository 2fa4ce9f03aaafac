import { WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { ActivityFailure, RetryState } from '@temporalio/common';
import { TemporalTestKit } from '../../helpers/temporal';
import type { AttemptLog } from './conformance-activities';
import { createConformanceActivities } from './conformance-activities';
import {
  asyncCompletionWorkflow,
  cancelActivityWorkflow,
  retryWorkflow,
  throttledWorkflow,
  timeoutWorkflow,
} from './workflows';

const kit = new TemporalTestKit({ workflowsPath: require.resolve('./workflows') });
const attempts: AttemptLog = new Map();
const activities = createConformanceActivities(attempts);
const START_TO_CLOSE = 'START_TO_CLOSE';
const SCHEDULE_TO_CLOSE = 'SCHEDULE_TO_CLOSE';
const HEARTBEAT = 'HEARTBEAT';

beforeAll(() => kit.setup(), 60_000);
afterAll(() => kit.teardown(), 60_000);

async function run<T>(
  workflow: (...args: never[]) => Promise<T>,
  args: unknown[],
): Promise<{ id: string; result: Promise<T> }> {
  const id = kit.id(workflow.name);
  const handle = kit.track(
    await kit.client.workflow.start(workflow as (...a: unknown[]) => Promise<T>, {
      taskQueue: kit.taskQueue,
      workflowId: id,
      args,
    }),
  );
  return { id, result: handle.result() };
}

async function failureOf(promise: Promise<unknown>): Promise<ActivityFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ActivityFailure);
  return cause as ActivityFailure;
}

describe('activities on the Temporal sandbox', () => {
  test('a failing activity is retried with exponential backoff until an attempt succeeds', async () => {
    await kit.withWorker({ activities }, async () => {
      const { id, result } = await run(retryWorkflow, [
        3,
        { initialIntervalMs: 1000, backoffCoefficient: 2, maximumAttempts: 5 },
      ]);
      expect(await result).toBe(3);
      const [first, second, third] = attempts.get(id)!;
      expect(second! - first!).toBeGreaterThanOrEqual(1000);
      expect(third! - second!).toBeGreaterThanOrEqual(2000);
    });
  });

  test('when maximum attempts are used up, the workflow sees the last failure and the retry state', async () => {
    await kit.withWorker({ activities }, async () => {
      const { id, result } = await run(retryWorkflow, [
        10,
        { initialIntervalMs: 10, backoffCoefficient: 1, maximumAttempts: 2 },
      ]);
      const failure = await failureOf(result);
      expect(failure.retryState).toBe(RetryState.MAXIMUM_ATTEMPTS_REACHED);
      expect((failure.cause as ApplicationFailure).message).toBe('attempt 2 failed');
      expect(attempts.get(id)).toHaveLength(2);
    });
  });

  test('an error type listed as non-retryable stops retries at the first failure', async () => {
    await kit.withWorker({ activities }, async () => {
      const { id, result } = await run(retryWorkflow, [
        3,
        { initialIntervalMs: 10, backoffCoefficient: 1, maximumAttempts: 5, nonRetryable: ['Fatal'] },
        'Fatal',
      ]);
      const failure = await failureOf(result);
      expect(failure.retryState).toBe(RetryState.NON_RETRYABLE_FAILURE);
      expect((failure.cause as ApplicationFailure).type).toBe('Fatal');
      expect(attempts.get(id)).toHaveLength(1);
    });
  });

  test('nextRetryDelay from the failure replaces the backoff, and time skipping jumps over it', async () => {
    await kit.withWorker({ activities }, async () => {
      const wallStart = Date.now();
      const { id, result } = await run(throttledWorkflow, [60_000]);
      expect(await result).toBeGreaterThanOrEqual(60_000);
      const [first, second] = attempts.get(id)!;
      expect(second! - first!).toBeGreaterThanOrEqual(60_000);
      expect(Date.now() - wallStart).toBeLessThan(10_000);
    });
  });

  test('an attempt that outlives its start-to-close timeout times out and is retried', async () => {
    await kit.withWorker({ activities }, async () => {
      const { id, result } = await run(timeoutWorkflow, [
        { runForMs: 10_000, heartbeatEveryMs: 0, startToCloseMs: 300, maximumAttempts: 2 },
      ]);
      expect(await result).toBe(`ActivityFailure: TimeoutFailure ${START_TO_CLOSE}`);
      expect(attempts.get(id)).toHaveLength(2);
    });
  });

  test('the schedule-to-close timeout ends the activity whatever its attempts', async () => {
    await kit.withWorker({ activities }, async () => {
      const { result } = await run(timeoutWorkflow, [
        { runForMs: 10_000, heartbeatEveryMs: 0, scheduleToCloseMs: 400, maximumAttempts: 5 },
      ]);
      expect(await result).toBe(`ActivityFailure: TimeoutFailure ${SCHEDULE_TO_CLOSE}`);
    });
  });

  test('an activity that stops heartbeating times out on its heartbeat timeout', async () => {
    await kit.withWorker({ activities }, async () => {
      const { result } = await run(timeoutWorkflow, [
        { runForMs: 10_000, heartbeatEveryMs: 0, startToCloseMs: 10_000, heartbeatTimeoutMs: 300, maximumAttempts: 1 },
      ]);
      expect(await result).toBe(`ActivityFailure: TimeoutFailure ${HEARTBEAT}`);
    });
  });

  test('an activity that heartbeats keeps running past its heartbeat timeout', async () => {
    await kit.withWorker({ activities }, async () => {
      const { result } = await run(timeoutWorkflow, [
        { runForMs: 900, heartbeatEveryMs: 100, startToCloseMs: 10_000, heartbeatTimeoutMs: 400, maximumAttempts: 1 },
      ]);
      expect(await result).toBe('finished');
    });
  });

  test('a cancelled activity learns it from its heartbeat and the workflow sees it cancelled', async () => {
    await kit.withWorker({ activities }, async () => {
      const { id, result } = await run(cancelActivityWorkflow, [200]);
      expect(await result).toBe('activity cancelled');
      const history = await kit.client.workflow.getHandle(id).fetchHistory();
      const types = history.events!.map((e) => e.eventType);
      expect(types).toContain(16 /* ACTIVITY_TASK_CANCEL_REQUESTED */);
      expect(types).toContain(17 /* ACTIVITY_TASK_CANCELED */);
    });
  });

  test('an activity completed asynchronously by workflow id and activity id resolves the workflow', async () => {
    await kit.withWorker({ activities }, async () => {
      const { id, result } = await run(asyncCompletionWorkflow, []);
      while (!attempts.get(id)) await new Promise((resolve) => setTimeout(resolve, 20));
      await kit.client.activity.complete({ workflowId: id, activityId: 'completed-elsewhere' }, 'done elsewhere');
      expect(await result).toBe('done elsewhere');
    });
  });
});
