/**
 * resyncCompanyWorkflow: re-drives a company's employees from the database. Each employee's lifecycle workflow is
 * signalled-with-start with its stored snapshot; reconciliation is idempotent, so re-driving a workflow that is
 * already in line writes nothing to Graph.
 *
 * Scope `all` re-drives everyone (after a tenant is connected, when policies change, at the start of an in-memory
 * Temporal). Scope `missing` is the anti-entropy check: only employees whose stored HR version is newer than the one
 * their workflow reconciled, or whose workflow does not exist (Temporal lost it). It starts with two counts and reads
 * nothing more when Temporal is in line with the database.
 */
import { ActivityFailure, continueAsNew, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { OrchestrationActivities, StoreActivities } from '../domain/activity-contracts';
import { storeActivity, temporalSignalActivity } from './activity-options';
import type { ResyncCompanyInput, ResyncProgress } from './definitions';
import { ResyncScope, resyncProgressQuery, resyncRequestedSignal } from './definitions';

const store = proxyActivities<StoreActivities>(storeActivity);
const orchestration = proxyActivities<OrchestrationActivities>(temporalSignalActivity);

const defaultConcurrency = 20;
const keptFailures = 100;
const historyLimit = 5_000;

/** Re-drives the employees of `companyId` in `scope` with at most `concurrency` at once; `progress` tells how far. */
export async function resyncCompanyWorkflow(input: ResyncCompanyInput): Promise<ResyncProgress> {
  const concurrency = Math.max(1, input.concurrency ?? defaultConcurrency);
  const scope = input.scope ?? ResyncScope.All;
  const progress: ResyncProgress = input.carried ?? {
    scope,
    total: null,
    scanned: 0,
    redriven: 0,
    failed: 0,
    failures: [],
    cursor: null,
    done: false,
  };
  setHandler(resyncProgressQuery, () => progress);
  let fullRunRequested: string | null = input.fullRunRequested ?? null;
  setHandler(resyncRequestedSignal, ({ reason }) => {
    fullRunRequested = reason;
  });
  /** This run's result, or, when a full resync was asked for meanwhile, a new full run in its place. */
  const finish = async (): Promise<ResyncProgress> => {
    progress.done = true;
    if (fullRunRequested === null) return progress;
    log.info('a full resync was asked for while this one ran: continuing as one', {
      companyId: input.companyId,
      reason: fullRunRequested,
    });
    return continueAsNew<typeof resyncCompanyWorkflow>({
      companyId: input.companyId,
      reason: fullRunRequested,
      scope: ResyncScope.All,
      concurrency: input.concurrency,
    });
  };
  const pageSize = Math.max(100, concurrency * 5);
  const { companyId, reason } = input;

  let checkWorkflows = true;
  if (scope === ResyncScope.Missing && input.carried === undefined) {
    const plan = await orchestration.planEmployeeRedrive({ companyId });
    progress.total = plan.total;
    checkWorkflows = plan.scanWorkflows;
    log.info('anti-entropy check', { companyId, reason, ...plan });
    if (!plan.scanWorkflows && plan.unreconciled === 0) return finish();
  }

  for (;;) {
    let employeeIds: string[];
    let next: string | null;
    if (scope === ResyncScope.All) {
      const page = await store.listEmployeeIds({ companyId, after: progress.cursor, limit: pageSize });
      progress.total = page.total;
      employeeIds = page.employeeIds;
      progress.scanned += employeeIds.length;
      next = employeeIds.length === 0 ? null : employeeIds[employeeIds.length - 1]!;
    } else {
      const page = await orchestration.findEmployeesToRedrive({
        companyId,
        after: progress.cursor,
        limit: pageSize,
        checkWorkflows: input.carried === undefined ? checkWorkflows : true,
      });
      employeeIds = page.employeeIds;
      progress.scanned += page.scanned;
      next = page.cursor;
    }
    await forEachBounded(employeeIds, concurrency, async (employeeId) => {
      try {
        await orchestration.redriveEmployee({ companyId, employeeId, reason });
        progress.redriven++;
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        progress.failed++;
        if (progress.failures.length < keptFailures) {
          progress.failures.push({ employeeId, message: err.cause?.message ?? err.message });
        }
      }
    });
    if (employeeIds.length > 0 || next !== null) {
      log.info('resync progress', {
        companyId,
        scope,
        scanned: progress.scanned,
        total: progress.total,
        redriven: progress.redriven,
        failed: progress.failed,
      });
    }
    if (next === null) break;
    progress.cursor = next;
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= historyLimit) {
      return continueAsNew<typeof resyncCompanyWorkflow>({
        ...input,
        carried: progress,
        fullRunRequested: fullRunRequested ?? undefined,
      });
    }
  }
  return finish();
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
