/**
 * HR webhook events: deduplication, the latest-snapshot rule, and the outbox of events still to hand to Temporal.
 * Delivery is at least once: a crash between signalling Temporal and marking the event delivered signals again, which
 * the employee workflow ignores because the version is not newer.
 */
import type { SQL } from 'drizzle-orm';
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { HrEmployee, HrEventType } from '../domain/hr-employee';
import type { Db } from './db';
import type { Employee } from './employees';
import { getEmployee } from './employees';
import { isForeignKeyViolation } from './pg-errors';
import { employees, HrEventOutcome, webhookEvents } from './schema';

export interface HrEventInput {
  companyId: string;
  /** The HR system's event id; a second event with the same id is a duplicate. */
  eventId: string;
  /** `employee.created`, `employee.updated`, …: informative, the snapshot is the truth. */
  type: HrEventType;
  occurredAt: Date;
  employee: HrEmployee;
}

export type AcceptHrEventResult =
  /** The snapshot was stored and the event waits in the outbox (`eventRowId`) for delivery to Temporal. */
  | { outcome: 'accepted'; eventRowId: number; previousVersion: number | null }
  /** The stored snapshot has this version or a newer one: the event is recorded for dedupe, nothing else changes. */
  | { outcome: 'stale'; eventRowId: number; storedVersion: number }
  /** The event id was seen before (with `firstOutcome`): nothing changes. */
  | { outcome: 'duplicate'; firstOutcome: HrEventOutcome }
  /** No company has this id: nothing is stored. */
  | { outcome: 'unknownCompany' };

/**
 * Records an HR event and applies its snapshot if it is newer than the stored one, in one transaction: either all of
 * it is written or nothing. Safe under concurrency: the same event id arriving twice at once yields one `accepted` (or
 * `stale`) and one `duplicate`; two versions of one employee racing leave the higher one stored. A batch of one of
 * {@link acceptHrEvents}, which names a company that does not exist as an outcome instead of a database error.
 */
export async function acceptHrEvent(db: Db, event: HrEventInput): Promise<AcceptHrEventResult> {
  try {
    const [result] = await acceptHrEvents(db, [event]);
    return result!;
  } catch (err) {
    if (isForeignKeyViolation(err)) return { outcome: 'unknownCompany' };
    throw err;
  }
}

/** The key that deduplicates events: an event id is unique within its company. */
const eventKey = (event: { companyId: string; eventId: string }) => `${event.companyId}\u0000${event.eventId}`;
/** The key of an employee row. */
const employeeKey = (companyId: string, employeeId: string) => `${companyId}\u0000${employeeId}`;
const byKey =
  <T>(key: (item: T) => string) =>
  (a: T, b: T) =>
    key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0;

/**
 * Records several HR events in one transaction, with the outcome each would have had from {@link acceptHrEvent} in
 * some order of the batch (they are concurrent requests, none answered yet, so any order is one HR could have seen):
 * an event id seen before, or earlier in the batch, is a duplicate; of the events of one employee the highest
 * version is applied if it is newer than the stored one and the others are stale. The same few statements whatever
 * the size of the batch, instead of five per event: what lets the webhook's group commit (store/group-commit.ts)
 * share one commit among concurrent webhooks. Rows are written and locked in key order, so concurrent batches (of other API
 * processes) do not deadlock. Results are in the order of `events`.
 * @throws the database's error when any statement fails (a company that does not exist, for one): then nothing is
 * written, and the caller accepts each event on its own to learn which one it was.
 */
