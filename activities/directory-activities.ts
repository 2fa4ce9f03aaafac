import { and, asc, count, desc, eq, gt, sql } from 'drizzle-orm';
import type { HrEventType } from '../domain/hr-employee';
import { CompanyPolicies } from '../domain/policies';
import type { Db } from '../store/db';
import { companies, employees, webhookEvents } from '../store/schema';
import type { PushedEntraState } from '../workflows/definitions';
import type {
  CompanySettings,
  DirectoryActivities,
  EmployeeStateRecord,
  ManagerResolution,
  StoredEmployee,
} from './directory-types';

/** Longest `reportsTo` chain followed when looking for a cycle; deeper organisations are not refused. */
const maxReportingDepth = 64;

/**
 * Activities over Joiner's database for the employee lifecycle (see {@link DirectoryActivities} for each effect).
 * Reads are plain queries; the one write (`recordEmployeeState`) is an idempotent update.
 */
export function createDirectoryActivities(db: Db): DirectoryActivities {
  async function employeeRow(companyId: string, employeeId: string) {
    const rows = await db
      .select()
      .from(employees)
      .where(and(eq(employees.companyId, companyId), eq(employees.id, employeeId)))
      .limit(1);
    return rows[0];
  }

  return {
    async loadCompanySettings({ companyId }): Promise<CompanySettings> {
      const rows = await db.select().from(companies).where(eq(companies.id, companyId)).limit(1);
      const company = rows[0];
      if (company === undefined) {
        return { exists: false, connected: false, policies: CompanyPolicies.parse({}) };
      }
      // Policies are stored validated; parsing again fills defaults added since they were written.
      const policies = CompanyPolicies.safeParse(company.policies);
      return {
        exists: true,
        connected: company.entraStatus === 'connected' && company.entraTenantId !== null,
        policies: policies.success ? policies.data : CompanyPolicies.parse({}),
      };
    },

    async loadEmployee({ companyId, employeeId }): Promise<StoredEmployee> {
      const row = await employeeRow(companyId, employeeId);
      if (row === undefined) {
        return {
          snapshot: null,
          lastEventId: null,
          lastEventType: null,
          lastEventOccurredAt: null,
          entraObjectId: null,
          pushed: null,
        };
      }
      const events = await db
        .select({ eventId: webhookEvents.eventId, type: webhookEvents.type, occurredAt: webhookEvents.occurredAt })
        .from(webhookEvents)
        .where(
          and(
            eq(webhookEvents.companyId, companyId),
            eq(webhookEvents.employeeId, employeeId),
            eq(webhookEvents.outcome, 'accepted'),
          ),
        )
        .orderBy(desc(webhookEvents.employeeVersion), desc(webhookEvents.id))
        .limit(1);
      const last = events[0];
      return {
        snapshot: row.snapshot,
        lastEventId: last?.eventId ?? `stored-v${row.version}`,
        lastEventType: (last?.type as HrEventType | undefined) ?? 'employee.updated',
        lastEventOccurredAt: last?.occurredAt.toISOString() ?? row.updatedAt.toISOString(),
        entraObjectId: row.entraObjectId,
        pushed: (row.pushedGraphState as PushedEntraState | null) ?? null,
      };
    },

    async recordEmployeeState(record: EmployeeStateRecord): Promise<void> {
      await db
        .update(employees)
        .set({
          phase: record.phase,
          entraObjectId: record.entraObjectId,
          pushedGraphState: record.pushed as Record<string, unknown> | null,
          lastError: record.lastError,
          updatedAt: new Date(),
        })
        .where(and(eq(employees.companyId, record.companyId), eq(employees.id, record.employeeId)));
    },

    async resolveManagerEntraId({ companyId, employeeId, managerEmployeeId }): Promise<ManagerResolution> {
      const manager = await employeeRow(companyId, managerEmployeeId);
      if (manager === undefined) {
        return { kind: 'not-provisioned', reason: `Manager ${managerEmployeeId} is not known to HR yet.` };
      }
      const chain = [managerEmployeeId];
      const seen = new Set([employeeId, managerEmployeeId]);
      let next = manager.snapshot.reportsTo;
      while (next !== null && chain.length < maxReportingDepth) {
        if (next === employeeId) return { kind: 'cycle', chain: [...chain, employeeId] };
        // A loop above us that does not include this employee is the other employees' problem, not a cycle here.
        if (seen.has(next)) break;
        seen.add(next);
        chain.push(next);
        next = (await employeeRow(companyId, next))?.snapshot.reportsTo ?? null;
      }
      if (manager.entraObjectId === null) {
        return { kind: 'not-provisioned', reason: `Manager ${managerEmployeeId} has no Entra user yet.` };
      }
      return { kind: 'resolved', entraObjectId: manager.entraObjectId };
    },

    async listEmployeeIds({ companyId, after, limit }) {
      const where =
        after === null ? eq(employees.companyId, companyId) : and(eq(employees.companyId, companyId), gt(employees.id, after));
      const [rows, totals] = await Promise.all([
        db.select({ id: employees.id }).from(employees).where(where).orderBy(asc(employees.id)).limit(limit),
        db.select({ total: count() }).from(employees).where(eq(employees.companyId, companyId)),
      ]);
      return { employeeIds: rows.map((r) => r.id), total: totals[0]?.total ?? 0 };
    },
  };
}

/** Employee ids of a company whose HR snapshot names `managerEmployeeId` as `reportsTo`. */
export async function listDirectReportIds(db: Db, companyId: string, managerEmployeeId: string): Promise<string[]> {
  const rows = await db
    .select({ id: employees.id })
    .from(employees)
    .where(and(eq(employees.companyId, companyId), sql`${employees.snapshot}->>'reportsTo' = ${managerEmployeeId}`));
  return rows.map((r) => r.id);
}
