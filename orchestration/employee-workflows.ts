import type { WorkflowClient } from '@temporalio/client';
import type { HrSnapshotSignal } from '../workflows/definitions';
import { WorkflowType, employeeSignalWithStartOptions } from '../workflows/definitions';
import { isMissingSearchAttributeError, registerMissingSearchAttributes } from './search-attributes';
import type { TemporalDeps } from './temporal';

/**
 * The client signalHrSnapshot needs. With its `connection` and `options` (a real `WorkflowClient`), a signal refused
 * only because the namespace lacks Joiner's search attributes registers them and is sent again.
 */
export type HrSnapshotClient = Pick<WorkflowClient, 'signalWithStart'> &
  Partial<Pick<WorkflowClient, 'connection' | 'options'>>;

/**
 * Hands an HR snapshot to the employee's lifecycle workflow with signal-with-start, so the first snapshot of an
 * employee starts its workflow (with its search attributes). The one way HR changes reach Temporal: the webhook, the
 * outbox relay and a company resync all come through here. At-least-once is fine: the workflow ignores a snapshot it
 * already has a newer version of. When Temporal lost the search attributes (restarted empty), they are registered
 * and the signal sent once more. Returns the workflow id.
 */
export async function signalHrSnapshot(
  temporal: Pick<TemporalDeps<HrSnapshotClient>, 'client' | 'taskQueue'>,
  companyId: string,
  signal: HrSnapshotSignal,
): Promise<string> {
  const options = employeeSignalWithStartOptions(temporal.taskQueue, companyId, signal);
  const { client } = temporal;
  try {
    await client.signalWithStart(WorkflowType.EmployeeLifecycle, options);
  } catch (err) {
    if (!isMissingSearchAttributeError(err) || client.connection === undefined || client.options === undefined) {
      throw err;
    }
    await registerMissingSearchAttributes({ connection: client.connection, namespace: client.options.namespace });
    await client.signalWithStart(WorkflowType.EmployeeLifecycle, options);
  }
  return options.workflowId;
}
