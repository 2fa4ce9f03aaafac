/**
 * The core of the sandbox: namespaces, the run lifecycle (start, signal, cancel, terminate, close, time out) and the
 * workflow task lifecycle (schedule, hand to a worker, fail, time out), plus query dispatch.
 * Command handling lives in `workflow-tasks.ts`, activities in `activity-tasks.ts`.
 */
import { randomUUID } from 'node:crypto';
import { VirtualClock } from './clock';
import { notFound } from './errors';
import type { Poller, WorkflowTaskGrant } from './namespace-store';
import { Namespace } from './namespace-store';
import type { Failure, Header, HistoryEvent, Payload, Payloads, RetryPolicy } from './proto';
import { duration, enums, timestamp } from './proto';
import type { NewEvent, PendingActivity, PendingQuery, WorkflowTaskState } from './workflow-run';
import { ExecutionStatus, WorkflowRun } from './workflow-run';

const EventType = enums.EventType;
const DEFAULT_TASK_TIMEOUT_MS = 10_000;

/** What starting a run needs (from StartWorkflowExecution, SignalWithStart or continue-as-new). */
export interface StartParams {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  input?: Payloads | null;
  runTimeoutMs: number;
  executionTimeoutMs: number;
  taskTimeoutMs: number;
  identity?: string;
  requestId?: string;
  retryPolicy?: RetryPolicy | null;
  memo?: Record<string, Payload>;
  searchAttributes?: Record<string, Payload>;
  header?: Header | null;
  firstTaskBackoffMs?: number;
  firstExecutionRunId?: string;
  continued?: {
    runId: string;
    initiator: number;
    failure?: Failure | null;
    lastCompletionResult?: Payloads | null;
  };
  signal?: { name: string; input?: Payloads | null; header?: Header | null };
}

export interface EngineOptions {
  timeSkipping: boolean;
  namespaces: string[];
}

export class SandboxEngine {
  readonly clock: VirtualClock;
  private readonly namespaces = new Map<string, Namespace>();
  private readonly queries = new Map<number, { run: WorkflowRun; query: PendingQuery }>();
  private querySeq = 0;

  constructor(options: EngineOptions) {
    this.clock = new VirtualClock(options.timeSkipping);
    for (const name of ['default', ...options.namespaces]) this.addNamespace(name);
  }

  addNamespace(name: string): Namespace {
    let ns = this.namespaces.get(name);
    if (!ns) this.namespaces.set(name, (ns = new Namespace(name)));
    return ns;
  }

  namespace(name: string | null | undefined): Namespace {
    const ns = this.namespaces.get(name || 'default');
    if (!ns) throw notFound(`Namespace ${name} is not found.`);
    return ns;
  }

  /** The run named by workflow id and (optionally) run id; NOT_FOUND otherwise. */
  findRun(ns: Namespace, workflowId: string | null | undefined, runId?: string | null): WorkflowRun {
    const run = runId ? ns.runs.get(runId) : ns.current.get(workflowId ?? '');
    if (!run || (workflowId && run.workflowId !== workflowId))
      throw notFound(`workflow not found for ID: ${workflowId ?? ''}${runId ? ` and run ID: ${runId}` : ''}`);
    return run;
  }

