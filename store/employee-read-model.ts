/**
 * The employee read model of the console and the CLI (`joiner employees list|show`): a company's employees searched,
 * filtered by lifecycle phase and paged by id (keyset, so page 200 of 10,000 costs what page 1 costs), and the HR
 * events of one employee as its timeline. Read-only.
 */
import type { SQL } from 'drizzle-orm';
import { and, asc, desc, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import type { HrEventType } from '../domain/hr-employee';
import type { LifecyclePhase } from '../domain/lifecycle-phase';
import type { Db } from './db';
import type { Employee } from './employees';
import { HrEventOutcome, employees, webhookEvents } from './schema';

/** The phase filter: a lifecycle phase, or `not-started` for employees no workflow has reported on yet. */
export type EmployeePhaseFilter = LifecyclePhase | typeof notStartedPhase;
export const notStartedPhase = 'not-started';

/** What to list: `search` matches the HR id, the work email or the name (case-insensitive, anywhere in them). */
export interface EmployeeListQuery {
  search?: string | null;
  phase?: EmployeePhaseFilter | null;
  /** Page size, 1–500. */
  limit: number;
  /** Keyset cursors: the page after this employee id, or the page before it. At most one of them. */
  after?: string | null;
  before?: string | null;
}

/** One row of the list: what the DB knows of the employee (pending timers come from the workflow). */
export interface EmployeeListRow {
  id: string;
  firstName: string | null;
  lastName: string | null;
  workEmail: string | null;
  /** The phase the workflow last recorded; null before it reported. */
  phase: string | null;
  entraObjectId: string | null;
  lastError: string | null;
  /** The HR version stored, and the one the workflow has reconciled (behind means Entra is not up to date yet). */
  version: number;
  reconciledVersion: number | null;
  /** When HR last changed the employee (the latest accepted HR event), null when those events were cleaned up. */
  lastHrChangeAt: Date | null;
  updatedAt: Date;
}

export interface EmployeeListPage {
  rows: EmployeeListRow[];
  /** Employees matching the search and filter, over all pages. */
  total: number;
  /** Cursors for the neighbouring pages; null at either end. */
  nextAfter: string | null;
  previousBefore: string | null;
}

/** `%text%` for ILIKE with the pattern characters of `text` escaped. */
function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function matching(companyId: string, query: Pick<EmployeeListQuery, 'search' | 'phase'>): SQL {
  const conditions: (SQL | undefined)[] = [eq(employees.companyId, companyId)];
  const search = query.search?.trim();
  if (search) {
    const pattern = containsPattern(search);
    const name = sql`coalesce(${employees.snapshot}->>'firstName', '') || ' ' || coalesce(${employees.snapshot}->>'lastName', '')`;
    conditions.push(
      sql`(${employees.id} ilike ${pattern} or ${employees.workEmail} ilike ${pattern} or ${name} ilike ${pattern})`,
    );
  }
  if (query.phase === notStartedPhase) conditions.push(isNull(employees.phase));
  else if (query.phase) conditions.push(eq(employees.phase, query.phase));
  return and(...conditions)!;
}

/**
 * A page of the company's employees ordered by HR id, with the total that match. Uses the primary key (and
 * `employees_company_phase_id_idx` with a phase filter); a search scans the company's rows, which for 10,000
 * employees is a few milliseconds.
 */
export async function searchEmployees(db: Db, companyId: string, query: EmployeeListQuery): Promise<EmployeeListPage> {
  const limit = Math.min(500, Math.max(1, Math.trunc(query.limit)));
  const where = matching(companyId, query);
  const backwards = query.before !== undefined && query.before !== null;
  const cursor = backwards ? lt(employees.id, query.before!) : query.after ? gt(employees.id, query.after) : undefined;
  // Spelled out: inside a select drizzle writes columns unqualified, and "id" would be the event's own id here.
  const lastHrChangeAt = sql<Date | null>`(
    select max(w.occurred_at) from webhook_events w
    where w.company_id = "employees"."company_id" and w.employee_id = "employees"."id"
      and w.outcome = ${HrEventOutcome.Accepted})`;
  const [rows, counted] = await Promise.all([
    db
      .select({
        id: employees.id,
        firstName: sql<string | null>`${employees.snapshot}->>'firstName'`,
        lastName: sql<string | null>`${employees.snapshot}->>'lastName'`,
        workEmail: employees.workEmail,
        phase: employees.phase,
        entraObjectId: employees.entraObjectId,
        lastError: employees.lastError,
        version: employees.version,
        reconciledVersion: employees.reconciledVersion,
        lastHrChangeAt: lastHrChangeAt.mapWith((v: string | Date | null) => (v === null ? null : new Date(v))),
        updatedAt: employees.updatedAt,
      })
      .from(employees)
      .where(and(where, cursor))
      .orderBy(backwards ? desc(employees.id) : asc(employees.id))
      .limit(limit + 1),
    db
      .select({ total: sql<number>`count(*)`.mapWith(Number) })
      .from(employees)
      .where(where),
  ]);
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  if (backwards) page.reverse();
  const first = page[0]?.id ?? null;
  const last = page.at(-1)?.id ?? null;
  return {
    rows: page,
    total: counted[0]?.total ?? 0,
    // Going back, "more" means there is a page before; there is always one after the cursor we came from.
    nextAfter: backwards ? last : more ? last : null,
    previousBefore: backwards ? (more ? first : null) : query.after ? first : null,
  };
}

/** How many of the company's employees are in each phase (`not-started` for those without one yet). */
export async function countEmployeesByPhase(db: Db, companyId: string): Promise<Record<string, number>> {
  const rows = await db
    .select({ phase: employees.phase, count: sql<number>`count(*)`.mapWith(Number) })
    .from(employees)
    .where(eq(employees.companyId, companyId))
    .groupBy(employees.phase);
  return Object.fromEntries(rows.map((r) => [r.phase ?? notStartedPhase, r.count]));
}

/** One HR event of an employee's timeline. */
export interface EmployeeHrEvent {
  eventId: string;
  type: HrEventType;
  occurredAt: Date;
  receivedAt: Date;
  employeeVersion: number;
  /** `stale`: older than the snapshot already stored, so not applied. */
  outcome: HrEventOutcome;
  /** When it was handed to the employee's workflow; null while it waits in the outbox (Temporal unreachable). */
  deliveredAt: Date | null;
  deliveryAttempts: number;
  lastDeliveryError: string | null;
}

/** The employee's HR events, newest first (at most `limit`). Settled events are cleaned up after a while. */
export async function listEmployeeHrEvents(
  db: Db,
  companyId: string,
  employeeId: string,
  limit = 50,
): Promise<EmployeeHrEvent[]> {
  return db
    .select({
      eventId: webhookEvents.eventId,
      type: webhookEvents.type,
      occurredAt: webhookEvents.occurredAt,
      receivedAt: webhookEvents.receivedAt,
      employeeVersion: webhookEvents.employeeVersion,
      outcome: webhookEvents.outcome,
      deliveredAt: webhookEvents.deliveredAt,
      deliveryAttempts: webhookEvents.deliveryAttempts,
      lastDeliveryError: webhookEvents.lastDeliveryError,
    })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.companyId, companyId), eq(webhookEvents.employeeId, employeeId)))
    .orderBy(desc(webhookEvents.receivedAt), desc(webhookEvents.id))
    .limit(limit);
}

/** "First Last (id)" of the given employees, by id; unknown ids are absent. */
export async function employeeDisplayNames(
  db: Db,
  companyId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await db
    .select({
      id: employees.id,
      firstName: sql<string | null>`${employees.snapshot}->>'firstName'`,
      lastName: sql<string | null>`${employees.snapshot}->>'lastName'`,
    })
    .from(employees)
    .where(and(eq(employees.companyId, companyId), inArray(employees.id, unique)));
  return new Map(
    rows.map((r) => {
      const name = [r.firstName, r.lastName].filter(Boolean).join(' ');
      return [r.id, name ? `${name} (${r.id})` : r.id];
    }),
  );
}

export type { Employee };
