import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { OrchestrationActivities } from '../domain/activity-contracts';
import { listCompanies } from '../store/companies';
import type { Db } from '../store/db';
import {
  countEmployeesForReconciliation,
  listDirectReportIds,
  listEmployeesForReconciliation,
  listUnreconciledEmployeeIds,
} from '../store/employees';
import { getEmployeeWithLatestEvent } from '../store/hr-events';
import { WorkflowType, employeeWorkflowId, managerProvisionedSignal } from '../workflows/definitions';
import { signalHrSnapshot } from './employee-workflows';
import { registerMissingSearchAttributes } from './search-attributes';

/** Running employee workflows, as a visibility query (ids are quoted; see {@link quoteVisibilityValue}). */
function runningEmployeeWorkflows(condition: string): string {
  return `WorkflowType = '${WorkflowType.EmployeeLifecycle}' AND ExecutionStatus = 'Running' AND ${condition}`;
}

/** A value in a visibility query: quotes and backslashes escaped. */
function quoteVisibilityValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface OrchestrationActivityDeps {
  db: Db;
  /** Told of every employee a resync re-drove (a metric, for instance). */
  onEmployeeRedriven?: (event: { companyId: string; reason: string }) => void;
  /** A Temporal client on the worker's namespace. */
  client: Client;
  taskQueue: string;
}

/**
 * The activities that signal other workflows (see {@link OrchestrationActivities}): registered by the worker like
 * the others, but built here because starting and signalling workflows is this folder's one job.
 */
export function createOrchestrationActivities(deps: OrchestrationActivityDeps): OrchestrationActivities {
  return {
    async notifyReportsOfManager({ companyId, managerEmployeeId, managerEntraObjectId }) {
      const reports = await listDirectReportIds(deps.db, companyId, managerEmployeeId);
      let signalled = 0;
      for (const employeeId of reports) {
        try {
          await deps.client.workflow
            .getHandle(employeeWorkflowId(companyId, employeeId))
            .signal(managerProvisionedSignal, { managerEmployeeId, managerEntraObjectId });
          signalled++;
        } catch (err) {
          // A report without a running workflow picks the manager up when it starts.
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      return signalled;
    },

    async redriveEmployee({ companyId, employeeId, reason }) {
      const stored = await getEmployeeWithLatestEvent(deps.db, companyId, employeeId);
      if (stored === null) return false;
      await signalHrSnapshot({ client: deps.client.workflow, taskQueue: deps.taskQueue }, companyId, {
        eventId: stored.latestEvent.eventId,
        eventType: stored.latestEvent.type,
        occurredAt: stored.latestEvent.occurredAt.toISOString(),
        employee: stored.employee.snapshot,
      });
      deps.onEmployeeRedriven?.({ companyId, reason });
      return true;
    },

    async planEmployeeRedrive({ companyId }) {
      const counts = await countEmployeesForReconciliation(deps.db, companyId);
      const { count: running } = await deps.client.workflow.count(
        runningEmployeeWorkflows(`WorkflowId STARTS_WITH ${quoteVisibilityValue(employeeWorkflowId(companyId, ''))}`),
      );
      return { ...counts, running, scanWorkflows: running < counts.expectedRunning };
    },

    async findEmployeesToRedrive({ companyId, after, limit, checkWorkflows }) {
      if (!checkWorkflows) {
        const employeeIds = await listUnreconciledEmployeeIds(deps.db, companyId, { limit, afterId: after });
        return {
          employeeIds,
          scanned: employeeIds.length,
          cursor: employeeIds.length < limit ? null : (employeeIds.at(-1) ?? null),
        };
      }
      const rows = await listEmployeesForReconciliation(deps.db, companyId, { limit, afterId: after });
      const toCheck = rows.filter((row) => !row.unreconciled && !row.ended);
      const running = new Set<string>();
      if (toCheck.length > 0) {
        const ids = toCheck.map((row) => quoteVisibilityValue(employeeWorkflowId(companyId, row.id))).join(', ');
        for await (const execution of deps.client.workflow.list({
          query: runningEmployeeWorkflows(`WorkflowId IN (${ids})`),
        })) {
          running.add(execution.workflowId);
        }
      }
      return {
        employeeIds: rows
          .filter((row) => row.unreconciled || (!row.ended && !running.has(employeeWorkflowId(companyId, row.id))))
          .map((row) => row.id),
        scanned: rows.length,
        cursor: rows.length < limit ? null : (rows.at(-1)?.id ?? null),
      };
    },

    async registerSearchAttributes() {
      return registerMissingSearchAttributes({
        connection: deps.client.connection,
        namespace: deps.client.options.namespace,
      });
    },

    async listCompanyIds() {
      return (await listCompanies(deps.db)).map((company) => company.id);
    },
  };
}
