import type { WorkflowClient } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import type { ResyncCompanyInput } from '../workflows/definitions';
import { ResyncScope, WorkflowType, resyncRequestedSignal, resyncWorkflowId } from '../workflows/definitions';

/**
 * Starts `resyncCompanyWorkflow` for a company: every employee's workflow is signalled with its stored snapshot, which
 * resumes work paused while the company was disconnected and rebuilds orchestration that was lost. Call it after a
 * tenant is connected (the console's admin consent, or `ENTRA_TENANT_ID` at start), when policies change, and at the start of an in-memory
 * Temporal. `scope` (default `all`) `missing` re-drives only what Temporal has not caught up with (anti-entropy).
 * Returns the workflow id and whether this call started it; a request while it runs is never dropped
 * ({@link startResync}).
 */
export async function startCompanyResync(
  client: Pick<WorkflowClient, 'start' | 'getHandle'>,
  options: { taskQueue: string; companyId: string; reason: string; scope?: ResyncScope; concurrency?: number },
): Promise<ResyncStart> {
  const input: ResyncCompanyInput = {
    companyId: options.companyId,
    reason: options.reason,
    scope: options.scope,
    concurrency: options.concurrency,
  };
  return startResync(client, {
    workflowType: WorkflowType.ResyncCompany,
    workflowId: resyncWorkflowId(options.companyId),
    taskQueue: options.taskQueue,
    input,
    scope: options.scope ?? ResyncScope.All,
    reason: options.reason,
  });
}

/** A resync asked for: its workflow id, and whether this request started it. */
export interface ResyncStart {
  workflowId: string;
  /** False when it was running already: a `missing` request is covered by it, a full one was signalled to it. */
  started: boolean;
}

/**
 * Starts a resync workflow (a company's, or the anti-entropy run of every company), or, when it runs already, makes
 * sure the request is not dropped: the running one covers a `missing` request; a full one is signalled to it
 * ({@link resyncRequestedSignal}), and it continues as a full run when it ends.
 */
export async function startResync<Input>(
  client: Pick<WorkflowClient, 'start' | 'getHandle'>,
  request: {
    workflowType: typeof WorkflowType.ResyncCompany | typeof WorkflowType.AntiEntropy;
    workflowId: string;
    taskQueue: string;
    input: Input;
    scope: ResyncScope;
    reason: string;
  },
): Promise<ResyncStart> {
  const { workflowId } = request;
  // The running resync can end between a refused start and the signal: then start again (a few rounds at most).
  for (let attempt = 1; ; attempt++) {
    try {
      await client.start(request.workflowType, { workflowId, taskQueue: request.taskQueue, args: [request.input] });
      return { workflowId, started: true };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    if (request.scope !== ResyncScope.All) return { workflowId, started: false };
    try {
      await client.getHandle(workflowId).signal(resyncRequestedSignal, { reason: request.reason });
      return { workflowId, started: false };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError) || attempt >= 3) throw err;
    }
  }
}
