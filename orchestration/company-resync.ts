import type { WorkflowClient } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { ResyncCompanyInput, ResyncScope } from '../workflows/definitions';
import { WorkflowType, resyncWorkflowId } from '../workflows/definitions';

/**
 * Starts `resyncCompanyWorkflow` for a company: every employee's workflow is signalled with its stored snapshot, which
 * resumes work paused while the company was disconnected and rebuilds orchestration that was lost. Call it after a
 * tenant is connected (the console's admin consent, or `ENTRA_TENANT_ID` at start), when policies change, and at the start of an in-memory
 * Temporal. `scope` (default `all`) `missing` re-drives only what Temporal has not caught up with (anti-entropy).
 * Returns the workflow id; a resync already running for the company is left to finish (false).
 */
export async function startCompanyResync(
  client: Pick<WorkflowClient, 'start'>,
  options: { taskQueue: string; companyId: string; reason: string; scope?: ResyncScope; concurrency?: number },
): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = resyncWorkflowId(options.companyId);
  const input: ResyncCompanyInput = {
    companyId: options.companyId,
    reason: options.reason,
    scope: options.scope,
    concurrency: options.concurrency,
  };
  try {
    await client.start(WorkflowType.ResyncCompany, { workflowId, taskQueue: options.taskQueue, args: [input] });
    return { workflowId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw err;
  }
}
