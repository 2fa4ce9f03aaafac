/**
 * The Temporal Schedule that deletes settled HR events older than the retention (HR_EVENT_RETENTION_DAYS) once a day.
 * Ensured by every worker's {@link AntiEntropyGuard} at start and whenever Temporal lost its schedules; a worker
 * started with another retention updates the Schedule to it.
 */
import type { Client } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { HrEventHousekeepingInput } from '../workflows/definitions';
import { WorkflowType, hrEventHousekeepingScheduleId } from '../workflows/definitions';

/** How often the housekeeping runs. */
export const hrEventHousekeepingInterval = '1 day';

/**
 * Creates the housekeeping Schedule, or updates its retention when it differs. Resolves to what was done.
 * @throws the Temporal client's error (unreachable server, or one without schedules: gRPC UNIMPLEMENTED)
 */
export async function ensureHrEventHousekeepingSchedule(
  client: Pick<Client, 'schedule'>,
  options: { taskQueue: string; retentionDays: number },
): Promise<'created' | 'updated' | 'exists'> {
  const input: HrEventHousekeepingInput = { retentionDays: options.retentionDays };
  const handle = client.schedule.getHandle(hrEventHousekeepingScheduleId);
  try {
    const description = await handle.describe();
    const args: readonly unknown[] | undefined =
      description.action.type === 'startWorkflow' ? description.action.args : undefined;
    if ((args?.[0] as HrEventHousekeepingInput | undefined)?.retentionDays === options.retentionDays) return 'exists';
    await handle.update((previous) => ({ ...previous, action: { ...previous.action, args: [input] } }));
    return 'updated';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  try {
    await client.schedule.create({
      scheduleId: hrEventHousekeepingScheduleId,
      spec: { intervals: [{ every: hrEventHousekeepingInterval }] },
      action: {
        type: 'startWorkflow',
        workflowType: WorkflowType.HrEventHousekeeping,
        workflowId: `${hrEventHousekeepingScheduleId}/run`,
        taskQueue: options.taskQueue,
        args: [input],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    });
    return 'created';
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}
