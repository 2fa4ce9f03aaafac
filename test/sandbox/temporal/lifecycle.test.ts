import { randomUUID } from 'node:crypto';
import type { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TemporalTestKit } from '../../helpers/temporal';
import { createConformanceActivities } from './conformance-activities';
import {
  continueAsNewWorkflow,
  failingWorkflow,
  finishSignal,
  localActivityWorkflow,
  phaseQuery,
  timerCancelWorkflow,
  waitingWorkflow,
} from './workflows';

const EventType = temporal.api.enums.v1.EventType;
const kit = new TemporalTestKit({ workflowsPath: require.resolve('./workflows') });
const activities = createConformanceActivities();

beforeAll(() => kit.setup(), 60_000);
afterAll(() => kit.teardown(), 60_000);

async function eventTypes(workflowId: string, runId?: string): Promise<temporal.api.enums.v1.EventType[]> {
  const history = await kit.client.workflow.getHandle(workflowId, runId).fetchHistory();
  return history.events!.map((e) => e.eventType!);
}

describe('workflow lifecycle on the Temporal sandbox', () => {
  test('a workflow that continues as new twice ends with the last run’s result', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(continueAsNewWorkflow, {
          taskQueue: kit.taskQueue,
          workflowId: kit.id('can'),
          args: [2],
        }),
      );
      expect(await handle.result()).toBe(2);
      const first = await kit.client.workflow.getHandle(handle.workflowId, handle.firstExecutionRunId).describe();
      expect(first.status.name).toBe('CONTINUED_AS_NEW');
      const latest = await kit.client.workflow.getHandle(handle.workflowId).describe();
      expect(latest.status.name).toBe('COMPLETED');
      expect(latest.runId).not.toBe(handle.firstExecutionRunId);
    });
  });

  test('a cancelled workflow ends cancelled', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(waitingWorkflow, { taskQueue: kit.taskQueue, workflowId: kit.id('cancel') }),
      );
      expect(await handle.query(phaseQuery)).toBe('waiting');
      await handle.cancel();
      const err = await handle.result().catch((e: unknown) => e);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
    });
  });

  test('a terminated workflow ends terminated with the reason', async () => {
    const handle = kit.track(
      await kit.client.workflow.start(waitingWorkflow, { taskQueue: kit.taskQueue, workflowId: kit.id('terminate') }),
    );
    await handle.terminate('no longer needed');
    const err = await handle.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
    expect((err as WorkflowFailedError).message).toBe('no longer needed');
    expect((await handle.describe()).status.name).toBe('TERMINATED');
  });

  test('a workflow that throws an ApplicationFailure fails with it', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(failingWorkflow, {
          taskQueue: kit.taskQueue,
          workflowId: kit.id('fail'),
          args: ['it broke'],
        }),
      );
      const err = await handle.result().catch((e: unknown) => e);
      const cause = (err as WorkflowFailedError).cause as ApplicationFailure;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect(cause.type).toBe('ConformanceError');
      expect(cause.message).toBe('it broke');
      expect(cause.details).toEqual([{ reason: 'test' }]);
      expect((await handle.describe()).status.name).toBe('FAILED');
    });
  });

  test('local activities run and patched() takes the new branch, recorded as markers and a change version', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(localActivityWorkflow, {
          taskQueue: kit.taskQueue,
          workflowId: kit.id('local'),
          args: [randomUUID()],
        }),
      );
      expect(await handle.result()).toBe('1,2,patched');
      const types = await eventTypes(handle.workflowId);
      expect(types.filter((t) => t === EventType.EVENT_TYPE_MARKER_RECORDED).length).toBeGreaterThanOrEqual(3);
      const description = await handle.describe();
      expect(description.searchAttributes.TemporalChangeVersion).toEqual(['new-branch']);
    });
  });

  test('a cancelled timer never fires and the workflow goes on', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(timerCancelWorkflow, { taskQueue: kit.taskQueue, workflowId: kit.id('timer') }),
      );
      expect(await handle.result()).toBe('timer cancelled');
      const types = await eventTypes(handle.workflowId);
      expect(types).toContain(EventType.EVENT_TYPE_TIMER_CANCELED);
      expect(types.filter((t) => t === EventType.EVENT_TYPE_TIMER_FIRED)).toHaveLength(1);
    });
  });

  test('a workflow task a worker never answers times out and is retried on another worker', async () => {
    const taskQueue = `stuck-${randomUUID()}`;
    const handle = kit.track(
      await kit.client.workflow.start(waitingWorkflow, {
        taskQueue,
        workflowId: kit.id('wft-timeout'),
        workflowTaskTimeout: '1s',
      }),
    );
    const stolen = await kit.client.workflowService.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'a worker that hangs',
    });
    expect(stolen.taskToken?.length).toBeGreaterThan(0);
    await kit.withWorker({ activities, taskQueue }, async () => {
      expect(await handle.query(phaseQuery)).toBe('waiting');
      await handle.signal(finishSignal);
      expect(await handle.result()).toBe('finished');
    });
    const types = await eventTypes(handle.workflowId);
    expect(types).toContain(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT);
  });

  test('a failed workflow task is retried and its failure stays in the history', async () => {
    const taskQueue = `failing-${randomUUID()}`;
    const handle = kit.track(
      await kit.client.workflow.start(waitingWorkflow, { taskQueue, workflowId: kit.id('wft-failed') }),
    );
    const task = await kit.client.workflowService.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: taskQueue },
      identity: 'a worker that fails',
    });
    await kit.client.workflowService.respondWorkflowTaskFailed({
      namespace: 'default',
      taskToken: task.taskToken,
      cause: temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE,
      failure: { message: 'boom' },
      identity: 'a worker that fails',
    });
    await kit.withWorker({ activities, taskQueue }, async () => {
      await handle.signal(finishSignal);
      expect(await handle.result()).toBe('finished');
    });
    const history = await handle.fetchHistory();
    const failed = history.events!.find((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED);
    expect(failed?.workflowTaskFailedEventAttributes?.failure?.message).toBe('boom');
  });

  test('describe reports the run’s type, queue, status, memo and search attributes', async () => {
    const handle = kit.track(
      await kit.client.workflow.start(waitingWorkflow, {
        taskQueue: kit.taskQueue,
        workflowId: kit.id('describe'),
        memo: { owner: 'hr-it' },
      }),
    );
    const description = await handle.describe();
    expect(description).toMatchObject({
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
      type: 'waitingWorkflow',
      taskQueue: kit.taskQueue,
      status: { name: 'RUNNING' },
      memo: { owner: 'hr-it' },
    });
    expect(description.historyLength).toBeGreaterThanOrEqual(2);
    expect(description.startTime).toBeInstanceOf(Date);
    await handle.terminate('cleanup');
  });

  test('history is fetched in pages that add up to the whole history', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(timerCancelWorkflow, { taskQueue: kit.taskQueue, workflowId: kit.id('pages') }),
      );
      await handle.result();
      const whole = (await handle.fetchHistory()).events!;
      const paged: unknown[] = [];
      let nextPageToken: Uint8Array | undefined;
      let pages = 0;
      do {
        const page = await kit.client.workflowService.getWorkflowExecutionHistory({
          namespace: 'default',
          execution: { workflowId: handle.workflowId },
          maximumPageSize: 3,
          nextPageToken,
        });
        expect(page.history!.events!.length).toBeLessThanOrEqual(3);
        paged.push(...page.history!.events!);
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
        pages++;
      } while (nextPageToken);
      expect(paged).toHaveLength(whole.length);
      expect(pages).toBe(Math.ceil(whole.length / 3));
    });
  });

  test('an idle worker shuts down promptly', async () => {
    const worker = await kit.createWorker({ activities });
    const running = worker.run();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stopAsked = Date.now();
    worker.shutdown();
    await running;
    expect(Date.now() - stopAsked).toBeLessThan(2000);
  });
});
