/**
 * Reading runs: history fetch with paging and long polls (what `handle.result()` and `fetchHistory()` use),
 * DescribeWorkflowExecution, and list/count through the visibility query language.
 */
import type { SandboxEngine } from './engine';
import { invalidArgument } from './errors';
import type { HistoryEvent, Plain, WorkflowExecutionInfo, temporal } from './proto';
import { duration, enums, timestamp } from './proto';
import { compileVisibilityQuery } from './visibility-query';
import type { WorkflowRun } from './workflow-run';

type HistoryRequest = Plain<temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryRequest>;
type HistoryResponse = Plain<temporal.api.workflowservice.v1.IGetWorkflowExecutionHistoryResponse>;
type DescribeResponse = Plain<temporal.api.workflowservice.v1.IDescribeWorkflowExecutionResponse>;
type ListRequest = Plain<temporal.api.workflowservice.v1.IListWorkflowExecutionsRequest>;

/** How long a history long poll waits before answering empty (the client then polls again). */
const HISTORY_LONG_POLL_MS = 20_000;
const DEFAULT_PAGE_SIZE = 1000;

function pageToken(n: number): Uint8Array {
  return Buffer.from(String(n), 'utf8');
}

function readPageToken(token: Uint8Array | null | undefined): number {
  if (!token || token.length === 0) return 0;
  const n = Number(Buffer.from(token).toString('utf8'));
  if (!Number.isInteger(n) || n < 0) throw invalidArgument('invalid next page token');
  return n;
}

