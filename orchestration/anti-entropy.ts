/**
 * Anti-entropy: the database holds the desired state, and Joiner converges Temporal to it whatever Temporal forgot
 * (a server restarted empty, workflows terminated by hand, search attributes dropped). {@link requestResync} is the
 * one entry point for the CLI (`joiner resync`), the console and the admin API; {@link AntiEntropyGuard} runs in
 * every worker process: it re-drives at start, keeps the Temporal Schedule that re-drives every 15 minutes, and
 * notices within a minute when Temporal lost that schedule (so lost everything) to re-drive at once.
 */
import type { Client, WorkflowClient } from '@temporalio/client';
import type { Logger } from 'pino';
import type { AntiEntropyInput } from '../workflows/definitions';
import { ResyncScope, WorkflowType, antiEntropyScheduleId, antiEntropyWorkflowId } from '../workflows/definitions';
import type { ResyncStart } from './company-resync';
import { startCompanyResync, startResync } from './company-resync';
import { ensureHrEventHousekeepingSchedule } from './housekeeping';
import { ensureSchedule, hasNoSchedules } from './schedules';
import { ensureSearchAttributes } from './search-attributes';

/** How often the Schedule runs the anti-entropy workflow. */
export const antiEntropyInterval = '15 minutes';

/**
 * Starts a resync by hand: of one company (`resync/<companyId>`), or of every company (the anti-entropy workflow).
 * `scope` `missing` (default) re-drives the employees Temporal has not caught up with; `all` re-drives everyone,
 * e.g. to push HR again over changes made in Entra by hand. Returns at once; follow the workflow for progress. A
 * full request while the same resync runs is signalled to it (see {@link startResync}), never dropped.
 * @throws the Temporal client's error when the server cannot be reached
 */
export async function requestResync(
  client: Pick<WorkflowClient, 'start' | 'getHandle'>,
  options: { taskQueue: string; companyId?: string; scope?: ResyncScope; reason: string },
): Promise<ResyncStart> {
  const scope = options.scope ?? ResyncScope.Missing;
  if (options.companyId !== undefined) {
    return startCompanyResync(client, {
      taskQueue: options.taskQueue,
      companyId: options.companyId,
      reason: options.reason,
      scope,
    });
  }
  const input: AntiEntropyInput = { reason: options.reason, scope };
  return startResync(client, {
    workflowType: WorkflowType.AntiEntropy,
    workflowId: antiEntropyWorkflowId,
    taskQueue: options.taskQueue,
    input,
    scope,
    reason: options.reason,
  });
}

/**
 * Creates the anti-entropy Schedule when Temporal does not have it. Resolves to `created` or `exists` (its input never changes).
 * @throws the Temporal client's error (see {@link ensureSchedule})
 */
export async function ensureAntiEntropySchedule(
  client: Pick<Client, 'schedule'>,
  options: { taskQueue: string; every?: string },
): Promise<'created' | 'updated' | 'exists'> {
  return ensureSchedule<AntiEntropyInput>(client, {
    scheduleId: antiEntropyScheduleId,
    every: options.every ?? antiEntropyInterval,
    workflowType: WorkflowType.AntiEntropy,
    workflowId: `${antiEntropyWorkflowId}/scheduled`,
    taskQueue: options.taskQueue,
    input: { reason: 'scheduled', scope: ResyncScope.Missing },
    catchupWindow: '1 minute',
  });
}

/** Options of {@link AntiEntropyGuard}. */
export interface AntiEntropyGuardOptions {
  client: Client;
  taskQueue: string;
  namespace: string;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** How often the guard checks that Temporal still has the Schedule; default 30 s. */
  checkEveryMs?: number;
  /** How often the Schedule runs; default {@link antiEntropyInterval}. */
  scheduleEvery?: string;
  /** Keeps the HR event housekeeping Schedule too (see orchestration/housekeeping.ts), with this retention. */
  hrEventRetentionDays?: number;
}

/**
 * Keeps anti-entropy running from a worker process. At start it registers missing search attributes, creates the
 * Schedule if needed and starts one anti-entropy run. Then every `checkEveryMs` it asks Temporal for the Schedule
 * (one cheap call): a missing Schedule means Temporal lost its state, so it registers the search attributes,
 * creates the Schedule again and re-drives at once instead of waiting for the next run. Idempotent across
 * processes: several workers may run a guard.
 */
export class AntiEntropyGuard {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private unreachable = false;

  constructor(private readonly options: AntiEntropyGuardOptions) {}

  /** Starts the guard: one check and one anti-entropy run now, then a check every `checkEveryMs`. */
  start(): void {
    if (this.timer !== null) return;
    this.running = this.check('process start').finally(() => (this.running = null));
    this.timer = setInterval(() => {
      if (this.running === null) {
        this.running = this.check(null).finally(() => (this.running = null));
      }
    }, this.options.checkEveryMs ?? 30_000);
    this.timer.unref();
  }

  /** Stops checking and waits for a check in progress. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * One check. `startReason` starts an anti-entropy run whatever the Schedule's state (at process start); without it
   * a run starts only when the Schedule was missing.
   */
  async check(startReason: string | null): Promise<void> {
    const { client, taskQueue, namespace, logger } = this.options;
    try {
      const schedule = await ensureAntiEntropySchedule(client, { taskQueue, every: this.options.scheduleEvery });
      if (this.unreachable) logger.info({ namespace }, 'Temporal answers again');
      this.unreachable = false;
      let reason = startReason;
      if (schedule === 'created') {
        await ensureSearchAttributes({ connection: client.connection, namespace }, logger);
        if (startReason === null) {
          logger.warn(
            { namespace, scheduleId: antiEntropyScheduleId },
            'Temporal no longer has the anti-entropy schedule (restarted empty?): created it again and re-driving ' +
              'every employee Temporal does not know from the database',
          );
          reason = 'Temporal lost its state';
        } else {
          logger.info(
            { scheduleId: antiEntropyScheduleId, every: antiEntropyInterval },
            'anti-entropy schedule created',
          );
        }
      }
      if ((schedule === 'created' || startReason !== null) && this.options.hrEventRetentionDays !== undefined) {
        const housekeeping = await ensureHrEventHousekeepingSchedule(client, {
          taskQueue,
          retentionDays: this.options.hrEventRetentionDays,
        });
        if (housekeeping !== 'exists') {
          logger.info(
            { retentionDays: this.options.hrEventRetentionDays },
            `HR event housekeeping schedule ${housekeeping}`,
          );
        }
      }
      if (reason === null) return;
      const run = await requestResync(client.workflow, { taskQueue, reason, scope: ResyncScope.Missing });
      logger.info({ workflowId: run.workflowId, started: run.started, reason }, 'anti-entropy run requested');
    } catch (err) {
      if (hasNoSchedules(err)) {
        logger.warn({ namespace }, 'this Temporal server has no schedules: anti-entropy runs only when requested');
        if (this.timer !== null) clearInterval(this.timer);
        this.timer = null;
        return;
      }
      if (!this.unreachable) logger.warn({ err, namespace }, 'anti-entropy check failed; trying again');
      this.unreachable = true;
    }
  }
}