export async function acceptHrEvents(db: Db, events: readonly HrEventInput[]): Promise<AcceptHrEventResult[]> {
  if (events.length === 0) return [];
  return db.transaction(async (tx): Promise<AcceptHrEventResult[]> => {
    // An event id twice in the batch: the later ones are duplicates of the first.
    const firstOfKey = new Map<string, number>();
    const repeatOf = new Map<number, number>();
    events.forEach((event, i) => {
      const first = firstOfKey.get(eventKey(event));
      if (first === undefined) firstOfKey.set(eventKey(event), i);
      else repeatOf.set(i, first);
    });
    const distinct = [...firstOfKey.values()].map((i) => ({ i, event: events[i]! }));

    const inserted = await tx
      .insert(webhookEvents)
      .values(
        [...distinct].sort(byKey(({ event }) => eventKey(event))).map(({ event }) => ({
          companyId: event.companyId,
          eventId: event.eventId,
          type: event.type,
          occurredAt: event.occurredAt,
          employeeId: event.employee.id,
          employeeVersion: event.employee.version,
          snapshot: event.employee,
          outcome: HrEventOutcome.Accepted,
        })),
      )
      .onConflictDoNothing({ target: [webhookEvents.companyId, webhookEvents.eventId] })
      .returning({ id: webhookEvents.id, companyId: webhookEvents.companyId, eventId: webhookEvents.eventId });
    const rowIdOf = new Map(inserted.map((row) => [eventKey(row), row.id]));

    const results: AcceptHrEventResult[] = new Array<AcceptHrEventResult>(events.length);
    const known = distinct.filter(({ event }) => !rowIdOf.has(eventKey(event)));
    if (known.length > 0) {
      const firsts = await tx
        .select({ companyId: webhookEvents.companyId, eventId: webhookEvents.eventId, outcome: webhookEvents.outcome })
        .from(webhookEvents)
        .where(
          perCompany(
            known.map(({ event }) => event),
            (companyId, events) =>
              and(
                eq(webhookEvents.companyId, companyId),
                inArray(
                  webhookEvents.eventId,
                  events.map((event) => event.eventId),
                ),
              ),
          ),
        );
      const outcomeOf = new Map(firsts.map((row) => [eventKey(row), row.outcome]));
      for (const { i, event } of known) {
        const firstOutcome = outcomeOf.get(eventKey(event));
        if (firstOutcome === undefined) throw new Error(`event ${event.eventId} conflicted but cannot be read`);
        results[i] = { outcome: 'duplicate', firstOutcome };
      }
    }

    // Of each employee's new events, the one with the highest version (the first of equals) is the one to apply.
    const fresh = distinct.filter(({ event }) => rowIdOf.has(eventKey(event)));
    if (fresh.length === 0) return completeRepeats(results, repeatOf);
    const candidateOf = new Map<string, { i: number; event: HrEventInput }>();
    for (const entry of fresh) {
      const key = employeeKey(entry.event.companyId, entry.event.employee.id);
      const current = candidateOf.get(key);
      if (current === undefined || entry.event.employee.version > current.event.employee.version) {
        candidateOf.set(key, entry);
      }
    }
    const candidates = [...candidateOf.values()].sort(
      byKey(({ event }) => employeeKey(event.companyId, event.employee.id)),
    );
    const employeesOf = perCompany(
      candidates.map(({ event }) => event),
      (companyId, events) =>
        and(
          eq(employees.companyId, companyId),
          inArray(
            employees.id,
            events.map((event) => event.employee.id),
          ),
        ),
    );
    // Locked in key order (the sort is below the lock), like the upsert's rows, so that batches never deadlock.
    const previous = await tx
      .select({ companyId: employees.companyId, id: employees.id, version: employees.version })
      .from(employees)
      .where(employeesOf)
      .orderBy(asc(employees.companyId), asc(employees.id))
      .for('update');
    const previousOf = new Map(previous.map((row) => [employeeKey(row.companyId, row.id), row.version]));
    const applied = await tx
      .insert(employees)
      .values(
        candidates.map(({ event }) => ({
          companyId: event.companyId,
          id: event.employee.id,
          snapshot: event.employee,
          version: event.employee.version,
          workEmail: event.employee.workEmail,
        })),
      )
      .onConflictDoUpdate({
        target: [employees.companyId, employees.id],
        set: {
          snapshot: sql`excluded.snapshot`,
          version: sql`excluded.version`,
          workEmail: sql`excluded.work_email`,
          updatedAt: sql`now()`,
        },
        setWhere: sql`${employees.version} < excluded.version`,
      })
      .returning({ companyId: employees.companyId, id: employees.id, version: employees.version });
    const appliedOf = new Map(applied.map((row) => [employeeKey(row.companyId, row.id), row.version]));

    const stale: number[] = [];
    for (const { i, event } of fresh) {
      const key = employeeKey(event.companyId, event.employee.id);
      const eventRowId = rowIdOf.get(eventKey(event))!;
      const previousVersion = previousOf.get(key) ?? null;
      const appliedVersion = appliedOf.get(key);
      if (candidateOf.get(key)!.i === i && appliedVersion !== undefined) {
        results[i] = { outcome: 'accepted', eventRowId, previousVersion };
      } else {
        stale.push(eventRowId);
        results[i] = {
          outcome: 'stale',
          eventRowId,
          storedVersion: appliedVersion ?? previousVersion ?? event.employee.version,
        };
      }
    }
    if (stale.length > 0) {
      await tx.update(webhookEvents).set({ outcome: HrEventOutcome.Stale }).where(inArray(webhookEvents.id, stale));
    }

    return completeRepeats(results, repeatOf);
  });
}

