import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../store/db';
import {
  WorkflowType,
  employeeSignalWithStartOptions,
  employeeWorkflowId,
  managerProvisionedSignal,
} from '../workflows/definitions';
import type { DirectoryActivities, OrchestrationActivities } from './directory-types';
import { listDirectReportIds } from './directory-activities';

export interface OrchestrationActivityDeps {
  db: Db;
  /** A Temporal client on the worker's namespace. */
  client: Client;
  taskQueue: string;
  /** Reads the stored employee for a re-drive (the directory activities' `loadEmployee`). */
  loadEmployee: DirectoryActivities['loadEmployee'];
}

/** Activities that signal other workflows (see {@link OrchestrationActivities}). */
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
      const stored = await deps.loadEmployee({ companyId, employeeId });
      if (stored.snapshot === null) return false;
      await deps.client.workflow.signalWithStart(
        WorkflowType.EmployeeLifecycle,
        employeeSignalWithStartOptions(deps.taskQueue, companyId, {
          eventId: stored.lastEventId ?? `stored-v${stored.snapshot.version}`,
          eventType: stored.lastEventType ?? 'employee.updated',
          occurredAt: stored.lastEventOccurredAt ?? new Date().toISOString(),
          employee: stored.snapshot,
        }),
      );
      return true;
    },
  };
}
