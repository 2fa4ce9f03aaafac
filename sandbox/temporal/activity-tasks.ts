/**
 * Activities: dispatch to task queues, heartbeats, completion, failure with retries and backoff (`nextRetryDelay`,
 * non-retryable types, maximum attempts), the four timeouts and cancellation. As in Temporal, retries write no events;
 * ActivityTaskStarted is written lazily with the outcome.
 */
import { randomUUID } from 'node:crypto';
import type { SandboxEngine } from './engine';
import { disposeActivity } from './engine';
import { notFound } from './errors';
import type { ActivityTaskGrant, Poller } from './namespace-store';
import type { Command, Failure, Payloads, temporal } from './proto';
import { duration, durationMs, enums, timestamp } from './proto';
import type { Plain } from './proto';
import { decodeTaskToken, encodeTaskToken } from './task-token';
import type { PendingActivity, WorkflowRun } from './workflow-run';

const EventType = enums.EventType;
const TimeoutType = enums.TimeoutType;
const RetryState = enums.RetryState;
type ScheduleAttributes = NonNullable<Command['scheduleActivityTaskCommandAttributes']>;
export type ActivityPollResponse = Plain<temporal.api.workflowservice.v1.IPollActivityTaskQueueResponse>;

const timeoutNames: Record<number, string> = {
  [TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE]: 'StartToClose',
  [TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START]: 'ScheduleToStart',
  [TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE]: 'ScheduleToClose',
  [TimeoutType.TIMEOUT_TYPE_HEARTBEAT]: 'Heartbeat',
};

export class ActivityTasks {
  constructor(private readonly engine: SandboxEngine) {}

  /** Why the command cannot be accepted (the workflow task then fails), or undefined when it is valid. */
  validate(run: WorkflowRun, attrs: ScheduleAttributes): string | undefined {
    if (!attrs.activityId) return 'ActivityId is not set';
    if (!attrs.activityType?.name) return 'ActivityType is not set';
    if ([...run.activities.values()].some((a) => a.activityId === attrs.activityId))
      return `activity ID ${attrs.activityId} is already in use`;
    const scheduleToClose = durationMs(attrs.scheduleToCloseTimeout) || run.runTimeoutMs;
    if (!scheduleToClose && !durationMs(attrs.startToCloseTimeout))
      return 'A valid StartToClose or ScheduleToCloseTimeout is not set on ScheduleActivityTaskCommand';
    return undefined;
  }

