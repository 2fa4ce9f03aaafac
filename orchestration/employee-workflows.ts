import type { WorkflowClient } from '@temporalio/client';
import type { HrSnapshotSignal } from '../workflows/definitions';
import { WorkflowType, employeeSignalWithStartOptions } from '../workflows/definitions';
import type { TemporalDeps } from './temporal';

/**
 * Hands an HR snapshot to the employee's lifecycle workflow with signal-with-start, so the first snapshot of an
 * employee starts its workflow (with its search attributes). The one way HR changes reach Temporal: the webhook, the
 * outbox relay and a company resync all come through here. At-least-once is fine: the workflow ignores a snapshot it
 * already has a newer version of. Returns the workflow id.
 */
export async function signalHrSnapshot(
  temporal: TemporalDeps<Pick<WorkflowClient, 'signalWithStart'>>,
  companyId: string,
  signal: HrSnapshotSignal,
): Promise<string> {
  const options = employeeSignalWithStartOptions(temporal.taskQueue, companyId, signal);
  await temporal.client.signalWithStart(WorkflowType.EmployeeLifecycle, options);
  return options.workflowId;
}
