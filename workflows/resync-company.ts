/**
 * resyncCompanyWorkflow: re-drives every employee of a company from the database (after a tenant is connected, after
 * orchestration was lost, or at the start of an in-memory Temporal). Each employee's lifecycle workflow is
 * signalled-with-start with its stored snapshot; reconciliation is idempotent, so re-driving a workflow that is
 * already in line writes nothing to Graph.
 */
import { ActivityFailure, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { OrchestrationActivities, StoreActivities } from '../activities/types';
import { storeActivity, temporalSignalActivity } from './activity-options';
import type { ResyncCompanyInput, ResyncProgress } from './definitions';
import { resyncProgressQuery } from './definitions';

const directory = proxyActivities<StoreActivities>(storeActivity);
const orchestration = proxyActivities<OrchestrationActivities>(temporalSignalActivity);

const defaultConcurrency = 20;
const keptFailures = 100;
const historyLimit = 5_000;

/** Re-drives every employee of `companyId` with at most `concurrency` at once; the `progress` query reports how far. */
export async function resyncCompanyWorkflow(input: ResyncCompanyInput): Promise<ResyncProgress> {
  const concurrency = Math.max(1, input.concurrency ?? defaultConcurrency);
  const progress: ResyncProgress = input.carried ?? {
    total: null,
    redriven: 0,
    failed: 0,
    failures: [],
    cursor: null,
    done: false,
  };
  setHandler(resyncProgressQuery, () => progress);
  const pageSize = Math.max(100, concurrency * 5);

  for (;;) {
    const page = await directory.listEmployeeIds({
      companyId: input.companyId,
      after: progress.cursor,
      limit: pageSize,
    });
    progress.total = page.total;
    if (page.employeeIds.length === 0) break;
    await forEachBounded(page.employeeIds, concurrency, async (employeeId) => {
      try {
        await orchestration.redriveEmployee({ companyId: input.companyId, employeeId, reason: input.reason });
        progress.redriven++;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        progress.failed++;
        if (progress.failures.length < keptFailures) {
          progress.failures.push({ employeeId, message: err.cause?.message ?? err.message });
        }
      }
    });
    progress.cursor = page.employeeIds[page.employeeIds.length - 1]!;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit) {
      return continueAsNew<typeof resyncCompanyWorkflow>({ ...input, carried: progress });
    }
  }
  progress.done = true;
  return progress;
}

/** Runs `fn` over `items` with at most `limit` calls in flight, in item order. */
async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
