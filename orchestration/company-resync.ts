import type { WorkflowClient } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ResyncCompanyInput } from '../workflows/definitions';
import { ResyncScope, WorkflowType, resyncRequestedSignal, resyncWorkflowId } from '../workflows/definitions';

/**
 * Starts `resyncCompanyWorkflow` for a company: every employee's workflow is signalled with its stored snapshot, which
 * resumes work paused while the company was disconnected and rebuilds orchestration that was lost. Call it after a
 * tenant is connected (the console's admin consent, or `ENTRA_TENANT_ID` at start), when policies change, and at the start of an in-memory
 * Temporal. `scope` (default `all`) `missing` re-drives only what Temporal has not caught up with (anti-entropy).
 * Returns the workflow id and whether this call started it. A resync already running covers a `missing` request; a
 * full one is signalled to it ({@link resyncRequestedSignal}), and it continues as a full run when it ends.
 */
export async function startCompanyResync(
  client: Pick<WorkflowClient, 'start' | 'getHandle'>,
  options: { taskQueue: string; companyId: string; reason: string; scope?: ResyncScope; concurrency?: number },
): Promise<{ workflowId: string; started: boolean }> {
  const workflowId = resyncWorkflowId(options.companyId);
  const input: ResyncCompanyInput = {
    companyId: options.companyId,
    reason: options.reason,
    scope: options.scope,
    concurrency: options.concurrency,
  };
  // The running resync can end between a refused start and the signal: then start again (a few rounds at most).
  for (let attempt = 1; ; attempt++) {
    try {
      await client.start(WorkflowType.ResyncCompany, { workflowId, taskQueue: options.taskQueue, args: [input] });
      return { workflowId, started: true };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    if ((options.scope ?? ResyncScope.All) !== ResyncScope.All) return { workflowId, started: false };
    try {
      await client.getHandle(workflowId).signal(resyncRequestedSignal, { reason: options.reason });
      return { workflowId, started: false };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) || attempt >= 3) throw err;
    }
  }
}
