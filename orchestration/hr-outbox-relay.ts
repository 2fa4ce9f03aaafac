import type { CompanySettings } from '../domain/activity-contracts';
import { getCompanySettings } from '../store/companies';
import type { Db } from '../store/db';
import { rememberReads, type RememberedRead } from '../store/recent-reads';
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
  /**
   * This process changed the company's policies or connection: the deliveries after this call read its settings
   * again instead of sending the reading of up to {@link relayCompanySettingsTtlMs} before.
   */
  companyChanged(companyId: string): void;
}

export interface HrOutboxRelayOptions extends OutboxRelayOptions {
  db: Db;
  temporal: HrEventTemporal;
  /** The clock the company settings' reuse is timed by ({@link relayCompanySettingsTtlMs}); tests move it. */
  now?: () => number;
}

/**
 * How long a relay sends a company's settings with snapshots without reading them again, so that a burst of HR
 * events costs one company read a second instead of one per event: a changed company reaches the deliveries within
 * this time. A reading that old is safe. A workflow never goes back to settings older than ones it used (their
 * `revision`, `companyRevision` in workflows/employee-lifecycle.ts); a change of the policies or the connection is
 * followed by the company's resync, whose re-drives send no settings, so every workflow reads the new ones itself;
 * and a removed connection stops Graph work at the next call whatever the workflow holds. A delivery within the
 * second after a change reconciles with the settings as they were just before it, as one that read them just before
 * the change does. A change made through this process ({@link HrEventOutbox.companyChanged}) is sent at once.
 */
export const relayCompanySettingsTtlMs = 1_000;

/** The HR webhook's outbox: the accepted rows of `webhook_events` (store/hr-events.ts), signalled as `hrSnapshot`. */
function hrEventOutbox(
  db: Db,
  temporal: HrEventTemporal,
  companySettings: (companyId: string) => Promise<CompanySettings>,
): Outbox<DeliverableHrEvent> {
  return {
    what: 'HR event',
    listUndelivered: (query) => listUndeliveredHrEvents(db, query),
    markDelivered: async (ids) => {
      await markHrEventsDelivered(db, ids);
    },
    recordFailure: (id, error) => recordHrEventDeliveryFailure(db, id, error),
    deliver: async (event) => {
      await deliverHrEvent(temporal, { ...event, company: await settingsOrNone(companySettings, event.companyId) });
    },
    logFields: (event) => ({ companyId: event.companyId, eventId: event.eventId, employeeId: event.snapshot.id }),
    orderKey: (event) => employeeWorkflowId(event.companyId, event.snapshot.id),
  };
}

/**
 * The company's settings to send with a snapshot, read at delivery (after the event was committed) or at most
 * {@link relayCompanySettingsTtlMs} before, so that its workflow reconciles without reading them: one round trip
 * through Temporal less per HR change. Undefined when the read fails; the workflow then reads them itself.
 */
async function settingsOrNone(
  read: (companyId: string) => Promise<CompanySettings>,
  companyId: string,
): Promise<CompanySettings | undefined> {
  try {
    return await read(companyId);
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
  private readonly companySettings: RememberedRead<CompanySettings>;

  constructor(options: HrOutboxRelayOptions) {
    const { db, now } = options;
    const companySettings = rememberReads((companyId) => getCompanySettings(db, companyId), {
      ttlMs: relayCompanySettingsTtlMs,
      ...(now === undefined ? {} : { now }),
    });
    super(hrEventOutbox(db, options.temporal, companySettings), options);
    this.companySettings = companySettings;
  }

  companyChanged(companyId: string): void {
    this.companySettings.forget(companyId);
  }
}