  /** Creates a run, writes its first events and schedules its first workflow task. */
  startRun(ns: Namespace, p: StartParams): WorkflowRun {
    const runId = randomUUID();
    const now = this.clock.now();
    const backoff = p.firstTaskBackoffMs ?? 0;
    const taskTimeoutMs = p.taskTimeoutMs > 0 ? p.taskTimeoutMs : DEFAULT_TASK_TIMEOUT_MS;
    const runTimeoutMs = p.runTimeoutMs > 0 ? p.runTimeoutMs : p.executionTimeoutMs;
    const run = new WorkflowRun(
      ns.name,
      p.workflowId,
      runId,
      p.firstExecutionRunId ?? runId,
      p.workflowType,
      p.taskQueue,
      now,
      now + backoff,
      runTimeoutMs,
      p.executionTimeoutMs,
      taskTimeoutMs,
      () => this.clock.now(),
    );
    run.memo = { ...(p.memo ?? {}) };
    run.searchAttributes = { ...(p.searchAttributes ?? {}) };
    if (p.requestId) run.requestIds.add(p.requestId);
    run.append({
      eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      workflowExecutionStartedEventAttributes: {
        workflowId: p.workflowId,
        workflowType: { name: p.workflowType },
        taskQueue: { name: p.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        input: p.input,
        workflowExecutionTimeout: duration(p.executionTimeoutMs),
        workflowRunTimeout: duration(runTimeoutMs),
        workflowTaskTimeout: duration(taskTimeoutMs),
        continuedExecutionRunId: p.continued?.runId,
        initiator: p.continued?.initiator,
        continuedFailure: p.continued?.failure,
        lastCompletionResult: p.continued?.lastCompletionResult,
        originalExecutionRunId: runId,
        identity: p.identity,
        firstExecutionRunId: run.firstExecutionRunId,
        retryPolicy: p.retryPolicy,
        attempt: 1,
        workflowExecutionExpirationTime: p.executionTimeoutMs > 0 ? timestamp(now + p.executionTimeoutMs) : undefined,
        firstWorkflowTaskBackoff: backoff > 0 ? duration(backoff) : undefined,
        memo: { fields: run.memo },
        searchAttributes: { indexedFields: run.searchAttributes },
        header: p.header,
      },
    });
    if (p.signal) {
      run.append({
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        workflowExecutionSignaledEventAttributes: {
          signalName: p.signal.name,
          input: p.signal.input,
          header: p.signal.header,
          identity: p.identity,
        },
      });
    }
    ns.addRun(run);
    if (runTimeoutMs > 0) run.runTimeout = this.clock.schedule(runTimeoutMs, () => this.timeOutRun(run));
    if (backoff > 0) run.firstTaskBackoff = this.clock.schedule(backoff, () => this.scheduleWorkflowTask(run));
    else this.scheduleWorkflowTask(run);
    return run;
  }

  /** Delivers a signal (buffered while a workflow task is in flight) and schedules a workflow task. */
  signal(
    run: WorkflowRun,
    name: string,
    input: Payloads | null | undefined,
    header: Header | null | undefined,
    identity: string | null | undefined,
    requestId?: string | null,
  ): void {
    if (!run.isOpen) throw notFound('workflow execution already completed');
    run.emit((r) =>
      r.append({
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
        workflowExecutionSignaledEventAttributes: { signalName: name, input, header, identity, requestId },
      }),
    );
    this.scheduleWorkflowTask(run);
  }

  /** Records a cancellation request for the workflow to act on; a second request is a no-op. */
  requestCancel(run: WorkflowRun, reason: string | null | undefined, identity: string | null | undefined): void {
    if (!run.isOpen) throw notFound('workflow execution already completed');
    if (run.cancelRequested) return;
    run.cancelRequested = true;
    run.emit((r) =>
      r.append({
        eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCEL_REQUESTED,
        workflowExecutionCancelRequestedEventAttributes: { cause: reason, identity },
      }),
    );
    this.scheduleWorkflowTask(run);
  }

  /** Terminates the run at once; an in-flight workflow task is failed first, as Temporal does. */
  terminate(
    run: WorkflowRun,
    reason: string | null | undefined,
    details: Payloads | null | undefined,
    identity: string | null | undefined,
  ): void {
    if (!run.isOpen) throw notFound('workflow execution already completed');
    this.forceClose(run);
    this.closeRun(run, ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED, {
      eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
      workflowExecutionTerminatedEventAttributes: { reason, details, identity },
    });
  }

  private timeOutRun(run: WorkflowRun): void {
    if (!run.isOpen) return;
    this.forceClose(run);
    this.closeRun(run, ExecutionStatus.WORKFLOW_EXECUTION_STATUS_TIMED_OUT, {
      eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
      workflowExecutionTimedOutEventAttributes: { retryState: enums.RetryState.RETRY_STATE_RETRY_POLICY_NOT_SET },
    });
  }

  private forceClose(run: WorkflowRun): void {
    const task = run.workflowTask;
    if (task) {
      this.releaseWorkflowTask(run, task);
      if (task.started && !task.transient) {
        run.append({
          eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
          workflowTaskFailedEventAttributes: {
            scheduledEventId: task.scheduledEventId,
            startedEventId: task.started.startedEventId,
            cause: enums.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
          },
        });
      }
    }
    run.flushBuffer();
  }

  /** Writes the close event and drops everything pending on the run. */
  closeRun(run: WorkflowRun, status: ExecutionStatus, closeEvent: NewEvent): void {
    const task = run.workflowTask;
    if (task) this.releaseWorkflowTask(run, task);
    run.status = status;
    run.closeTimeMs = this.clock.now();
    run.buffer.length = 0;
    for (const activity of run.activities.values()) disposeActivity(activity);
    run.activities.clear();
    for (const { timer } of run.timers.values()) timer.cancel();
    run.timers.clear();
    run.runTimeout?.cancel();
    run.firstTaskBackoff?.cancel();
    run.append(closeEvent);
    this.dispatchHeldQueries(run);
  }

  /** Starts a timer; when it fires the TimerFired event is written and a workflow task scheduled. */
  startTimer(run: WorkflowRun, timerId: string, delayMs: number, startedEventId: number): void {
    const timer = this.clock.schedule(delayMs, () => {
      if (!run.isOpen || run.timers.get(timerId)?.startedEventId !== startedEventId) return;
      run.timers.delete(timerId);
      run.emit((r) =>
        r.append({
          eventType: EventType.EVENT_TYPE_TIMER_FIRED,
          timerFiredEventAttributes: { timerId, startedEventId },
        }),
      );
      this.scheduleWorkflowTask(run);
    });
    run.timers.set(timerId, { startedEventId, timer });
  }

  /** Schedules a workflow task unless one is already outstanding (then the new events ride on it or follow it). */
  scheduleWorkflowTask(run: WorkflowRun): void {
    if (!run.isOpen || run.workflowTask) return;
    run.firstTaskBackoff?.cancel();
    run.firstTaskBackoff = undefined;
    const attempt = run.nextTaskAttempt;
    const transient = attempt > 1;
    const scheduledEventId = transient ? 0 : run.append(this.workflowTaskScheduledEvent(run, attempt));
    const task: WorkflowTaskState = {
      seq: run.nextSeq(),
      attempt,
      transient,
      scheduledEventId,
      scheduledTimeMs: this.clock.now(),
      release: this.clock.lock(),
    };
    run.workflowTask = task;
    this.namespace(run.namespace)
      .workflowQueue(run.taskQueue)
      .push({ claim: (poller) => this.startWorkflowTask(run, task, poller) });
  }

  workflowTaskScheduledEvent(run: WorkflowRun, attempt: number): NewEvent {
    return {
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
      workflowTaskScheduledEventAttributes: {
        taskQueue: { name: run.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        startToCloseTimeout: duration(run.taskTimeoutMs),
        attempt,
      },
    };
  }

  workflowTaskStartedEvent(task: WorkflowTaskState, identity: string): NewEvent {
    return {
      eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
      workflowTaskStartedEventAttributes: {
        scheduledEventId: task.scheduledEventId,
        identity,
        requestId: randomUUID(),
      },
    };
  }

  /** Hands the task to a poller: writes WorkflowTaskStarted (later, for a retry attempt) and arms its timeout. */
  private startWorkflowTask(run: WorkflowRun, task: WorkflowTaskState, poller: Poller): WorkflowTaskGrant | undefined {
    if (run.workflowTask !== task || task.started || !run.isOpen) return undefined;
    let startedEventId: number;
    if (task.transient) {
      task.scheduledEventId = run.nextEventId;
      startedEventId = run.nextEventId + 1;
    } else {
      startedEventId = run.append(this.workflowTaskStartedEvent(task, poller.identity));
    }
    task.started = {
      startedEventId,
      timeMs: this.clock.now(),
      identity: poller.identity,
      timeout: this.clock.schedule(run.taskTimeoutMs, () =>
        this.failWorkflowTask(run, task, { timedOut: true, identity: '' }),
      ),
    };
    return { kind: 'workflow', run, task };
  }

  /** The history a worker sees for `task`: the stored events plus a retry attempt's unwritten events. */
  historyForTask(run: WorkflowRun, task: WorkflowTaskState): HistoryEvent[] {
    if (!task.transient || !task.started) return run.events;
    const scheduledTime = timestamp(task.scheduledTimeMs);
    const startedTime = timestamp(task.started.timeMs);
    return [
      ...run.events,
      {
        ...this.workflowTaskScheduledEvent(run, task.attempt),
        eventId: task.scheduledEventId,
        eventTime: scheduledTime,
      },
      {
        ...this.workflowTaskStartedEvent(task, task.started.identity),
        eventId: task.started.startedEventId,
        eventTime: startedTime,
      },
    ];
  }

  releaseWorkflowTask(run: WorkflowRun, task: WorkflowTaskState): void {
    task.started?.timeout.cancel();
    task.release();
    if (run.workflowTask === task) run.workflowTask = undefined;
  }

  /**
   * Fails (or times out) a workflow task: the first attempt writes WorkflowTaskFailed/TimedOut; retries are written
   * only when one completes. The next attempt is scheduled at once; buffered events are written first.
   */
  failWorkflowTask(
    run: WorkflowRun,
    task: WorkflowTaskState,
    outcome: { timedOut: boolean; identity: string; cause?: number; failure?: Failure | null; resetAttempts?: boolean },
  ): void {
    if (run.workflowTask !== task || !task.started) return;
    this.releaseWorkflowTask(run, task);
    if (!task.transient) {
      run.append(
        outcome.timedOut
          ? {
              eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
              workflowTaskTimedOutEventAttributes: {
                scheduledEventId: task.scheduledEventId,
                startedEventId: task.started.startedEventId,
                timeoutType: enums.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE,
              },
            }
          : {
              eventType: EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
              workflowTaskFailedEventAttributes: {
                scheduledEventId: task.scheduledEventId,
                startedEventId: task.started.startedEventId,
                cause: outcome.cause,
                failure: outcome.failure,
                identity: outcome.identity,
              },
            },
      );
    }
    run.nextTaskAttempt = outcome.resetAttempts ? 1 : task.attempt + 1;
    run.flushBuffer();
    this.scheduleWorkflowTask(run);
  }

  /** Registers a query; it is handed to a worker once no workflow task is outstanding. */
  query(
    run: WorkflowRun,
    request: { queryType: string; queryArgs?: Payloads | null; header?: Header | null },
    signal: AbortSignal,
  ): Promise<{ result?: Payloads | null; error?: string }> {
    return new Promise((resolve) => {
      const id = ++this.querySeq;
      const release = this.clock.lock();
      const finish = (answer: { result?: Payloads | null; error?: string }) => {
        this.queries.delete(id);
        release();
        signal.removeEventListener('abort', onAbort);
        resolve(answer);
      };
      const onAbort = () => finish({ error: 'query was cancelled by the caller' });
      const query: PendingQuery = { id, ...request, resolve: finish, release, dispatched: false };
      this.queries.set(id, { run, query });
      signal.addEventListener('abort', onAbort);
      if (run.isOpen && run.workflowTask) run.heldQueries.push(query);
      else this.dispatchQuery(run, query);
    });
  }

  /** The query a worker answers by task token, if it is still waiting. */
  pendingQuery(id: number): { run: WorkflowRun; query: PendingQuery } | undefined {
    return this.queries.get(id);
  }

  /** Hands held queries to workers once the run has no outstanding workflow task. */
  dispatchHeldQueries(run: WorkflowRun): void {
    if (run.isOpen && run.workflowTask) return;
    for (const query of run.heldQueries.splice(0)) this.dispatchQuery(run, query);
  }

  private dispatchQuery(run: WorkflowRun, query: PendingQuery): void {
    this.namespace(run.namespace)
      .workflowQueue(run.taskQueue)
      .push({
        claim: () => {
          if (!this.queries.has(query.id) || query.dispatched) return undefined;
          if (run.isOpen && run.workflowTask) {
            run.heldQueries.push(query);
            return undefined;
          }
          query.dispatched = true;
          return { kind: 'query', run, query };
        },
      });
  }

  /** Stops timers and answers waiting polls (the server is closing). */
  close(): void {
    this.clock.stop();
    for (const ns of this.namespaces.values()) ns.drainQueues();
  }
}

/** Stops an activity's timers and releases its time-skipping lock. */
export function disposeActivity(activity: PendingActivity): void {
  for (const timer of activity.attemptTimers) timer.cancel();
  activity.attemptTimers = [];
  activity.heartbeatTimer?.cancel();
  activity.scheduleToCloseTimer?.cancel();
  activity.release?.();
  activity.release = undefined;
}
