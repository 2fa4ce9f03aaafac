import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { OrchestrationActivities } from '../activities/types';
import type { Db } from '../store/db';
import { listDirectReportIds } from '../store/employees';
import { getEmployeeWithLatestEvent } from '../store/hr-events';
import { employeeWorkflowId, managerProvisionedSignal } from '../workflows/definitions';
import { signalHrSnapshot } from './employee-workflows';

export interface OrchestrationActivityDeps {
  db: Db;
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

    async redriveEmployee({ companyId, employeeId }) {
      const stored = await getEmployeeWithLatestEvent(deps.db, companyId, employeeId);
      if (stored === null) return false;
      await signalHrSnapshot({ client: deps.client.workflow, taskQueue: deps.taskQueue }, companyId, {
        eventId: stored.latestEvent.eventId,
        eventType: stored.latestEvent.type,
        occurredAt: stored.latestEvent.occurredAt.toISOString(),
        employee: stored.employee.snapshot,
      });
      return true;
    },
  };
}
