import type { Db } from '../store/db';
import { getEmployeeWithLatestEvent } from '../store/hr-events';
import type { HrEventTemporal } from './hr-event-delivery';
import { deliverHrEvent } from './hr-event-delivery';

/**
 * Re-drives one employee by hand (the console's Resync): the stored HR snapshot is sent to the employee's workflow
 * again (signal-with-start, so a lost workflow is started), which reconciles and writes what differs in Entra.
 * Resolves to the workflow id, or null when the company has no such employee.
 * @throws when Temporal does not answer within the delivery timeout (nothing changed; try again)
 */
export async function resyncEmployee(
  deps: { db: Db; temporal: HrEventTemporal },
  companyId: string,
  employeeId: string,
): Promise<string | null> {
  const stored = await getEmployeeWithLatestEvent(deps.db, companyId, employeeId);
  if (stored === null) return null;
  return deliverHrEvent(deps.temporal, {
    companyId,
    eventId: stored.latestEvent.eventId,
    type: stored.latestEvent.type,
    occurredAt: stored.latestEvent.occurredAt,
    snapshot: stored.employee.snapshot,
  });
}
