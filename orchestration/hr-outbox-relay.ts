import type { CompanySettings } from '../domain/activity-contracts';
import { getCompanySettings } from '../store/companies';
import type { Db } from '../store/db';
import { employeeWorkflowId } from '../workflows/definitions';
import { listUndeliveredHrEvents, markHrEventsDelivered, recordHrEventDeliveryFailure } from '../store/hr-events';
import type { DeliverableHrEvent, HrEventTemporal } from './hr-event-delivery';
import { deliverHrEvent } from './hr-event-delivery';
import { OutboxRelay, type Outbox, type OutboxRelayOptions } from './outbox-relay';

/** Where the webhook hands what it accepted, so that it can answer without waiting for Temporal. */
export interface HrEventOutbox {
  /** An event whose outbox row (`eventRowId`) is committed: delivered soon, without being read back. */
  accepted(eventRowId: number, event: DeliverableHrEvent): void;
  /**
   * A stored snapshot to hand to its workflow again; it has no outbox row, a failure is left to anti-entropy.
   * Returns false when it was not taken (the relay is stopped, backing off from a Temporal outage, or full).
   */
  redrive(event: DeliverableHrEvent): boolean;
}

export interface HrOutboxRelayOptions extends OutboxRelayOptions {
  db: Db;
  temporal: HrEventTemporal;
}

/** The HR webhook's outbox: the accepted rows of `webhook_events` (store/hr-events.ts), signalled as `hrSnapshot`. */
function hrEventOutbox(db: Db, temporal: HrEventTemporal): Outbox<DeliverableHrEvent> {
  return {
    what: 'HR event',
    listUndelivered: (query) => listUndeliveredHrEvents(db, query),
    markDelivered: async (ids) => {
      await markHrEventsDelivered(db, ids);
    },
    recordFailure: (id, error) => recordHrEventDeliveryFailure(db, id, error),
    deliver: async (event) => {
      await deliverHrEvent(temporal, { ...event, company: await companySettingsOrNone(db, event.companyId) });
    },
    logFields: (event) => ({ companyId: event.companyId, eventId: event.eventId, employeeId: event.snapshot.id }),
    orderKey: (event) => employeeWorkflowId(event.companyId, event.snapshot.id),
  };
}

/**
 * The company's settings to send with a snapshot, read at delivery (after the event was committed), so that its
 * workflow reconciles without reading them: one round trip through Temporal less per HR change. Undefined when the
 * read fails; the workflow then reads them itself.
 */
async function companySettingsOrNone(db: Db, companyId: string): Promise<CompanySettings | undefined> {
  try {
    return await getCompanySettings(db, companyId);
  } catch {
    return undefined;
  }
}

/**
 * Hands accepted HR events to Temporal (persist first, deliver after: docs/hr-webhook.md): the webhook commits the
 * event to the outbox, passes it here and answers 202; see {@link OutboxRelay} for how it is delivered. A re-drive
 * ({@link redrive}) of an unreconciled employee has no outbox row: a failed one is left to anti-entropy.
 */
export class HrOutboxRelay extends OutboxRelay<DeliverableHrEvent> implements HrEventOutbox {
  constructor(options: HrOutboxRelayOptions) {
    super(hrEventOutbox(options.db, options.temporal), options);
  }
}
