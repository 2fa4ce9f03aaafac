import type { WorkflowClient } from '@temporalio/client';
import type { CompanySettings } from '../domain/activity-contracts';
import type { HrEmployee, HrEventType } from '../domain/hr-employee';
import { isDeadlineExceeded } from './deadline';
import type { HrSnapshotClient } from './employee-workflows';
import { signalHrSnapshot } from './employee-workflows';
import type { TemporalDeps } from './temporal';

/** What delivering HR events needs from Temporal. */
export interface HrEventTemporal extends TemporalDeps<HrSnapshotClient & Pick<WorkflowClient, 'withDeadline'>> {
  /**
   * How long one delivery may take before it counts as failed: the gRPC deadline of its calls (the client retries an
   * unreachable server for a long time; the outbox retries instead). Default 10 s.
   */
  deliveryTimeoutMs?: number;
}

/** An accepted HR event as the outbox holds it. */
export interface DeliverableHrEvent {
  companyId: string;
  eventId: string;
  type: HrEventType;
  occurredAt: Date;
  snapshot: HrEmployee;
  /** The company's settings, read just before the delivery: sent with the snapshot in its `hrSnapshot` signal. */
  company?: CompanySettings;
}

/**
 * Hands an accepted HR event to the employee's lifecycle workflow ({@link signalHrSnapshot}). Fails when Temporal
 * does not answer within `deliveryTimeoutMs`, a gRPC deadline: the call itself ends then (with at most one retry
 * backoff of the client after it), so nothing is left running against the connection. A signal that reached
 * Temporal just before the deadline is harmless when sent again, the workflow ignores a snapshot it already has.
 * Returns the workflow id.
 */
export async function deliverHrEvent(temporal: HrEventTemporal, event: DeliverableHrEvent): Promise<string> {
  const timeoutMs = temporal.deliveryTimeoutMs ?? 10_000;
  try {
    return await temporal.client.withDeadline(Date.now() + timeoutMs, () =>
      signalHrSnapshot(temporal, event.companyId, {
        eventId: event.eventId,
        eventType: event.type,
        occurredAt: event.occurredAt.toISOString(),
        employee: event.snapshot,
        ...(event.company === undefined ? {} : { company: event.company }),
      }),
    );
  } catch (err) {
    if (isDeadlineExceeded(err)) throw new Error(`Temporal did not answer within ${timeoutMs} ms`, { cause: err });
    throw err;
  }
}