/** Resolves when the run has a new event or closes, when `signal` aborts, or after `ms`. */
function waitForChange(run: WorkflowRun, signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      unsubscribe();
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const unsubscribe = run.onChange(done);
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** GetWorkflowExecutionHistory: all events in pages, or only the close event; optionally waiting for new ones. */
export async function getHistory(
  engine: SandboxEngine,
  req: HistoryRequest,
  signal: AbortSignal,
): Promise<HistoryResponse> {
  const ns = engine.namespace(req.namespace);
  const run = engine.findRun(ns, req.execution?.workflowId, req.execution?.runId);
  const deadline = Date.now() + HISTORY_LONG_POLL_MS;
  if (req.historyEventFilterType === enums.HistoryEventFilterType.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT) {
    while (run.isOpen && req.waitNewEvent && !signal.aborted && Date.now() < deadline)
      await waitForChange(run, signal, deadline - Date.now());
    const close = run.closeEvent;
    return { history: { events: close ? [close] : [] } };
  }
  const from = readPageToken(req.nextPageToken);
  while (req.waitNewEvent && run.isOpen && run.events.length <= from && !signal.aborted && Date.now() < deadline)
    await waitForChange(run, signal, deadline - Date.now());
  const pageSize = req.maximumPageSize && req.maximumPageSize > 0 ? req.maximumPageSize : DEFAULT_PAGE_SIZE;
  const events: HistoryEvent[] = run.events.slice(from, from + pageSize);
  const next = from + events.length;
  const more = next < run.events.length || (req.waitNewEvent === true && run.isOpen);
  return { history: { events }, nextPageToken: more ? pageToken(next) : undefined };
}

/** The visibility record of a run (what list and describe return). */
export function executionInfo(run: WorkflowRun): WorkflowExecutionInfo {
  return {
    execution: { workflowId: run.workflowId, runId: run.runId },
    type: { name: run.workflowType },
    startTime: timestamp(run.startTimeMs),
    closeTime: run.closeTimeMs === undefined ? undefined : timestamp(run.closeTimeMs),
    status: run.status,
    historyLength: run.events.length,
    executionTime: timestamp(run.executionTimeMs),
    memo: { fields: run.memo },
    searchAttributes: { indexedFields: run.searchAttributes },
    taskQueue: run.taskQueue,
    stateTransitionCount: run.events.length,
    historySizeBytes: run.events.length * 100,
    executionDuration: run.closeTimeMs === undefined ? undefined : duration(run.closeTimeMs - run.startTimeMs),
    firstRunId: run.firstExecutionRunId,
    rootExecution: { workflowId: run.workflowId, runId: run.runId },
  };
}

/** DescribeWorkflowExecution. */
export function describe(
  engine: SandboxEngine,
  req: Plain<temporal.api.workflowservice.v1.IDescribeWorkflowExecutionRequest>,
): DescribeResponse {
  const ns = engine.namespace(req.namespace);
  const run = engine.findRun(ns, req.execution?.workflowId, req.execution?.runId);
  const task = run.workflowTask;
  const Pending = enums.PendingActivityState;
  return {
    executionConfig: {
      taskQueue: { name: run.taskQueue, kind: enums.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      workflowExecutionTimeout: duration(run.executionTimeoutMs),
      workflowRunTimeout: duration(run.runTimeoutMs),
      defaultWorkflowTaskTimeout: duration(run.taskTimeoutMs),
    },
    workflowExecutionInfo: executionInfo(run),
    pendingActivities: [...run.activities.values()].map((a) => ({
      activityId: a.activityId,
      activityType: { name: a.activityType },
      state:
        a.cancelRequestedEventId !== undefined
          ? Pending.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED
          : a.state === 'started'
            ? Pending.PENDING_ACTIVITY_STATE_STARTED
            : Pending.PENDING_ACTIVITY_STATE_SCHEDULED,
      heartbeatDetails: a.heartbeatDetails,
      lastHeartbeatTime: a.lastHeartbeatMs === undefined ? undefined : timestamp(a.lastHeartbeatMs),
      lastStartedTime: a.startedTimeMs === undefined ? undefined : timestamp(a.startedTimeMs),
      attempt: a.attempt,
      maximumAttempts: a.retryPolicy.maximumAttempts ?? 0,
      scheduledTime: timestamp(a.attemptScheduledTimeMs),
      expirationTime: a.scheduleToCloseMs > 0 ? timestamp(a.scheduledTimeMs + a.scheduleToCloseMs) : undefined,
      lastFailure: a.lastFailure,
      lastWorkerIdentity: a.workerIdentity,
    })),
    pendingWorkflowTask: task
      ? {
          state: task.started
            ? enums.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED
            : enums.PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED,
          scheduledTime: timestamp(task.scheduledTimeMs),
          originalScheduledTime: timestamp(task.scheduledTimeMs),
          startedTime: task.started ? timestamp(task.started.timeMs) : undefined,
          attempt: task.attempt,
        }
      : undefined,
  };
}

/** ListWorkflowExecutions: matching runs, newest first unless the query orders them, in pages. */
export function list(
  engine: SandboxEngine,
  req: ListRequest,
): Plain<temporal.api.workflowservice.v1.IListWorkflowExecutionsResponse> {
  const ns = engine.namespace(req.namespace);
  const query = compileVisibilityQuery(ns, req.query);
  const runs = ns.runOrder
    .map((run, index) => ({ run, index }))
    .filter(({ run }) => query.matches(run))
    .sort((a, b) => query.compare(a.run, b.run) || b.index - a.index)
    .map(({ run }) => run);
  const from = readPageToken(req.nextPageToken);
  const pageSize = req.pageSize && req.pageSize > 0 ? req.pageSize : DEFAULT_PAGE_SIZE;
  const page = runs.slice(from, from + pageSize);
  const next = from + page.length;
  return { executions: page.map(executionInfo), nextPageToken: next < runs.length ? pageToken(next) : undefined };
}

/** CountWorkflowExecutions. */
export function count(
  engine: SandboxEngine,
  req: Plain<temporal.api.workflowservice.v1.ICountWorkflowExecutionsRequest>,
): Plain<temporal.api.workflowservice.v1.ICountWorkflowExecutionsResponse> {
  const ns = engine.namespace(req.namespace);
  const query = compileVisibilityQuery(ns, req.query);
  return { count: ns.runOrder.filter((run) => query.matches(run)).length };
}
