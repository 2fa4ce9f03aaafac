/**
 * Workflow task completion: validates the worker's commands, writes their events, starts and cancels timers and
 * activities, closes or continues the run, and writes events that arrived meanwhile. Also the poll responses for
 * workflow and query tasks and the answers to query tasks.
 */
import type { ActivityTasks } from './activity-tasks';
import type { SandboxEngine } from './engine';
import { invalidArgument, notFound, unimplemented } from './errors';
import type { Namespace, WorkflowTaskGrant } from './namespace-store';
import type { Command, Failure, Plain, temporal } from './proto';
import { durationMs, enums, payloadJson, timestamp } from './proto';
import { decodeTaskToken, encodeTaskToken } from './task-token';
import type { WorkflowRun, WorkflowTaskState } from './workflow-run';
import { ExecutionStatus } from './workflow-run';

const EventType = enums.EventType;
const CommandType = enums.CommandType;
const Cause = enums.WorkflowTaskFailedCause;
type CompleteRequest = Plain<temporal.api.workflowservice.v1.IRespondWorkflowTaskCompletedRequest>;
export type WorkflowPollResponse = Plain<temporal.api.workflowservice.v1.IPollWorkflowTaskQueueResponse>;

const closingCommands = new Set<number>([
  CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION,
  CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
]);

const supportedCommands = new Set<number>([
  ...closingCommands,
  CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK,
  CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK,
  CommandType.COMMAND_TYPE_START_TIMER,
  CommandType.COMMAND_TYPE_CANCEL_TIMER,
  CommandType.COMMAND_TYPE_RECORD_MARKER,
  CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES,
]);

const unsupportedCommands: Record<number, string> = {
  [CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION]: 'Child workflows',
  [CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION]: 'Signalling another workflow from a workflow',
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION]: 'Cancelling another workflow from a workflow',
  [CommandType.COMMAND_TYPE_PROTOCOL_MESSAGE]: 'Workflow Updates',
  [CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION]: 'Nexus operations',
  [CommandType.COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION]: 'Nexus operations',
};

/** A command the server refuses: the workflow task fails with `cause`, as Temporal does. */
class BadCommand extends Error {
  constructor(
    readonly failedCause: number,
    message: string,
  ) {
    super(message);
  }
}

export class WorkflowTasks {
  constructor(
    private readonly engine: SandboxEngine,
    private readonly activities: ActivityTasks,
  ) {}

