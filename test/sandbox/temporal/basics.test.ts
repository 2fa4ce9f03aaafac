import { TemporalTestKit } from '../../helpers/temporal';
import {
  collectorWorkflow,
  greetingWorkflow,
  itemsQuery,
  proceedSignal,
  addSignal,
  sleepingWorkflow,
} from './workflows';

const kit = new TemporalTestKit({ workflowsPath: require.resolve('./workflows') });
const activities = { greet: (name: string) => Promise.resolve(`Hello, ${name}!`) };

beforeAll(() => kit.setup(), 60_000);
afterAll(() => kit.teardown(), 60_000);

describe('the Temporal sandbox with the real SDK', () => {
  test('a workflow runs an activity, a timer and waits for a signal before it completes', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(greetingWorkflow, {
          taskQueue: kit.taskQueue,
          workflowId: kit.id('greeting'),
          args: ['Ada'],
        }),
      );
      await handle.signal(proceedSignal);
      expect(await handle.result()).toBe('Hello, Ada!');
    });
  });

  test('signals are collected and a query reads them on an open and a closed run', async () => {
    await kit.withWorker({ activities }, async () => {
      const handle = kit.track(
        await kit.client.workflow.start(collectorWorkflow, {
          taskQueue: kit.taskQueue,
          workflowId: kit.id('collector'),
          args: [3],
        }),
      );
      await handle.signal(addSignal, 'a');
      await handle.signal(addSignal, 'b');
      expect(await handle.query(itemsQuery)).toEqual(['a', 'b']);
      await handle.signal(addSignal, 'c');
      expect(await handle.result()).toEqual(['a', 'b', 'c']);
      expect(await handle.query(itemsQuery)).toEqual(['a', 'b', 'c']);
    });
  });

  test('a workflow that sleeps 30 days completes in well under a second of wall time', async () => {
    await kit.withWorker({ activities }, async () => {
      const thirtyDays = 30 * 24 * 3600 * 1000;
      const started = Date.now();
      const handle = kit.track(
        await kit.client.workflow.start(sleepingWorkflow, {
          taskQueue: kit.taskQueue,
          workflowId: kit.id('sleeper'),
          args: [thirtyDays],
        }),
      );
      expect(await handle.result()).toBeGreaterThanOrEqual(thirtyDays);
      expect(Date.now() - started).toBeLessThan(1000);
    });
  });
});
