import { randomUUID } from 'node:crypto';
import { defineSearchAttributeKey } from '@temporalio/common';
import { TemporalTestKit } from '../../helpers/temporal';
import { createConformanceActivities } from './conformance-activities';
import { finishSignal, searchableWorkflow, waitingWorkflow } from './workflows';

const kit = new TemporalTestKit({
  workflowsPath: require.resolve('./workflows'),
  searchAttributes: { CompanyId: 'Keyword', EmployeeId: 'Keyword', WorkEmail: 'Keyword', LifecyclePhase: 'Keyword' },
});
const activities = createConformanceActivities();
const EmployeeId = defineSearchAttributeKey('EmployeeId', 'KEYWORD');

beforeAll(() => kit.setup(), 60_000);
afterAll(() => kit.teardown(), 60_000);

async function listIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of kit.client.workflow.list({ query })) ids.push(execution.workflowId);
  return ids.sort();
}

/** The server's message in the gRPC error the client wraps (its ServiceError's cause). */
async function serverMessage(promise: Promise<unknown>): Promise<string> {
  const err = await promise.then(
    () => new Error('expected the call to fail'),
    (e: unknown) => e as Error,
  );
  return (err.cause as { details?: string } | undefined)?.details ?? err.message;
}

/** Waits until `query` lists `expected` workflow ids (upserts land when the workflow task completes). */
async function expectListed(query: string, expected: string[]): Promise<void> {
  const deadline = Date.now() + 5000;
  let ids = await listIds(query);
  while (JSON.stringify(ids) !== JSON.stringify([...expected].sort()) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    ids = await listIds(query);
  }
  expect(ids).toEqual([...expected].sort());
}

describe('visibility on the Temporal sandbox', () => {
  test('list and count filter on custom keyword attributes upserted by workflows with =, AND and OR', async () => {
    await kit.withWorker({ activities }, async () => {
      const [c1, c2] = [`c1-${randomUUID()}`, `c2-${randomUUID()}`];
      const start = async (company: string, phase: string) =>
        kit.track(
          await kit.client.workflow.start(searchableWorkflow, {
            taskQueue: kit.taskQueue,
            workflowId: kit.id('searchable'),
            args: [company, phase],
          }),
        );
      const a = await start(c1, 'active');
      const b = await start(c1, 'offboarded');
      const c = await start(c2, 'active');

      await expectListed(`CompanyId = '${c1}'`, [a.workflowId, b.workflowId]);
      await expectListed(`CompanyId = "${c1}" AND LifecyclePhase = 'active'`, [a.workflowId]);
      await expectListed(`CompanyId = '${c1}' OR CompanyId = '${c2}'`, [a.workflowId, b.workflowId, c.workflowId]);
      await expectListed(`(CompanyId = '${c1}' OR CompanyId = '${c2}') AND LifecyclePhase = 'active'`, [
        a.workflowId,
        c.workflowId,
      ]);
      const { count } = await kit.client.workflow.count(`CompanyId = '${c1}' OR CompanyId = '${c2}'`);
      expect(count).toBe(3);

      await Promise.all([a, b, c].map((h) => h.signal(finishSignal)));
      await Promise.all([a, b, c].map((h) => h.result()));
      await expectListed(`CompanyId = '${c1}' AND ExecutionStatus = 'Completed'`, [a.workflowId, b.workflowId]);
    });
  });

  test('standard fields filter list results: WorkflowId, WorkflowType, ExecutionStatus and StartTime', async () => {
    const before = new Date(await kit.env.currentTimeMs()).toISOString();
    const employee = `e-${randomUUID()}`;
    const handle = kit.track(
      await kit.client.workflow.start(waitingWorkflow, {
        taskQueue: kit.taskQueue,
        workflowId: kit.id('standard'),
        typedSearchAttributes: [{ key: EmployeeId, value: employee }],
      }),
    );
    const id = handle.workflowId;
    await expectListed(`WorkflowId = '${id}'`, [id]);
    await expectListed(`WorkflowId = '${id}' AND WorkflowType = 'waitingWorkflow' AND ExecutionStatus = 'Running'`, [
      id,
    ]);
    await expectListed(`WorkflowId = '${id}' AND StartTime >= '${before}'`, [id]);
    await expectListed(`EmployeeId = '${employee}'`, [id]);
    await handle.terminate('cleanup');
    await expectListed(`WorkflowId = '${id}' AND ExecutionStatus = 'Terminated'`, [id]);
    const [info] = await Promise.all([handle.describe()]);
    expect(info.typedSearchAttributes.get(EmployeeId)).toBe(employee);
  });

  test('a query over an unknown attribute or with bad syntax is refused with a message', async () => {
    expect(await serverMessage(listIds(`NoSuchAttribute = 'x'`))).toMatch(/unknown search attribute NoSuchAttribute/);
    expect(await serverMessage(listIds(`WorkflowId = `))).toMatch(/invalid query/);
  });

  test('starting with an unregistered search attribute is refused', async () => {
    const refused = kit.client.workflow.start(waitingWorkflow, {
      taskQueue: kit.taskQueue,
      workflowId: kit.id('unregistered'),
      typedSearchAttributes: [{ key: defineSearchAttributeKey('NotRegistered', 'KEYWORD'), value: 'x' }],
    });
    expect(await serverMessage(refused)).toMatch(/NotRegistered is not registered/);
  });

  test('attributes registered through the operator service are listed by it', async () => {
    const { customAttributes } = await kit.env.connection.operatorService.listSearchAttributes({
      namespace: 'default',
    });
    expect(Object.keys(customAttributes ?? {})).toEqual(
      expect.arrayContaining(['CompanyId', 'EmployeeId', 'WorkEmail', 'LifecyclePhase']),
    );
  });
});
