import { WorkflowFailedError } from '@temporalio/client';
import { TimeoutFailure } from '@temporalio/common';
import { TemporalTestKit } from '../../helpers/temporal';
import { createConformanceActivities } from './conformance-activities';
import { sleepingWorkflow, waitingWorkflow } from './workflows';

const kit = new TemporalTestKit({ workflowsPath: require.resolve('./workflows') });
const activities = createConformanceActivities();
const HOUR = 3600_000;

beforeAll(() => kit.setup(), 60_000);
afterAll(() => kit.teardown(), 60_000);

describe('time skipping on the Temporal sandbox', () => {
  test('the environment reports time skipping', () => {
    expect(kit.env.supportsTimeSkipping).toBe(true);
  });

  test('env.sleep skips server time forward without waiting for it', async () => {
    const before = await kit.env.currentTimeMs();
    const wallStart = Date.now();
    await kit.env.sleep('3 days');
    const after = await kit.env.currentTimeMs();
    expect(after - before).toBeGreaterThanOrEqual(3 * 24 * HOUR);
    expect(Date.now() - wallStart).toBeLessThan(1000);
  });

  test('while the client holds its lock, server time runs at wall-clock speed', async () => {
    const before = await kit.env.currentTimeMs();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const elapsed = (await kit.env.currentTimeMs()) - before;
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(5000);
  });

  test('a workflow timer fires during env.sleep, before the test awaits the result', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(sleepingWorkflow, {
          taskQueue: kit.taskQueue,
          workflowId: kit.id('sleep-through'),
          args: [HOUR],
        }),
      );
      await kit.env.sleep(2 * HOUR);
      expect((await handle.describe()).status.name).toBe('COMPLETED');
      expect(await handle.result()).toBeGreaterThanOrEqual(HOUR);
    });
  });

  test('several results awaited at once skip time for all of them', async () => {
    await kit.withWorker({ activities }, async () => {
      const handles = await Promise.all(
        [1, 2, 3].map(async (days) =>
          kit.track(
            await kit.client.workflow.start(sleepingWorkflow, {
              taskQueue: kit.taskQueue,
              workflowId: kit.id('parallel-sleep'),
              args: [days * 24 * HOUR],
            }),
          ),
        ),
      );
      const results = await Promise.all(handles.map((h) => h.result()));
      expect(results[2]).toBeGreaterThanOrEqual(3 * 24 * HOUR);
      const before = await kit.env.currentTimeMs();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await kit.env.currentTimeMs()) - before).toBeLessThan(5000);
    });
  });

  test('a workflow run timeout fires in skipped time and the run ends timed out', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(waitingWorkflow, {
          taskQueue: kit.taskQueue,
          workflowId: kit.id('run-timeout'),
          workflowRunTimeout: '2 days',
        }),
      );
      const err = await handle.result().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      expect((err as WorkflowFailedError).cause).toBeInstanceOf(TimeoutFailure);
      expect((await handle.describe()).status.name).toBe('TIMED_OUT');
    });
  });
});
