/**
 * antiEntropyWorkflow: converges Temporal to the database for every company, whatever Temporal forgot. Run by a
 * Temporal Schedule (every 15 minutes), at every worker start, and by hand (`joiner resync`, the console). It
 * registers the search attributes again if the namespace lost them, then runs each company's
 * {@link resyncCompanyWorkflow} (scope `missing` by default) as a child; a company whose resync is already running
 * is left to it. Cheap when nothing is missing: two counts per company.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, executeChild, log, proxyActivities } from '@temporalio/workflow';
import type { OrchestrationActivities } from '../domain/activity-contracts';
import { temporalSignalActivity } from './activity-options';
import type { AntiEntropyInput, AntiEntropyResult } from './definitions';
import { ResyncScope, resyncWorkflowId } from './definitions';
import { resyncCompanyWorkflow } from './resync-company';

const orchestration = proxyActivities<OrchestrationActivities>(temporalSignalActivity);

/** Re-drives, company by company, the employees Temporal has not caught up with (see the file comment). */
export async function antiEntropyWorkflow(input: AntiEntropyInput): Promise<AntiEntropyResult> {
  const scope = input.scope ?? ResyncScope.Missing;
  const registeredSearchAttributes = await orchestration.registerSearchAttributes();
  if (registeredSearchAttributes.length > 0) {
    log.warn('search attributes were missing and are registered again', { registeredSearchAttributes });
  }
  const result: AntiEntropyResult = { registeredSearchAttributes, companies: [] };
  for (const companyId of await orchestration.listCompanyIds()) {
    try {
      const progress = await executeChild(resyncCompanyWorkflow, {
        workflowId: resyncWorkflowId(companyId),
        args: [{ companyId, reason: input.reason, scope }],
        // A resync outlives an anti-entropy run that is cancelled or times out: it is idempotent work.
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
      result.companies.push({ companyId, progress });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      result.companies.push({ companyId, progress: null });
    }
  }
  const redriven = result.companies.reduce((sum, c) => sum + (c.progress?.redriven ?? 0), 0);
  log.info('anti-entropy done', { reason: input.reason, companies: result.companies.length, redriven });
  return result;
}
