/**
 * Employees: the latest HR snapshot (written only by `acceptHrEvent` and `acceptHrEvents`) and what the lifecycle recorded about the
 * employee's Entra user. Setters resolve to false when the employee does not exist.
 */
import { and, asc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { LifecyclePhase } from '../domain/lifecycle-phase';
import type { PushedEntraState } from '../domain/graph-user';
import type { Db } from './db';
import { isUniqueViolation } from './pg-errors';
import { employees } from './schema';

export type Employee = typeof employees.$inferSelect;

const byKey = (companyId: string, employeeId: string) =>
  and(eq(employees.companyId, companyId), eq(employees.id, employeeId));

export async function getEmployee(db: Db, companyId: string, employeeId: string): Promise<Employee | null> {
  const [row] = await db.select().from(employees).where(byKey(companyId, employeeId));
  return row ?? null;
}

export interface EmployeePage {
  employees: Employee[];
  /** Pass as `afterId` for the next page; null on the last page. */
  nextAfterId: string | null;
}

/** A page of a company's employees ordered by id (keyset paging: stable while employees are added). */
export async function listEmployees(
  db: Db,
  companyId: string,
  page: { limit: number; afterId?: string | null },
): Promise<EmployeePage> {
  const rows = await db
    .select()
    .from(employees)
    .where(
      and(
        eq(employees.companyId, companyId),
        page.afterId === undefined || page.afterId === null ? undefined : gt(employees.id, page.afterId),
      ),
    )
    .orderBy(asc(employees.id))
    .limit(page.limit + 1);
  const hasMore = rows.length > page.limit;
  const pageRows = hasMore ? rows.slice(0, page.limit) : rows;
  return { employees: pageRows, nextAfterId: hasMore ? (pageRows.at(-1)?.id ?? null) : null };
}

/** The number of employees of a company. */
export async function countEmployees(db: Db, companyId: string): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(employees)
    .where(eq(employees.companyId, companyId));
  return row?.count ?? 0;
}

export type SetEntraObjectIdResult =
  | { status: 'set' }
  | { status: 'notFound' }
  /** Another employee of the company is already linked to that Entra user. */
  | { status: 'conflict'; linkedEmployeeId: string };

/**
 * Links the employee to its Entra user (or unlinks with null). Idempotent. An Entra user belongs to at most one
 * employee per company: linking a second one resolves to `conflict` naming the first, and changes nothing.
 */
export async function setEmployeeEntraObjectId(
  db: Db,
  companyId: string,
  employeeId: string,
  entraObjectId: string | null,
): Promise<SetEntraObjectIdResult> {
  try {
    // Its own (sub)transaction: inside a caller's transaction the violation rolls back to a savepoint only, so the
    // lookup below still runs.
    const rows = await db.transaction((tx) =>
      tx
        .update(employees)
        .set({ entraObjectId, updatedAt: sql`now()` })
        .where(byKey(companyId, employeeId))
        .returning({ id: employees.id }),
    );
    return rows.length > 0 ? { status: 'set' } : { status: 'notFound' };
  } catch (err) {
    if (!isUniqueViolation(err, 'employees_company_entra_object_id_key') || entraObjectId === null) throw err;
    const other = await findEmployeeByEntraObjectId(db, companyId, entraObjectId);
    if (other === null) throw err;
    return { status: 'conflict', linkedEmployeeId: other.id };
  }
}

/**
 * Records, in one statement, the lifecycle phase shown in the console, the last error (null once resolved) and, when
 * given, the HR version the workflow has reconciled (see {@link listUnreconciledEmployeeIds}; it only rises) and what
 * the lifecycle last wrote to the employee's Entra user (`pushed`; null forgets it).
 */
export async function recordEmployeeState(
  db: Db,
  companyId: string,
  employeeId: string,
  phase: string,
  lastError: string | null,
  reconciledVersion?: number | null,
  pushed?: PushedEntraState | null,
): Promise<boolean> {
  const rows = await db
    .update(employees)
    .set({
      phase,
      lastError,
      updatedAt: sql`now()`,
      ...(reconciledVersion === undefined || reconciledVersion === null
        ? {}
        : {
            reconciledVersion: sql`greatest(coalesce(${employees.reconciledVersion}, ${reconciledVersion}), ${reconciledVersion})`,
          }),
      ...(pushed === undefined ? {} : { pushedEntraState: pushed }),
    })
    .where(byKey(companyId, employeeId))
    .returning({ id: employees.id });
  return rows.length > 0;
}