/** The results of the events repeated in a batch: duplicates of the first with their id, whatever became of it. */
function completeRepeats(results: AcceptHrEventResult[], repeatOf: Map<number, number>): AcceptHrEventResult[] {
  for (const [i, first] of repeatOf) {
    const outcome = results[first]!;
    results[i] = {
      outcome: 'duplicate',
      firstOutcome: outcome.outcome === 'duplicate' ? outcome.firstOutcome : (outcome.outcome as HrEventOutcome),
    };
  }
  return results;
}

/** One condition per company of `events` (a batch usually has one), or-ed: an index lookup each. */
function perCompany<E extends { companyId: string }>(
  events: readonly E[],
  condition: (companyId: string, events: E[]) => SQL | undefined,
): SQL | undefined {
  const byCompany = new Map<string, E[]>();
  for (const event of events) byCompany.set(event.companyId, [...(byCompany.get(event.companyId) ?? []), event]);
  return or(...[...byCompany].map(([companyId, of]) => condition(companyId, of)));
}

/** An accepted event waiting to be handed to Temporal. */
export interface UndeliveredHrEvent {
  /** The outbox id to pass to {@link markHrEventDelivered} / {@link recordHrEventDeliveryFailure}. */
  id: number;
  companyId: string;
  eventId: string;
  type: HrEventType;
  occurredAt: Date;
  receivedAt: Date;
  employeeId: string;
  employeeVersion: number;
  /** The snapshot the event carried (the workflow ignores it if it already has a newer one). */
  snapshot: HrEmployee;
  deliveryAttempts: number;
  lastAttemptAt: Date | null;
  lastDeliveryError: string | null;
}

/** Which undelivered events {@link listUndeliveredHrEvents} reads. */
export interface UndeliveredHrEventsQuery {
  limit: number;
  companyId?: string;
  /** Only events after this outbox id (to page through the outbox). */
  afterId?: number;
  /**
   * Only events received before this time, or whose delivery failed before: what no process is still handing to
   * Temporal (the relay of the process that accepted an event delivers it at once).
   */
  settledBefore?: Date;
}

/** Accepted events not yet delivered, oldest first (the order they were accepted in), at most `limit`. */
export async function listUndeliveredHrEvents(db: Db, query: UndeliveredHrEventsQuery): Promise<UndeliveredHrEvent[]> {
  return db
    .select({
      id: webhookEvents.id,
      companyId: webhookEvents.companyId,
      eventId: webhookEvents.eventId,
      type: webhookEvents.type,
      occurredAt: webhookEvents.occurredAt,
      receivedAt: webhookEvents.receivedAt,
      employeeId: webhookEvents.employeeId,
      employeeVersion: webhookEvents.employeeVersion,
      snapshot: webhookEvents.snapshot,
      deliveryAttempts: webhookEvents.deliveryAttempts,
      lastAttemptAt: webhookEvents.lastAttemptAt,
      lastDeliveryError: webhookEvents.lastDeliveryError,
    })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.outcome, HrEventOutcome.Accepted),
        isNull(webhookEvents.deliveredAt),
        query.companyId === undefined ? undefined : eq(webhookEvents.companyId, query.companyId),
        query.afterId === undefined ? undefined : gt(webhookEvents.id, query.afterId),
        query.settledBefore === undefined
          ? undefined
          : or(lt(webhookEvents.receivedAt, query.settledBefore), gt(webhookEvents.deliveryAttempts, 0)),
      ),
    )
    .orderBy(asc(webhookEvents.id))
    .limit(query.limit);
}

