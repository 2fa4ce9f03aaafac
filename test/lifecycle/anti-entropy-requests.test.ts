/**
 * A full resync asked for while the anti-entropy run of every company (or a company's resync) goes on is never
 * dropped (orchestration/company-resync.ts `startResync`, workflows/anti-entropy.ts): it is signalled to the running
 * workflow, which continues as a full run when it ends. On the dev server, whose visibility the `missing` scope needs.
 */
import { requestResync } from '../../orchestration/anti-entropy';
import { startCompanyResync } from '../../orchestration/company-resync';
import { defaultCompanyId } from '../../store/companies';
import type { AntiEntropyResult } from '../../workflows/definitions';
import {
  ResyncScope,
  WorkflowType,
  antiEntropyWorkflowId,
  resyncRequestedSignal,
  resyncWorkflowId,
} from '../../workflows/definitions';
import { LifecycleHarness } from './harness';

jest.setTimeout(120_000);

const h = new LifecycleHarness({ temporal: 'dev' });

beforeAll(() => h.setup(), 120_000);
afterAll(() => h.teardown(), 120_000);

/** The names of the signals in a workflow's history. */
async function signalsOf(workflowId: string): Promise<string[]> {
  const history = await h.kit.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).flatMap((e) =>
    e.workflowExecutionSignaledEventAttributes ? [e.workflowExecutionSignaledEventAttributes.signalName ?? ''] : [],
  );
}

// No worker polls this queue: a workflow started on it stays running for as long as the test needs.
const notPolled = () => `${h.kit.taskQueue}-not-polled`;

it('a full resync of every company asked for while the anti-entropy run goes on is signalled to it', async () => {
  const running = await requestResync(h.kit.client.workflow, { taskQueue: notPolled(), reason: 'scheduled' });
  expect(running).toEqual({ workflowId: antiEntropyWorkflowId, started: true });
  const handle = h.kit.client.workflow.getHandle(running.workflowId);
  try {
    const asked = await requestResync(h.kit.client.workflow, {
      taskQueue: h.kit.taskQueue,
      reason: 'joiner resync --scope all',
      scope: ResyncScope.All,
    });
    expect(asked).toEqual({ workflowId: antiEntropyWorkflowId, started: false });
    expect(await signalsOf(running.workflowId)).toEqual([resyncRequestedSignal.name]);
    // A `missing` request is covered by the running run: nothing is sent.
    await requestResync(h.kit.client.workflow, { taskQueue: h.kit.taskQueue, reason: 'process start' });
    expect(await signalsOf(running.workflowId)).toEqual([resyncRequestedSignal.name]);
  } finally {
    await handle.terminate('test over');
  }
});

it("a full anti-entropy run asks a company's running resync for a full run instead of leaving it be", async () => {
  const companyResync = await startCompanyResync(h.kit.client.workflow, {
    taskQueue: notPolled(),
    companyId: defaultCompanyId,
    reason: 'anti-entropy',
    scope: ResyncScope.Missing,
  });
  expect(companyResync).toEqual({ workflowId: resyncWorkflowId(defaultCompanyId), started: true });
  try {
    const run = h.kit.track(
      await h.kit.client.workflow.start(WorkflowType.AntiEntropy, {
        workflowId: h.kit.id('anti-entropy'),
        taskQueue: h.kit.taskQueue,
        args: [{ reason: 'console', scope: ResyncScope.All }],
      }),
    );
    const result = (await run.result()) as AntiEntropyResult;
    expect(result.companies).toContainEqual({ companyId: defaultCompanyId, progress: null });
    expect(await signalsOf(companyResync.workflowId)).toEqual([resyncRequestedSignal.name]);
  } finally {
    await h.kit.client.workflow.getHandle(companyResync.workflowId).terminate('test over');
  }
});

it('an anti-entropy run asked for a full run meanwhile continues as one when it ends', async () => {
  // The request is in the history before the run's first step, as when it arrives mid-run.
  const first = await h.kit.client.workflow.signalWithStart(WorkflowType.AntiEntropy, {
    workflowId: h.kit.id('anti-entropy'),
    taskQueue: h.kit.taskQueue,
    args: [{ reason: 'scheduled', scope: ResyncScope.Missing }],
    signal: resyncRequestedSignal,
    signalArgs: [{ reason: 'joiner resync --scope all' }],
  });
  const handle = h.kit.track(h.kit.client.workflow.getHandle(first.workflowId));
  const result = (await handle.result()) as AntiEntropyResult;
  // The result is the second run's: a full resync of the company, which the first run's `missing` scope was not.
  const company = result.companies.find((c) => c.companyId === defaultCompanyId);
  expect(company?.progress).toMatchObject({ scope: ResyncScope.All, done: true, failed: 0 });
  const firstRun = await h.kit.client.workflow.getHandle(first.workflowId, first.signaledRunId).describe();
  expect(firstRun.status.name).toBe('CONTINUED_AS_NEW');
});