  /** The poll response for a granted workflow or query task. */
  pollResponse(grant: WorkflowTaskGrant): WorkflowPollResponse {
    const { run } = grant;
    const common = {
      workflowExecution: { workflowId: run.workflowId, runId: run.runId },
      workflowType: { name: run.workflowType },
      workflowExecutionTaskQueue: { name: run.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    };
    if (grant.kind === 'query') {
      const lastStarted = lastWorkflowTaskStartedId(run);
      return {
        ...common,
        taskToken: encodeTaskToken({ kind: 'query', namespace: run.namespace, runId: run.runId, id: grant.query.id }),
        previousStartedEventId: lastStarted,
        startedEventId: lastStarted,
        attempt: 1,
        history: { events: run.events },
        query: { queryType: grant.query.queryType, queryArgs: grant.query.queryArgs, header: grant.query.header },
        scheduledTime: timestamp(this.engine.clock.now()),
        startedTime: timestamp(this.engine.clock.now()),
      };
    }
    const { task } = grant;
    return {
      ...common,
      taskToken: encodeTaskToken({ kind: 'wft', namespace: run.namespace, runId: run.runId, id: task.seq }),
      previousStartedEventId: run.lastCompletedStartedEventId,
      startedEventId: task.started!.startedEventId,
      attempt: task.attempt,
      history: { events: this.engine.historyForTask(run, task) },
      scheduledTime: timestamp(task.scheduledTimeMs),
      startedTime: timestamp(task.started!.timeMs),
    };
  }

  /** The in-flight workflow task a token names; NOT_FOUND when it already completed, failed or timed out. */
  resolve(taskToken: Uint8Array | null | undefined): { ns: Namespace; run: WorkflowRun; task: WorkflowTaskState } {
    const token = decodeTaskToken(taskToken);
    if (token.kind !== 'wft') throw invalidArgument('not a workflow task token');
    const ns = this.engine.namespace(token.namespace);
    const run = ns.runs.get(token.runId);
    const task = run?.workflowTask;
    if (!run || !task?.started || task.seq !== token.id)
      throw notFound('workflow task not found (it completed, failed or timed out, or the run closed)');
    return { ns, run, task };
  }

  /** RespondWorkflowTaskCompleted. */
  complete(req: CompleteRequest): void {
    const { ns, run, task } = this.resolve(req.taskToken);
    const commands = req.commands ?? [];
    for (const command of commands) {
      const what = unsupportedCommands[command.commandType ?? 0];
      if (what) throw unimplemented(what);
      if (!supportedCommands.has(command.commandType ?? 0))
        throw invalidArgument(`unknown command type ${command.commandType ?? 0}`);
    }
    if ((req.messages ?? []).length > 0) throw unimplemented('Workflow Updates');
    const started = task.started!;
    const identity = req.identity ?? '';
    try {
      for (const command of commands) this.validate(ns, run, command);
    } catch (err) {
      if (!(err instanceof BadCommand)) throw err;
      this.engine.failWorkflowTask(run, task, {
        timedOut: false,
        identity,
        cause: err.failedCause,
        failure: { message: err.message, source: 'Server' },
      });
      return;
    }
    this.engine.releaseWorkflowTask(run, task);
    if (task.transient) {
      run.append(this.engine.workflowTaskScheduledEvent(run, task.attempt), task.scheduledTimeMs);
      run.append(this.engine.workflowTaskStartedEvent(task, started.identity), started.timeMs);
    }
    if (run.buffer.length > 0 && commands.some((c) => closingCommands.has(c.commandType ?? 0))) {
      // New events arrived while the worker decided to close the run: it must see them first.
      run.append({
        eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        workflowTaskFailedEventAttributes: {
          scheduledEventId: task.scheduledEventId,
          startedEventId: started.startedEventId,
          cause: Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
          identity,
        },
      });
      run.nextTaskAttempt = 1;
      run.flushBuffer();
      this.engine.scheduleWorkflowTask(run);
      return;
    }
    const completedId = run.append({
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
      workflowTaskCompletedEventAttributes: {
        scheduledEventId: task.scheduledEventId,
        startedEventId: started.startedEventId,
        identity,
        binaryChecksum: req.binaryChecksum,
        sdkMetadata: req.sdkMetadata,
        meteringMetadata: req.meteringMetadata,
        workerVersion: req.workerVersionStamp,
        deployment: req.deployment,
        versioningBehavior: req.versioningBehavior,
      },
    });
    run.lastCompletedStartedEventId = started.startedEventId;
    run.nextTaskAttempt = 1;
    let needsTask = req.forceCreateNewWorkflowTask === true;
    for (const command of commands) {
      if (!run.isOpen) break;
      needsTask = this.apply(ns, run, command, completedId) || needsTask;
    }
    if (run.isOpen) {
      needsTask = run.flushBuffer() > 0 || needsTask;
      if (needsTask) this.engine.scheduleWorkflowTask(run);
    }
    this.engine.dispatchHeldQueries(run);
  }

  /** RespondWorkflowTaskFailed. */
  fail(
    taskToken: Uint8Array | null | undefined,
    cause: number,
    failure: Failure | null | undefined,
    identity: string,
  ): void {
    const { run, task } = this.resolve(taskToken);
    this.engine.failWorkflowTask(run, task, { timedOut: false, cause, failure, identity });
    this.engine.dispatchHeldQueries(run);
  }

  /** RespondQueryTaskCompleted. */
  answerQuery(req: Plain<temporal.api.workflowservice.v1.IRespondQueryTaskCompletedRequest>): void {
    const token = decodeTaskToken(req.taskToken);
    const pending = token.kind === 'query' ? this.engine.pendingQuery(token.id) : undefined;
    if (!pending) throw notFound('query task not found (the caller gave up or it was already answered)');
    if (req.completedType === enums.QueryResultType.QUERY_RESULT_TYPE_ANSWERED)
      pending.query.resolve({ result: req.queryResult });
    else pending.query.resolve({ error: req.errorMessage || req.failure?.message || 'query failed' });
  }

  private validate(ns: Namespace, run: WorkflowRun, command: Command): void {
    switch (command.commandType) {
      case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK: {
        const problem = this.activities.validate(run, command.scheduleActivityTaskCommandAttributes ?? {});
        if (problem) throw new BadCommand(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES, problem);
        return;
      }
      case CommandType.COMMAND_TYPE_START_TIMER: {
        const timerId = command.startTimerCommandAttributes?.timerId ?? '';
        if (!timerId)
          throw new BadCommand(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_START_TIMER_ATTRIBUTES, 'TimerId is not set');
        if (run.timers.has(timerId))
          throw new BadCommand(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID,
            `timer ${timerId} already exists`,
          );
        return;
      }
      case CommandType.COMMAND_TYPE_CANCEL_TIMER: {
        const timerId = command.cancelTimerCommandAttributes?.timerId ?? '';
        if (!run.timers.has(timerId))
          throw new BadCommand(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES,
            `timer ${timerId} is not pending`,
          );
        return;
      }
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK: {
        const id = command.requestCancelActivityTaskCommandAttributes?.scheduledEventId ?? 0;
        if (!run.activities.has(id))
          throw new BadCommand(
            Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_REQUEST_CANCEL_ACTIVITY_ATTRIBUTES,
            `activity with scheduled event id ${id} is not pending`,
          );
        return;
      }
      case CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = command.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes?.indexedFields;
        try {
          ns.assertSearchAttributesRegistered(fields);
        } catch (err) {
          throw new BadCommand(Cause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES, (err as Error).message);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Writes a command's events and effects; returns true when the workflow needs another task right away. */
  private apply(ns: Namespace, run: WorkflowRun, command: Command, completedId: number): boolean {
    const workflowTaskCompletedEventId = completedId;
    switch (command.commandType) {
      case CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK:
        this.activities.schedule(run, command.scheduleActivityTaskCommandAttributes!, completedId);
        return false;
      case CommandType.COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK:
        return this.activities.requestCancel(
          run,
          command.requestCancelActivityTaskCommandAttributes?.scheduledEventId ?? 0,
          completedId,
        );
      case CommandType.COMMAND_TYPE_START_TIMER: {
        const attrs = command.startTimerCommandAttributes!;
        const startedEventId = run.append({
          eventType: EventType.EVENT_TYPE_TIMER_STARTED,
          timerStartedEventAttributes: { ...attrs, workflowTaskCompletedEventId },
        });
        this.engine.startTimer(run, attrs.timerId!, durationMs(attrs.startToFireTimeout), startedEventId);
        return false;
      }
      case CommandType.COMMAND_TYPE_CANCEL_TIMER: {
        const timerId = command.cancelTimerCommandAttributes!.timerId!;
        const timer = run.timers.get(timerId)!;
        timer.timer.cancel();
        run.timers.delete(timerId);
        run.append({
          eventType: EventType.EVENT_TYPE_TIMER_CANCELED,
          timerCanceledEventAttributes: { timerId, startedEventId: timer.startedEventId, workflowTaskCompletedEventId },
        });
        return false;
      }
      case CommandType.COMMAND_TYPE_RECORD_MARKER:
        run.append({
          eventType: EventType.EVENT_TYPE_MARKER_RECORDED,
          markerRecordedEventAttributes: { ...command.recordMarkerCommandAttributes, workflowTaskCompletedEventId },
        });
        return false;
      case CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const searchAttributes = command.upsertWorkflowSearchAttributesCommandAttributes?.searchAttributes ?? {};
        for (const [name, payload] of Object.entries(searchAttributes.indexedFields ?? {})) {
          const value = payloadJson(payload);
          if (value === null || value === undefined || (Array.isArray(value) && value.length === 0))
            delete run.searchAttributes[name];
          else run.searchAttributes[name] = payload;
        }
        run.append({
          eventType: EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
          upsertWorkflowSearchAttributesEventAttributes: { searchAttributes, workflowTaskCompletedEventId },
        });
        return false;
      }
      case CommandType.COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES: {
        const upsertedMemo = command.modifyWorkflowPropertiesCommandAttributes?.upsertedMemo ?? {};
        for (const [name, payload] of Object.entries(upsertedMemo.fields ?? {})) {
          if (!payload.data || payload.data.length === 0) delete run.memo[name];
          else run.memo[name] = payload;
        }
        run.append({
          eventType: EventType.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
          workflowPropertiesModifiedEventAttributes: { upsertedMemo, workflowTaskCompletedEventId },
        });
        return false;
      }
      case CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
        this.engine.closeRun(run, ExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED, {
          eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
          workflowExecutionCompletedEventAttributes: {
            result: command.completeWorkflowExecutionCommandAttributes?.result,
            workflowTaskCompletedEventId,
          },
        });
        return false;
      case CommandType.COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION:
        this.engine.closeRun(run, ExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED, {
          eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
          workflowExecutionFailedEventAttributes: {
            failure: command.failWorkflowExecutionCommandAttributes?.failure,
            retryState: enums.RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET,
            workflowTaskCompletedEventId,
          },
        });
        return false;
      case CommandType.COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION:
        this.engine.closeRun(run, ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CANCELED, {
          eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
          workflowExecutionCanceledEventAttributes: {
            details: command.cancelWorkflowExecutionCommandAttributes?.details,
            workflowTaskCompletedEventId,
          },
        });
        return false;
      case CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION:
        this.continueAsNew(ns, run, command.continueAsNewWorkflowExecutionCommandAttributes ?? {}, completedId);
        return false;
      default:
        throw invalidArgument(`unknown command type ${command.commandType ?? 0}`);
    }
  }

  private continueAsNew(
    ns: Namespace,
    run: WorkflowRun,
    attrs: NonNullable<Command['continueAsNewWorkflowExecutionCommandAttributes']>,
    workflowTaskCompletedEventId: number,
  ): void {
    const workflowType = attrs.workflowType?.name || run.workflowType;
    const taskQueue = attrs.taskQueue?.name || run.taskQueue;
    const runTimeoutMs = durationMs(attrs.workflowRunTimeout) || run.runTimeoutMs;
    const taskTimeoutMs = durationMs(attrs.workflowTaskTimeout) || run.taskTimeoutMs;
    const memo = attrs.memo?.fields ?? run.memo;
    const searchAttributes = attrs.searchAttributes?.indexedFields ?? run.searchAttributes;
    // The next run must exist before the close event names it; it starts on the same clock tick.
    const next = this.engine.startRun(ns, {
      workflowId: run.workflowId,
      workflowType,
      taskQueue,
      input: attrs.input,
      runTimeoutMs,
      executionTimeoutMs: run.executionTimeoutMs,
      taskTimeoutMs,
      retryPolicy: attrs.retryPolicy,
      memo,
      searchAttributes,
      header: attrs.header,
      firstTaskBackoffMs: durationMs(attrs.backoffStartInterval),
      firstExecutionRunId: run.firstExecutionRunId,
      continued: {
        runId: run.runId,
        initiator: attrs.initiator || enums.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW,
        failure: attrs.failure,
        lastCompletionResult: attrs.lastCompletionResult,
      },
    });
    run.nextRunId = next.runId;
    ns.current.set(run.workflowId, next);
    this.engine.closeRun(run, ExecutionStatus.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, {
      eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
      workflowExecutionContinuedAsNewEventAttributes: {
        newExecutionRunId: next.runId,
        workflowType: { name: workflowType },
        taskQueue: { name: taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        input: attrs.input,
        workflowRunTimeout: attrs.workflowRunTimeout,
        workflowTaskTimeout: attrs.workflowTaskTimeout,
        workflowTaskCompletedEventId,
        backoffStartInterval: attrs.backoffStartInterval,
        initiator: attrs.initiator,
        failure: attrs.failure,
        lastCompletionResult: attrs.lastCompletionResult,
        header: attrs.header,
        memo: { fields: memo },
        searchAttributes: { indexedFields: searchAttributes },
      },
    });
  }
}

function lastWorkflowTaskStartedId(run: WorkflowRun): number {
  for (let i = run.events.length - 1; i >= 0; i--) {
    if (run.events[i]!.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED) return run.events[i]!.eventId ?? 0;
  }
  return 0;
}
