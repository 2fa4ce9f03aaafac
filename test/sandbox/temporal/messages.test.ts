import { QueryNotRegisteredError, WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { TerminatedFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { TemporalTestKit } from '../../helpers/temporal';
import { createConformanceActivities } from './conformance-activities';
import {
  addSignal,
  busyCollectorWorkflow,
  collectorWorkflow,
  failingWorkflow,
  finishSignal,
  itemsQuery,
  phaseQuery,
  waitingWorkflow,
} from './workflows';

const kit = new TemporalTestKit({ workflowsPath: require.resolve('./workflows') });
const activities = createConformanceActivities();

beforeAll(() => kit.setup(), 60_000);
afterAll(() => kit.teardown(), 60_000);

const startWaiting = async (workflowId: string, options: Record<string, unknown> = {}) =>
  kit.track(await kit.client.workflow.start(waitingWorkflow, { taskQueue: kit.taskQueue, workflowId, ...options }));

describe('signals, queries and starts on the Temporal sandbox', () => {
  test('signals that arrive while workflow tasks are in flight are buffered and none is lost', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(busyCollectorWorkflow, {
          taskQueue: kit.taskQueue,
          workflowId: kit.id('busy'),
        }),
      );
      const sent = Array.from({ length: 40 }, (_, i) => `item-${i}`);
      for (let i = 0; i < sent.length; i += 10) {
        await Promise.all(sent.slice(i, i + 10).map((item) => handle.signal(addSignal, item)));
      }
      await handle.signal(finishSignal);
      const received = await handle.result();
      expect([...received].sort()).toEqual([...sent].sort());
    });
  });

  test('signal-with-start starts the workflow with its signal, then signals the running run', async () => {
    await kit.withWorker({ activities }, async () => {
      const workflowId = kit.id('sws');
      const options = { taskQueue: kit.taskQueue, workflowId, args: [2] as [number], signal: addSignal };
      const first = kit.track(
        await kit.client.workflow.signalWithStart(collectorWorkflow, { ...options, signalArgs: ['first'] }),
      );
      const second = await kit.client.workflow.signalWithStart(collectorWorkflow, {
        ...options,
        signalArgs: ['second'],
      });
      expect(second.signaledRunId).toBe(first.signaledRunId);
      expect(await first.result()).toEqual(['first', 'second']);
    });
  });

  test('starting a workflow id that is running fails with WorkflowExecutionAlreadyStartedError', async () => {
    const workflowId = kit.id('dup');
    const handle = await startWaiting(workflowId);
    await expect(startWaiting(workflowId)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
    await handle.terminate('cleanup');
  });

  test('conflict policy USE_EXISTING returns the running run instead of failing', async () => {
    const workflowId = kit.id('use-existing');
    const first = await startWaiting(workflowId);
    const again = await startWaiting(workflowId, { workflowIdConflictPolicy: 'USE_EXISTING' });
    expect(again.firstExecutionRunId).toBe(first.firstExecutionRunId);
    await first.terminate('cleanup');
  });

  test('conflict policy TERMINATE_EXISTING terminates the running run and starts a new one', async () => {
    const workflowId = kit.id('terminate-existing');
    const first = await startWaiting(workflowId);
    const second = await startWaiting(workflowId, { workflowIdConflictPolicy: 'TERMINATE_EXISTING' });
    expect(second.firstExecutionRunId).not.toBe(first.firstExecutionRunId);
    const err = await first.result().catch((e: unknown) => e);
    expect((err as WorkflowFailedError).cause).toBeInstanceOf(TerminatedFailure);
    expect((await second.describe()).status.name).toBe('RUNNING');
    await second.terminate('cleanup');
  });

  test('reuse policies decide whether a closed workflow id may run again', async () => {
    await kit.withWorker({ activities }, async () => {
      const completedId = kit.id('reuse-completed');
      const completed = await startWaiting(completedId);
      await completed.signal(finishSignal);
      await completed.result();
      await expect(startWaiting(completedId, { workflowIdReusePolicy: 'REJECT_DUPLICATE' })).rejects.toBeInstanceOf(
        WorkflowExecutionAlreadyStartedError,
      );
      await expect(
        startWaiting(completedId, { workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' }),
      ).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
      const rerun = await startWaiting(completedId, { workflowIdReusePolicy: 'ALLOW_DUPLICATE' });
      expect(rerun.firstExecutionRunId).not.toBe(completed.firstExecutionRunId);
      await rerun.terminate('cleanup');

      const failedId = kit.id('reuse-failed');
      const failed = kit.track(
        await kit.client.workflow.start(failingWorkflow, {
          taskQueue: kit.taskQueue,
          workflowId: failedId,
          args: ['x'],
        }),
      );
      await expect(failed.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      const retry = await startWaiting(failedId, { workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' });
      await retry.terminate('cleanup');
    });
  });

  test('a query reads the state of an open run and of a closed run', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = await startWaiting(kit.id('query'));
      expect(await handle.query(phaseQuery)).toBe('waiting');
      await handle.signal(finishSignal);
      expect(await handle.result()).toBe('finished');
      expect(await handle.query(phaseQuery)).toBe('finished');
    });
  });

  test('a query the workflow does not handle fails with QueryNotRegisteredError', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = await startWaiting(kit.id('query-unknown'));
      await expect(handle.query(itemsQuery)).rejects.toBeInstanceOf(QueryNotRegisteredError);
      await handle.terminate('cleanup');
    });
  });

  test('features the sandbox lacks answer UNIMPLEMENTED with a message naming them', async () => {
    const handle = await startWaiting(kit.id('unsupported'));
    const update = await kit.client.workflowService
      .updateWorkflowExecution({ namespace: 'default', workflowExecution: { workflowId: handle.workflowId } })
      .catch((e: unknown) => e as { code?: number; details?: string });
    expect(update).toMatchObject({ code: 12 /* UNIMPLEMENTED */ });
    expect((update as { details: string }).details).toMatch(
      /Workflow Updates \(UpdateWorkflowExecution\): not implemented by the Joiner Temporal sandbox/,
    );

    const task = await kit.client.workflowService.pollWorkflowTaskQueue({
      namespace: 'default',
      taskQueue: { name: kit.taskQueue },
      identity: 'raw worker',
    });
    const child = await kit.client.workflowService
      .respondWorkflowTaskCompleted({
        namespace: 'default',
        taskToken: task.taskToken,
        commands: [
          {
            commandType: temporal.api.enums.v1.CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
            startChildWorkflowExecutionCommandAttributes: { workflowId: 'child', workflowType: { name: 'x' } },
          },
        ],
      })
      .catch((e: unknown) => e as { code?: number; details?: string });
    expect(child).toMatchObject({ code: 12 });
    expect((child as { details: string }).details).toMatch(
      /Child workflows: not implemented by the Joiner Temporal sandbox/,
    );
    await handle.terminate('cleanup');
  });
});