  /** Writes ActivityTaskScheduled with the server's defaults filled in and offers the first attempt. */
  schedule(run: WorkflowRun, attrs: ScheduleAttributes, workflowTaskCompletedEventId: number): void {
    const scheduleToCloseMs = durationMs(attrs.scheduleToCloseTimeout) || run.runTimeoutMs;
    const startToCloseMs = durationMs(attrs.startToCloseTimeout) || scheduleToCloseMs;
    const scheduleToStartMs = durationMs(attrs.scheduleToStartTimeout) || scheduleToCloseMs;
    const heartbeatMs = durationMs(attrs.heartbeatTimeout);
    const initialMs = durationMs(attrs.retryPolicy?.initialInterval) || 1000;
    const retryPolicy = {
      ...attrs.retryPolicy,
      initialInterval: duration(initialMs),
      backoffCoefficient: attrs.retryPolicy?.backoffCoefficient || 2,
      maximumInterval: duration(durationMs(attrs.retryPolicy?.maximumInterval) || 100 * initialMs),
      maximumAttempts: attrs.retryPolicy?.maximumAttempts ?? 0,
    };
    const taskQueue = attrs.taskQueue?.name || run.taskQueue;
    const now = this.engine.clock.now();
    const scheduledEventId = run.append({
      eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
      activityTaskScheduledEventAttributes: {
        activityId: attrs.activityId,
        activityType: attrs.activityType,
        taskQueue: { name: taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        header: attrs.header,
        input: attrs.input,
        scheduleToCloseTimeout: duration(scheduleToCloseMs),
        scheduleToStartTimeout: duration(scheduleToStartMs),
        startToCloseTimeout: duration(startToCloseMs),
        heartbeatTimeout: duration(heartbeatMs),
        workflowTaskCompletedEventId,
        retryPolicy,
        priority: attrs.priority,
      },
    });
    const activity: PendingActivity = {
      scheduledEventId,
      activityId: attrs.activityId!,
      activityType: attrs.activityType!.name!,
      taskQueue,
      input: attrs.input,
      header: attrs.header,
      scheduleToCloseMs,
      scheduleToStartMs,
      startToCloseMs,
      heartbeatMs,
      retryPolicy,
      scheduledTimeMs: now,
      attempt: 1,
      attemptScheduledTimeMs: now,
      state: 'scheduled',
      attemptTimers: [],
    };
    run.activities.set(scheduledEventId, activity);
    if (scheduleToCloseMs > 0) {
      activity.scheduleToCloseTimer = this.engine.clock.schedule(scheduleToCloseMs, () => {
        if (run.activities.get(scheduledEventId) !== activity) return;
        this.finishFailed(run, activity, timeoutFailure(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_CLOSE, activity), '', {
          timedOut: true,
          retryState: RetryState.RETRY_STATE_TIMEOUT,
        });
      });
    }
    this.offer(run, activity);
  }

  /**
   * Writes ActivityTaskCancelRequested. An activity that is not running is canceled at once (returns true: the
   * workflow needs a new task); a running one learns of it from its next heartbeat.
   */
  requestCancel(run: WorkflowRun, scheduledEventId: number, workflowTaskCompletedEventId: number): boolean {
    const activity = run.activities.get(scheduledEventId);
    const requestedId = run.append({
      eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
      activityTaskCancelRequestedEventAttributes: { scheduledEventId, workflowTaskCompletedEventId },
    });
    if (!activity) return false;
    activity.cancelRequestedEventId = requestedId;
    if (activity.state === 'started') return false;
    disposeActivity(activity);
    run.activities.delete(scheduledEventId);
    run.append({
      eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
      activityTaskCanceledEventAttributes: { latestCancelRequestedEventId: requestedId, scheduledEventId },
    });
    return true;
  }

  private offer(run: WorkflowRun, activity: PendingActivity): void {
    activity.state = 'scheduled';
    activity.attemptScheduledTimeMs = this.engine.clock.now();
    activity.release = this.engine.clock.lock();
    const attempt = activity.attempt;
    if (activity.scheduleToStartMs > 0 && activity.scheduleToStartMs < (activity.scheduleToCloseMs || Infinity)) {
      activity.attemptTimers.push(
        this.engine.clock.schedule(activity.scheduleToStartMs, () => {
          if (!this.isCurrent(run, activity, attempt) || activity.state !== 'scheduled') return;
          const failure = timeoutFailure(TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START, activity);
          this.finishFailed(run, activity, failure, '', { timedOut: true, retryState: RetryState.RETRY_STATE_TIMEOUT });
        }),
      );
    }
    this.engine
      .namespace(run.namespace)
      .activityQueue(activity.taskQueue)
      .push({ claim: (poller) => this.start(run, activity, attempt, poller) });
  }

  private isCurrent(run: WorkflowRun, activity: PendingActivity, attempt: number): boolean {
    return run.isOpen && run.activities.get(activity.scheduledEventId) === activity && activity.attempt === attempt;
  }

  private start(run: WorkflowRun, activity: PendingActivity, attempt: number, poller: Poller) {
    if (!this.isCurrent(run, activity, attempt) || activity.state !== 'scheduled') return undefined;
    for (const timer of activity.attemptTimers) timer.cancel();
    activity.attemptTimers = [];
    activity.state = 'started';
    activity.startedTimeMs = this.engine.clock.now();
    activity.workerIdentity = poller.identity;
    if (activity.startToCloseMs > 0) {
      activity.attemptTimers.push(
        this.engine.clock.schedule(activity.startToCloseMs, () =>
          this.attemptTimedOut(run, activity, attempt, TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE),
        ),
      );
    }
    this.armHeartbeat(run, activity);
    return { run, activity } satisfies ActivityTaskGrant;
  }

  private armHeartbeat(run: WorkflowRun, activity: PendingActivity): void {
    activity.heartbeatTimer?.cancel();
    if (activity.heartbeatMs <= 0) return;
    const attempt = activity.attempt;
    activity.heartbeatTimer = this.engine.clock.schedule(activity.heartbeatMs, () =>
      this.attemptTimedOut(run, activity, attempt, TimeoutType.TIMEOUT_TYPE_HEARTBEAT),
    );
  }

  private attemptTimedOut(run: WorkflowRun, activity: PendingActivity, attempt: number, type: number): void {
    if (!this.isCurrent(run, activity, attempt) || activity.state !== 'started') return;
    this.attemptFailed(run, activity, timeoutFailure(type, activity), '', true);
  }

  /** The poll response for a granted activity task. */
  pollResponse(grant: ActivityTaskGrant): ActivityPollResponse {
    const { run, activity: a } = grant;
    return {
      taskToken: encodeTaskToken({
        kind: 'act',
        namespace: run.namespace,
        runId: run.runId,
        id: a.scheduledEventId,
        attempt: a.attempt,
      }),
      workflowNamespace: run.namespace,
      workflowType: { name: run.workflowType },
      workflowExecution: { workflowId: run.workflowId, runId: run.runId },
      activityType: { name: a.activityType },
      activityId: a.activityId,
      header: a.header,
      input: a.input,
      heartbeatDetails: a.heartbeatDetails,
      scheduledTime: timestamp(a.scheduledTimeMs),
      currentAttemptScheduledTime: timestamp(a.attemptScheduledTimeMs),
      startedTime: timestamp(a.startedTimeMs ?? a.attemptScheduledTimeMs),
      attempt: a.attempt,
      scheduleToCloseTimeout: duration(a.scheduleToCloseMs),
      startToCloseTimeout: duration(a.startToCloseMs),
      heartbeatTimeout: duration(a.heartbeatMs),
      retryPolicy: a.retryPolicy,
    };
  }

  /** The running activity a task token names; NOT_FOUND when that attempt is over. */
  resolve(taskToken: Uint8Array | null | undefined): { run: WorkflowRun; activity: PendingActivity } {
    const token = decodeTaskToken(taskToken);
    const run = this.engine.namespace(token.namespace).runs.get(token.runId);
    const activity = run?.activities.get(token.id);
    if (!run || !activity || !this.isCurrent(run, activity, token.attempt ?? 0) || activity.state !== 'started')
      throw notFound('activity task not found (it completed, timed out, was canceled or retried)');
    return { run, activity };
  }

  /** Records a heartbeat; tells the activity whether its cancellation was requested. */
  heartbeat(taskToken: Uint8Array | null | undefined, details: Payloads | null | undefined): boolean {
    const { run, activity } = this.resolve(taskToken);
    if (details) activity.heartbeatDetails = details;
    activity.lastHeartbeatMs = this.engine.clock.now();
    this.armHeartbeat(run, activity);
    return activity.cancelRequestedEventId !== undefined;
  }

  complete(taskToken: Uint8Array | null | undefined, result: Payloads | null | undefined, identity: string): void {
    const { run, activity } = this.resolve(taskToken);
    this.finish(run, activity, identity, (r, startedEventId) =>
      r.append({
        eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
        activityTaskCompletedEventAttributes: {
          result,
          scheduledEventId: activity.scheduledEventId,
          startedEventId,
          identity,
        },
      }),
    );
  }

  fail(
    taskToken: Uint8Array | null | undefined,
    failure: Failure | null | undefined,
    identity: string,
    lastHeartbeatDetails: Payloads | null | undefined,
  ): void {
    const { run, activity } = this.resolve(taskToken);
    if (lastHeartbeatDetails) activity.heartbeatDetails = lastHeartbeatDetails;
    this.attemptFailed(run, activity, failure ?? { message: 'activity failed' }, identity, false);
  }

  canceled(taskToken: Uint8Array | null | undefined, details: Payloads | null | undefined, identity: string): void {
    const { run, activity } = this.resolve(taskToken);
    this.finish(run, activity, identity, (r, startedEventId) =>
      r.append({
        eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
        activityTaskCanceledEventAttributes: {
          details,
          latestCancelRequestedEventId: activity.cancelRequestedEventId,
          scheduledEventId: activity.scheduledEventId,
          startedEventId,
          identity,
        },
      }),
    );
  }

  /** An attempt failed or timed out: retry after the backoff, or write the final failure. */
  private attemptFailed(
    run: WorkflowRun,
    activity: PendingActivity,
    failure: Failure,
    identity: string,
    timedOut: boolean,
  ): void {
    const decision = this.retryDecision(activity, failure);
    if ('retryState' in decision) {
      this.finishFailed(run, activity, failure, identity, { timedOut, retryState: decision.retryState });
      return;
    }
    for (const timer of activity.attemptTimers) timer.cancel();
    activity.heartbeatTimer?.cancel();
    activity.release?.();
    activity.lastFailure = failure;
    activity.attempt++;
    activity.state = 'backoff';
    activity.attemptTimers = [
      // The backoff holds no time-skipping lock, so a skipping clock jumps over it.
      this.engine.clock.schedule(decision.delayMs, () => {
        if (run.isOpen && run.activities.get(activity.scheduledEventId) === activity) this.offer(run, activity);
      }),
    ];
  }

  private retryDecision(activity: PendingActivity, failure: Failure): { delayMs: number } | { retryState: number } {
    if (activity.cancelRequestedEventId !== undefined) return { retryState: RetryState.RETRY_STATE_CANCEL_REQUESTED };
    const info = failure.applicationFailureInfo;
    if (info?.nonRetryable) return { retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE };
    if (info?.type && activity.retryPolicy.nonRetryableErrorTypes?.includes(info.type))
      return { retryState: RetryState.RETRY_STATE_NON_RETRYABLE_FAILURE };
    const maxAttempts = activity.retryPolicy.maximumAttempts ?? 0;
    if (maxAttempts > 0 && activity.attempt >= maxAttempts)
      return { retryState: RetryState.RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED };
    const { initialInterval, backoffCoefficient, maximumInterval } = activity.retryPolicy;
    const delayMs =
      durationMs(info?.nextRetryDelay) ||
      Math.min(
        durationMs(initialInterval) * Math.pow(backoffCoefficient ?? 2, activity.attempt - 1),
        durationMs(maximumInterval),
      );
    const now = this.engine.clock.now();
    if (activity.scheduleToCloseMs > 0 && now + delayMs >= activity.scheduledTimeMs + activity.scheduleToCloseMs)
      return { retryState: RetryState.RETRY_STATE_TIMEOUT };
    return { delayMs };
  }

  private finishFailed(
    run: WorkflowRun,
    activity: PendingActivity,
    failure: Failure,
    identity: string,
    outcome: { timedOut: boolean; retryState: number },
  ): void {
    this.finish(run, activity, identity, (r, startedEventId) =>
      r.append(
        outcome.timedOut
          ? {
              eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
              activityTaskTimedOutEventAttributes: {
                failure,
                scheduledEventId: activity.scheduledEventId,
                startedEventId,
                retryState: outcome.retryState,
              },
            }
          : {
              eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
              activityTaskFailedEventAttributes: {
                failure,
                scheduledEventId: activity.scheduledEventId,
                startedEventId,
                identity,
                retryState: outcome.retryState,
              },
            },
      ),
    );
  }

  /** Closes the activity: writes ActivityTaskStarted (if it ran) and the outcome, then schedules a workflow task. */
  private finish(
    run: WorkflowRun,
    activity: PendingActivity,
    identity: string,
    writeOutcome: (run: WorkflowRun, startedEventId: number) => void,
  ): void {
    const started = activity.state === 'started';
    disposeActivity(activity);
    run.activities.delete(activity.scheduledEventId);
    run.emit((r) => {
      const startedEventId = started
        ? r.append(
            {
              eventType: EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED,
              activityTaskStartedEventAttributes: {
                scheduledEventId: activity.scheduledEventId,
                identity: activity.workerIdentity ?? identity,
                requestId: randomUUID(),
                attempt: activity.attempt,
                lastFailure: activity.lastFailure,
              },
            },
            activity.startedTimeMs,
          )
        : 0;
      writeOutcome(r, startedEventId);
    });
    this.engine.scheduleWorkflowTask(run);
  }
}

function timeoutFailure(type: number, activity: PendingActivity): Failure {
  return {
    message: `activity ${timeoutNames[type] ?? ''} timeout`,
    source: 'Server',
    timeoutFailureInfo: { timeoutType: type, lastHeartbeatDetails: activity.heartbeatDetails },
  };
}
