import type { WorkflowClient } from '@temporalio/client';
import type { HrEmployee, HrEventType } from '../domain/hr-employee';
import { WorkflowType, employeeSignalWithStartOptions } from '../workflows/definitions';

/** What delivering HR events needs from Temporal. */
export interface HrEventTemporal {
  client: Pick<WorkflowClient, 'signalWithStart'>;
  taskQueue: string;
}

/** An accepted HR event as the outbox holds it. */
export interface DeliverableHrEvent {
  companyId: string;
  eventId: string;
  type: string;
  occurredAt: Date;
  snapshot: HrEmployee;
}

/**
 * Hands an accepted HR event to the employee's lifecycle workflow: signal-with-start, so the first event of an
 * employee starts the workflow. At-least-once: the workflow ignores a snapshot it already has a newer version of.
 */
export async function deliverHrEvent(temporal: HrEventTemporal, event: DeliverableHrEvent): Promise<string> {
  const options = employeeSignalWithStartOptions(temporal.taskQueue, event.companyId, {
    eventId: event.eventId,
    eventType: event.type as HrEventType,
    occurredAt: event.occurredAt.toISOString(),
    employee: event.snapshot,
  });
  await temporal.client.signalWithStart(WorkflowType.EmployeeLifecycle, options);
  return options.workflowId;
}
