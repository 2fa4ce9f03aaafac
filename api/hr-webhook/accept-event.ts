/**
 * The use case behind `POST /webhooks/alexis`: persist an HR event (snapshot + outbox, one transaction), then hand
 * it to the outbox relay, which delivers it to Temporal; the HR system's 202 does not wait for Temporal. The route
 * only reads, verifies and validates before, and turns the outcome into a response after.
 */
import type { Logger } from 'pino';
import type { HrWebhookEvent } from '../../domain/hr-employee';
import type { HrEventOutbox } from '../../orchestration/hr-outbox-relay';
import type { Db } from '../../store/db';
import type { AcceptHrEventResult, HrEventInput } from '../../store/hr-events';
import { GroupCommit } from '../../store/group-commit';
import { acceptHrEvent, acceptHrEvents, getEmployeeWithLatestEvent } from '../../store/hr-events';
import { employeeWorkflowId } from '../../workflows/definitions';

/** What accepting an HR event needs. */
export interface AcceptAlexisEventDeps {
  db: Db;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /**
   * The outbox relay (orchestration/hr-outbox-relay.ts): it delivers what was stored. Absent, the event waits in the
   * outbox for a relay's poll.
   */
  outbox?: HrEventOutbox | undefined;
  /**
   * How the event is committed: the router's group commit ({@link hrEventGroupCommit}), which shares a transaction
   * among concurrent webhooks. Absent, a transaction of its own ({@link acceptHrEvent}).
   */
  commit?: ((event: HrEventInput) => Promise<AcceptHrEventResult>) | undefined;
}

/** Concurrent webhooks' events in one transaction at most: large enough for a burst, small enough to stay short. */
const maxEventsPerCommit = 64;
/**
 * Transactions at once: enough to keep PostgreSQL busy while one waits for its round trips, few enough to leave the
 * pool (10 connections) to the rest of the API; PGlite runs them one after the other anyway.
 */
const concurrentCommits = 2;

/**
 * Accepts HR events by group commit: the events of webhooks that arrive together are committed in one transaction
 * ({@link acceptHrEvents}), each with the outcome it would have had alone; an event the database refuses fails only
 * its own request. Every event is committed before its promise resolves, so a 202 still means stored.
 */
export function hrEventGroupCommit(db: Db): (event: HrEventInput) => Promise<AcceptHrEventResult> {
  const group = new GroupCommit<HrEventInput, AcceptHrEventResult>({
    commitMany: (events) => acceptHrEvents(db, events),
    commitOne: (event) => acceptHrEvent(db, event),
    maxBatchSize: maxEventsPerCommit,
    maxConcurrentBatches: concurrentCommits,
  });
  return (event) => group.submit(event);
}

/** What became of an HR event. */
export type AlexisEventOutcome =
  /** Stored in the outbox; the relay hands it to the employee's workflow. */
  | { outcome: 'accepted'; workflowId: string }
  /**
   * The event id was accepted before: nothing changes. `redriven` when the employee's workflow had not reconciled the
   * stored snapshot, which is handed to it again (HR resending is a sign it did not see the change happen).
   */
  | { outcome: 'duplicate'; redriven: boolean }
  /** The stored snapshot has this version or a newer one: recorded for dedupe; `redriven` as for a duplicate. */
  | { outcome: 'stale'; storedVersion: number; redriven: boolean }
  /** No company has the id the event names: nothing is stored. */
  | { outcome: 'unknownCompany' };

/**
 * Accepts a validated AlexisHR event. Idempotent by event id (a resend is `duplicate`); an older version than the
 * stored one is `stale`. An accepted event is committed to the outbox before this resolves, and delivered by the
 * relay after: a failure or a slow Temporal leaves it in the outbox, so no accepted event is lost.
 */
export async function acceptAlexisEvent(
  deps: AcceptAlexisEventDeps,
  event: HrWebhookEvent,
): Promise<AlexisEventOutcome> {
  const employee = event.data.employee;
  const occurredAt = new Date(event.occurredAt);
  const commit = deps.commit ?? ((input: HrEventInput) => acceptHrEvent(deps.db, input));
  const result = await commit({
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
      deps.outbox?.accepted(result.eventRowId, {
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
 * older version): the original delivery may have reached a Temporal that then lost it. The relay sends it without
 * the request waiting; a failure is left to the anti-entropy resync. Resolves to whether a re-drive was queued.
 */
async function redriveIfUnreconciled(deps: AcceptAlexisEventDeps, companyId: string, employeeId: string) {
  const stored = await getEmployeeWithLatestEvent(deps.db, companyId, employeeId);
  if (stored === null) return false;
  const { employee, latestEvent } = stored;
  if (employee.reconciledVersion !== null && employee.reconciledVersion >= employee.version) return false;
  if (deps.outbox === undefined) return false;
  return deps.outbox.redrive({
    companyId,
    eventId: latestEvent.eventId,
    type: latestEvent.type,
    occurredAt: latestEvent.occurredAt,
    snapshot: employee.snapshot,
  });
}