/** The number of accepted events not yet delivered (for health and the console). */
export async function countUndeliveredHrEvents(db: Db): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.outcome, HrEventOutcome.Accepted), isNull(webhookEvents.deliveredAt)));
  return row?.count ?? 0;
}

/**
 * Marks an outbox event delivered. Idempotent: resolves to true the first time, false when it was already delivered
 * (or does not exist); the first delivery time is kept.
 */
export async function markHrEventDelivered(db: Db, id: number): Promise<boolean> {
  return (await markHrEventsDelivered(db, [id])) === 1;
}

/** Marks outbox events delivered in one statement (see {@link markHrEventDelivered}); resolves to how many were new. */
export async function markHrEventsDelivered(db: Db, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db
    .update(webhookEvents)
    .set({ deliveredAt: sql`now()` })
    .where(and(inArray(webhookEvents.id, [...ids]), isNull(webhookEvents.deliveredAt)))
    .returning({ id: webhookEvents.id });
  return rows.length;
}

/** Counts a failed delivery attempt and keeps its error message; the event stays in the outbox. */
export async function recordHrEventDeliveryFailure(db: Db, id: number, error: string): Promise<void> {
  await db
    .update(webhookEvents)
    .set({
      deliveryAttempts: sql`${webhookEvents.deliveryAttempts} + 1`,
      lastAttemptAt: sql`now()`,
      lastDeliveryError: error.slice(0, 2000),
    })
    .where(and(eq(webhookEvents.id, id), isNull(webhookEvents.deliveredAt)));
}

/**
 * Forgets events received before `cutoff` that need nothing more: delivered ones and stale ones. Accepted events not
 * yet delivered are kept whatever their age. Safe for dedupe: versions only rise, so an old event HR sends again after
 * it was forgotten is recorded as stale and changes nothing. Resolves to the number of events removed.
 */
export async function deleteSettledHrEventsBefore(db: Db, cutoff: Date): Promise<number> {
  const rows = await db
    .delete(webhookEvents)
    .where(
      and(
        lt(webhookEvents.receivedAt, cutoff),
        or(eq(webhookEvents.outcome, HrEventOutcome.Stale), isNotNull(webhookEvents.deliveredAt)),
      ),
    )
    .returning({ id: webhookEvents.id });
  return rows.length;
}

/** The HR event an employee's stored snapshot came from. */
export interface LatestHrEvent {
  eventId: string;
  type: HrEventType;
  occurredAt: Date;
}

/** An employee as stored, with the HR event its snapshot came from (what a re-drive of its workflow replays). */
export interface EmployeeWithLatestEvent {
  employee: Employee;
  /**
   * The latest accepted event (highest employee version, then the latest received). Settled events are forgotten
   * after a while; then it is `stored-v<version>`, `employee.updated`, at the row's last update.
   */
  latestEvent: LatestHrEvent;
}

/** The stored employee and its latest accepted HR event, or null when the employee is not stored. Read-only. */
export async function getEmployeeWithLatestEvent(
  db: Db,
  companyId: string,
  employeeId: string,
): Promise<EmployeeWithLatestEvent | null> {
  const employee = await getEmployee(db, companyId, employeeId);
  if (employee === null) return null;
  const [last] = await db
    .select({ eventId: webhookEvents.eventId, type: webhookEvents.type, occurredAt: webhookEvents.occurredAt })
    .from(webhookEvents)
    .where(
      and(
        eq(webhookEvents.companyId, companyId),
        eq(webhookEvents.employeeId, employeeId),
        eq(webhookEvents.outcome, HrEventOutcome.Accepted),
      ),
    )
    .orderBy(desc(webhookEvents.employeeVersion), desc(webhookEvents.id))
    .limit(1);
  return {
    employee,
    latestEvent: last ?? {
      eventId: `stored-v${employee.version}`,
      type: 'employee.updated',
      occurredAt: employee.updatedAt,
    },
  };
}
