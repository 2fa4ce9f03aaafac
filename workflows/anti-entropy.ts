/**
 * antiEntropyWorkflow: converges Temporal to the database for every company, whatever Temporal forgot. Run by a
 * Temporal Schedule (every 15 minutes), at every worker start, and by hand (`joiner resync`, the console). It
 * registers the search attributes again if the namespace lost them, then runs each company's
 * {@link resyncCompanyWorkflow} (scope `missing` by default) as a child. A company whose resync is already running
 * is left to it, but a full run asks it for a full run too ({@link resyncRequestedSignal}). Cheap when nothing is
 * missing: two counts per company.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ParentClosePolicy,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { OrchestrationActivities } from '../domain/activity-contracts';
import { temporalSignalActivity } from './activity-options';
import type { AntiEntropyInput, AntiEntropyResult, ResyncProgress } from './definitions';
import { ResyncScope, resyncRequestedSignal, resyncWorkflowId } from './definitions';
import { resyncCompanyWorkflow } from './resync-company';

const orchestration = proxyActivities<OrchestrationActivities>(temporalSignalActivity);

/** Marks histories whose full runs ask a company's running resync for a full run instead of leaving it be. */
const askRunningResyncPatch = 'anti-entropy-asks-running-resync';

/** Re-drives, company by company, the employees Temporal has not caught up with (see the file comment). */
export async function antiEntropyWorkflow(input: AntiEntropyInput): Promise<AntiEntropyResult> {
  const scope = input.scope ?? ResyncScope.Missing;
  // A full run asked for while this one runs (`joiner resync --all`, the console): run it when this one ends.
  let fullRunRequested: string | null = null;
  setHandler(resyncRequestedSignal, ({ reason }) => {
    fullRunRequested = reason;
  });
  const registeredSearchAttributes = await orchestration.registerSearchAttributes();
  if (registeredSearchAttributes.length > 0) {
    log.warn('search attributes were missing and are registered again', { registeredSearchAttributes });
  }
  const result: AntiEntropyResult = { registeredSearchAttributes, companies: [] };
  for (const companyId of await orchestration.listCompanyIds()) {
    result.companies.push({ companyId, progress: await resyncCompany(companyId, input.reason, scope) });
  }
  const redriven = result.companies.reduce((sum, c) => sum + (c.progress?.redriven ?? 0), 0);
  log.info('anti-entropy done', { reason: input.reason, companies: result.companies.length, redriven });
  if (fullRunRequested !== null) {
    log.info('a full resync was asked for while this run went on: continuing as one', { reason: fullRunRequested });
    return continueAsNew<typeof antiEntropyWorkflow>({ reason: fullRunRequested, scope: ResyncScope.All });
  }
  return result;
}

/**
 * Runs a company's resync as a child and returns its progress; null when one was running already and is left to
 * finish. A full run asks that running one for a full run (it may be the narrower `missing` scope, or past the
 * employees that matter), and starts the child again should it have ended meanwhile (a few rounds at most).
 */
async function resyncCompany(companyId: string, reason: string, scope: ResyncScope): Promise<ResyncProgress | null> {
  const workflowId = resyncWorkflowId(companyId);
  for (let attempt = 1; ; attempt++) {
    try {
      return await executeChild(resyncCompanyWorkflow, {
        workflowId,
        args: [{ companyId, reason, scope }],
        // A resync outlives an anti-entropy run that is cancelled or times out: it is idempotent work.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    if (scope !== ResyncScope.All || !patched(askRunningResyncPatch)) return null;
    try {
      await getExternalWorkflowHandle(workflowId).signal(resyncRequestedSignal, { reason });
      return null;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}
