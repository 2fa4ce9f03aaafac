/**
 * The Temporal Schedule that deletes settled HR events older than the retention (HR_EVENT_RETENTION_DAYS) once a day.
 * Ensured by every worker's {@link AntiEntropyGuard} at start and whenever Temporal lost its schedules; a worker
 * started with another retention updates the Schedule to it.
 */
import type { Client } from '@temporalio/client';
import type { HrEventHousekeepingInput } from '../workflows/definitions';
import { WorkflowType, hrEventHousekeepingScheduleId } from '../workflows/definitions';
import { ensureSchedule } from './schedules';

/** How often the housekeeping runs. */
export const hrEventHousekeepingInterval = '1 day';

/**
 * Creates the housekeeping Schedule, or updates its retention when it differs. Resolves to what was done.
 * @throws the Temporal client's error (see {@link ensureSchedule})
 */
export async function ensureHrEventHousekeepingSchedule(
  client: Pick<Client, 'schedule'>,
  options: { taskQueue: string; retentionDays: number },
): Promise<'created' | 'updated' | 'exists'> {
  return ensureSchedule<HrEventHousekeepingInput>(client, {
    scheduleId: hrEventHousekeepingScheduleId,
    every: hrEventHousekeepingInterval,
    workflowType: WorkflowType.HrEventHousekeeping,
    workflowId: `${hrEventHousekeepingScheduleId}/run`,
    taskQueue: options.taskQueue,
    input: { retentionDays: options.retentionDays },
    catchupWindow: '1 hour',
    isCurrent: (existing) => existing?.retentionDays === options.retentionDays,
  });
}
