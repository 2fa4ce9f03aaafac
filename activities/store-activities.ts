import { ApplicationFailure } from '@temporalio/activity';
import { getCompanySettings } from '../store/companies';
import type { Db } from '../store/db';
import {
  countEmployees,
  getEmployee,
  listDirectReportIds,
  listEmployees,
  recordEmployeeState,
  setEmployeeEntraObjectId,
} from '../store/employees';
import { deleteSettledHrEventsBefore, getEmployeeWithLatestEvent } from '../store/hr-events';
import type { ManagerResolution, StoreActivities, StoredEmployee } from '../domain/activity-contracts';

/** Longest `reportsTo` chain followed when looking for a cycle; deeper organisations are not refused. */
const maxReportingDepth = 64;

/**
 * Activities over Joiner's database for the employee lifecycle (see {@link StoreActivities} for each effect).
 * Reads are plain queries; the writes (`linkEmployeeToEntraUser`, `recordEmployeeState`) are idempotent updates.
 */
export function createStoreActivities(db: Db): StoreActivities {
  return {
    loadCompanySettings: ({ companyId }) => getCompanySettings(db, companyId),

    async loadEmployee({ companyId, employeeId }): Promise<StoredEmployee> {
      const stored = await getEmployeeWithLatestEvent(db, companyId, employeeId);
      if (stored === null) {
        return {
          snapshot: null,
          lastEventId: null,
          lastEventType: null,
          lastEventOccurredAt: null,
          entraObjectId: null,
          pushed: null,
        };
      }
      const { employee, latestEvent } = stored;
      return {
        snapshot: employee.snapshot,
        lastEventId: latestEvent.eventId,
        lastEventType: latestEvent.type,
        lastEventOccurredAt: latestEvent.occurredAt.toISOString(),
        entraObjectId: employee.entraObjectId,
        pushed: employee.pushedEntraState,
      };
    },

    async linkEmployeeToEntraUser({ companyId, employeeId, entraObjectId }) {
      const result = await setEmployeeEntraObjectId(db, companyId, employeeId, entraObjectId);
      switch (result.status) {
        case 'set':
          if (entraObjectId === null) return { linked: true };
          return { linked: true, reports: (await listDirectReportIds(db, companyId, employeeId)).length };
        case 'conflict':
          return { linked: false, linkedEmployeeId: result.linkedEmployeeId };
        case 'notFound':
          throw ApplicationFailure.nonRetryable(
            `employee ${employeeId} of ${companyId} is not stored`,
            'EmployeeNotFound',
          );
      }
    },

    async recordEmployeeState(record) {
      await recordEmployeeState(
        db,
        record.companyId,
        record.employeeId,
        record.phase,
        record.lastError,
        record.reconciledVersion,
        record.pushed,
      );
    },

    async resolveManagerEntraId({ companyId, employeeId, managerEmployeeId }): Promise<ManagerResolution> {
      const manager = await getEmployee(db, companyId, managerEmployeeId);
      if (manager === null) {
        return { kind: 'not-provisioned', reason: `Manager ${managerEmployeeId} is not known to HR yet.` };
      }
      const chain = [managerEmployeeId];
      const seen = new Set([employeeId, managerEmployeeId]);
      let next = manager.snapshot.reportsTo;
      while (next !== null && chain.length < maxReportingDepth) {
        if (next === employeeId) return { kind: 'cycle', chain: [...chain, employeeId] };
        // A loop higher up that does not pass through this employee is not this employee's cycle.
        if (seen.has(next)) break;
        seen.add(next);
        chain.push(next);
        next = (await getEmployee(db, companyId, next))?.snapshot.reportsTo ?? null;
      }
      if (manager.entraObjectId === null) {
        return { kind: 'not-provisioned', reason: `Manager ${managerEmployeeId} has no Entra user yet.` };
      }
      return { kind: 'resolved', entraObjectId: manager.entraObjectId };
    },

    async listEmployeeIds({ companyId, after, limit }) {
      const page = await listEmployees(db, companyId, { limit, afterId: after });
      return { employeeIds: page.employees.map((e) => e.id), total: await countEmployees(db, companyId) };
    },

    async deleteSettledHrEvents({ retentionDays }) {
      const cutoff = new Date(Date.now() - retentionDays * 24 * 60 * 60 * 1000);
      return { deleted: await deleteSettledHrEventsBefore(db, cutoff), cutoff: cutoff.toISOString() };
    },
  };
}
