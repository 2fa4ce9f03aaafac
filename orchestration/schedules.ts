/**
 * The Temporal Schedules Joiner keeps (anti-entropy, HR event housekeeping): each worker ensures them at start and
 * again whenever Temporal lost them, so every write here is idempotent across processes.
 */
import type { Client, ScheduleDescription } from '@temporalio/client';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { WorkflowType } from '../workflows/definitions';

/** A Schedule that starts one workflow every `every`, skipping a run while the previous one is still going. */
export interface KeptSchedule<Input> {
  scheduleId: string;
  every: string;
  workflowType: (typeof WorkflowType)[keyof typeof WorkflowType];
  workflowId: string;
  taskQueue: string;
  input: Input;
  /** How late a missed run (Temporal down at its time) may still start. */
  catchupWindow: string;
  /** Whether an existing Schedule's input is still the wanted one; when false it is updated. Default: any input is. */
  isCurrent?: (existing: Input | undefined) => boolean;
}

/**
 * Creates the Schedule when Temporal does not have it, or updates its workflow input when `isCurrent` says so.
 * @throws the Temporal client's error (unreachable server, or one without schedules: see {@link hasNoSchedules})
 */
export async function ensureSchedule<Input>(
  client: Pick<Client, 'schedule'>,
  schedule: KeptSchedule<Input>,
): Promise<'created' | 'updated' | 'exists'> {
  const handle = client.schedule.getHandle(schedule.scheduleId);
  try {
    const description = await handle.describe();
    if (schedule.isCurrent === undefined || schedule.isCurrent(firstArg<Input>(description))) return 'exists';
    await handle.update((previous) => ({ ...previous, action: { ...previous.action, args: [schedule.input] } }));
    return 'updated';
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  try {
    await client.schedule.create({
      scheduleId: schedule.scheduleId,
      // The SDK types intervals as a template-literal duration; the callers' constants are such strings.
      spec: { intervals: [{ every: schedule.every as '1 day' }] },
      action: {
        type: 'startWorkflow',
        workflowType: schedule.workflowType,
        workflowId: schedule.workflowId,
        taskQueue: schedule.taskQueue,
        args: [schedule.input],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: schedule.catchupWindow },
    });
    return 'created';
  } catch (err) {
    // Another worker created it between our describe and create.
    if (err instanceof ScheduleAlreadyRunning) return 'exists';
    throw err;
  }
}

function firstArg<Input>(description: ScheduleDescription): Input | undefined {
  const args: readonly unknown[] | undefined =
    description.action.type === 'startWorkflow' ? description.action.args : undefined;
  return args?.[0] as Input | undefined;
}

/** gRPC status of a server that does not implement an API. */
const grpcUnimplemented = 12;

/** True when `err` says the Temporal server has no schedules at all (Temporal's time-skipping test server). */
export function hasNoSchedules(err: unknown): boolean {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    if ((current as { code?: unknown }).code === grpcUnimplemented) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