/**
 * Employees of the company whose latest snapshot has this work email, compared case-insensitively. Usually one;
 * more means HR gave two employees the same address, which callers should surface rather than guess.
 */
export async function findEmployeesByWorkEmail(db: Db, companyId: string, workEmail: string): Promise<Employee[]> {
  return db
    .select()
    .from(employees)
    .where(and(eq(employees.companyId, companyId), sql`lower(${employees.workEmail}) = lower(${workEmail})`))
    .orderBy(asc(employees.id));
}

/** The employee linked to this Entra user, if any. */
export async function findEmployeeByEntraObjectId(
  db: Db,
  companyId: string,
  entraObjectId: string,
): Promise<Employee | null> {
  const [row] = await db
    .select()
    .from(employees)
    .where(and(eq(employees.companyId, companyId), eq(employees.entraObjectId, entraObjectId)));
  return row ?? null;
}

/** Ids of the company's employees whose latest HR snapshot names `managerEmployeeId` as `reportsTo`. Read-only. */
export async function listDirectReportIds(db: Db, companyId: string, managerEmployeeId: string): Promise<string[]> {
  const rows = await db
    .select({ id: employees.id })
    .from(employees)
    .where(and(eq(employees.companyId, companyId), sql`${employees.snapshot}->>'reportsTo' = ${managerEmployeeId}`));
  return rows.map((r) => r.id);
}

/** Whether the employee's workflow has not yet reconciled the stored HR version (never, or an older one). */
const unreconciled = or(isNull(employees.reconciledVersion), lt(employees.reconciledVersion, employees.version));

/**
 * A page (keyset by id, after `afterId`) of the company's employees whose stored HR version is newer than the one
 * their workflow reconciled, or that no workflow ever reconciled. Reads the partial index of such rows only, so it is
 * cheap when Temporal is in line with the database.
 */
export async function listUnreconciledEmployeeIds(
  db: Db,
  companyId: string,
  page: { limit: number; afterId: string | null },
): Promise<string[]> {
  const rows = await db
    .select({ id: employees.id })
    .from(employees)
    .where(
      and(
        eq(employees.companyId, companyId),
        unreconciled,
        page.afterId === null ? undefined : gt(employees.id, page.afterId),
      ),
    )
    .orderBy(asc(employees.id))
    .limit(page.limit);
  return rows.map((r) => r.id);
}

/**
 * How a company's employees stand for the anti-entropy check: how many there are, how many their workflows have not
 * reconciled yet, and how many should have a running workflow (all but those whose workflow ended because HR deleted
 * them or their Entra user was deleted by policy: phase `deleted`).
 */
export async function countEmployeesForReconciliation(
  db: Db,
  companyId: string,
): Promise<{ total: number; unreconciled: number; expectedRunning: number }> {
  const [row] = await db
    .select({
      total: sql<number>`count(*)::int`,
      unreconciled: sql<number>`(count(*) filter (where ${unreconciled}))::int`,
      expectedRunning: sql<number>`(count(*) filter (where ${employees.phase} is distinct from ${LifecyclePhase.Deleted}))::int`,
    })
    .from(employees)
    .where(eq(employees.companyId, companyId));
  return { total: row?.total ?? 0, unreconciled: row?.unreconciled ?? 0, expectedRunning: row?.expectedRunning ?? 0 };
}

/** A page of a company's employees (keyset by id) with what the anti-entropy check needs of each. */
export async function listEmployeesForReconciliation(
  db: Db,
  companyId: string,
  page: { limit: number; afterId: string | null },
): Promise<{ id: string; unreconciled: boolean; ended: boolean }[]> {
  const rows = await db
    .select({
      id: employees.id,
      unreconciled: sql<boolean>`coalesce(${employees.reconciledVersion} < ${employees.version}, true)`,
      phase: employees.phase,
    })
    .from(employees)
    .where(and(eq(employees.companyId, companyId), page.afterId === null ? undefined : gt(employees.id, page.afterId)))
    .orderBy(asc(employees.id))
    .limit(page.limit);
  return rows.map((r) => ({
    id: r.id,
    unreconciled: r.unreconciled,
    ended: !r.unreconciled && r.phase === LifecyclePhase.Deleted,
  }));
}
