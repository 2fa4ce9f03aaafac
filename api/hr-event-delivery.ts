import type { WorkflowClient } from '@temporalio/client';
import type { HrEmployee, HrEventType } from '../domain/hr-employee';
import { WorkflowType, employeeSignalWithStartOptions } from '../workflows/definitions';

/** What delivering HR events needs from Temporal. */
export interface HrEventTemporal {
  client: Pick<WorkflowClient, 'signalWithStart'>;
  taskQueue: string;
  /**
   * How long one delivery may take before it counts as failed (the client retries an unreachable server for a long
   * time; the outbox retries instead). Default 10 s.
   */
  deliveryTimeoutMs?: number;
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
  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = temporal.deliveryTimeoutMs ?? 10_000;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Temporal did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    // A late success after the timeout is harmless: the workflow ignores a snapshot it already has.
    await Promise.race([temporal.client.signalWithStart(WorkflowType.EmployeeLifecycle, options), timeout]);
  } finally {
    clearTimeout(timer);
  }
  return options.workflowId;
}
