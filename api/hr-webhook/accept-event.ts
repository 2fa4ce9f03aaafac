/**
 * The use case behind `POST /webhooks/alexis`: persist an HR event (snapshot + outbox, one transaction), then hand
 * it to Temporal. The route only reads, verifies and validates before, and turns the outcome into a response after.
 */
import type { Logger } from 'pino';
import type { HrWebhookEvent } from '../../domain/hr-employee';
import type { DeliverableHrEvent, HrEventTemporal } from '../../orchestration/hr-event-delivery';
import { deliverHrEvent } from '../../orchestration/hr-event-delivery';
import type { Db } from '../../store/db';
import {
  acceptHrEvent,
  getEmployeeWithLatestEvent,
  markHrEventDelivered,
  recordHrEventDeliveryFailure,
} from '../../store/hr-events';
import { errorMessageWithoutData } from '../../store/pg-errors';
import { employeeWorkflowId } from '../../workflows/definitions';

/** What accepting an HR event needs. */
export interface AcceptAlexisEventDeps {
  db: Db;
  temporal: HrEventTemporal;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** Kicked when an inline delivery fails, so the outbox relay retries soon. */
  outbox?: { kick(): void };
  /** How long the caller waits for the inline delivery to Temporal before answering anyway; default 2 s. */
  deliveryWaitMs?: number;
}

/** What became of an HR event. */
export type AlexisEventOutcome =
  /** Stored and handed to the employee's workflow (or left to the outbox relay when Temporal is slow or down). */
  | { outcome: 'accepted'; workflowId: string }
  /**
   * The event id was accepted before: nothing changes. `redriven` when the employee's workflow had not reconciled the
   * stored snapshot, which was handed to it again (HR resending is a sign it did not see the change happen).
   */
  | { outcome: 'duplicate'; redriven: boolean }
  /** The stored snapshot has this version or a newer one: recorded for dedupe; `redriven` as for a duplicate. */
  | { outcome: 'stale'; storedVersion: number; redriven: boolean }
  /** No company has the id the event names: nothing is stored. */
  | { outcome: 'unknownCompany' };

/**
 * Accepts a validated AlexisHR event. Idempotent by event id (a resend is `duplicate`); an older version than the
 * stored one is `stale`. An accepted event is persisted before Temporal is signalled, and the signal is waited for at
 * most `deliveryWaitMs`: a failure or a slow Temporal leaves the event in the outbox for the relay, so no accepted
 * event is lost.
 */
export async function acceptAlexisEvent(
  deps: AcceptAlexisEventDeps,
  event: HrWebhookEvent,
): Promise<AlexisEventOutcome> {
  const employee = event.data.employee;
  const occurredAt = new Date(event.occurredAt);
  const result = await acceptHrEvent(deps.db, {
    companyId: event.companyId,
    eventId: event.id,
    type: event.type,
    occurredAt,
    employee,
  });
  switch (result.outcome) {
    case 'unknownCompany':
      return { outcome: result.outcome };
    case 'duplicate':
      return { outcome: 'duplicate', redriven: await redriveIfUnreconciled(deps, event.companyId, employee.id) };
    case 'stale':
      return {
        outcome: 'stale',
        storedVersion: result.storedVersion,
        redriven: await redriveIfUnreconciled(deps, event.companyId, employee.id),
      };
    case 'accepted':
      await deliverInline(deps, result.eventRowId, {
        companyId: event.companyId,
        eventId: event.id,
        type: event.type,
        occurredAt,
        snapshot: employee,
      });
      return { outcome: 'accepted', workflowId: employeeWorkflowId(event.companyId, employee.id) };
  }
}

/**
 * Hands the stored snapshot to the employee's workflow again when the workflow has not reconciled it (never, or an
 * older version): the original delivery may have reached a Temporal that then lost it. Waits at most
 * `deliveryWaitMs`; a failure is left to the anti-entropy resync. Resolves to whether a re-drive was sent.
 */
async function redriveIfUnreconciled(deps: AcceptAlexisEventDeps, companyId: string, employeeId: string) {
  const stored = await getEmployeeWithLatestEvent(deps.db, companyId, employeeId);
  if (stored === null) return false;
  const { employee, latestEvent } = stored;
  if (employee.reconciledVersion !== null && employee.reconciledVersion >= employee.version) return false;
  const delivery = deliverHrEvent(deps.temporal, {
    companyId,
    eventId: latestEvent.eventId,
    type: latestEvent.type,
    occurredAt: latestEvent.occurredAt,
    snapshot: employee.snapshot,
  }).then(
    () => deps.logger.info({ companyId, employeeId }, 'HR resent an event of an unreconciled employee: re-driven'),
    (err: unknown) => deps.logger.warn({ companyId, employeeId, err }, 're-drive of an unreconciled employee failed'),
  );
  await deps.temporal.inFlight.waitAtMost(delivery, deps.deliveryWaitMs ?? 2_000);
  return true;
}

/**
 * Signals the workflow right away, waiting at most `deliveryWaitMs`. The event is already persisted, so a failure
 * only leaves it to the outbox relay; the HR system gets its 202 either way.
 */
async function deliverInline(
  deps: AcceptAlexisEventDeps,
  eventRowId: number,
  event: DeliverableHrEvent,
): Promise<void> {
  const delivery = deliverHrEvent(deps.temporal, event)
    .then(() => markHrEventDelivered(deps.db, eventRowId))
    .catch(async (err: unknown) => {
      const message = errorMessageWithoutData(err);
      deps.logger.warn(
        { companyId: event.companyId, eventId: event.eventId, err },
        'HR event left in the outbox for redelivery',
      );
      await recordHrEventDeliveryFailure(deps.db, eventRowId, message).catch(() => undefined);
      deps.outbox?.kick();
    });
  await deps.temporal.inFlight.waitAtMost(delivery, deps.deliveryWaitMs ?? 2_000);
}
