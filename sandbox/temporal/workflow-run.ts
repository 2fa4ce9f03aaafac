/**
 * One workflow run: its history and the mutable state the server keeps beside it (the outstanding workflow task,
 * pending activities and timers, buffered events, held queries, search attributes and memo).
 */
import type { ClockTimer, ReleaseLock } from './clock';
import type { Failure, Header, HistoryEvent, Payload, Payloads, RetryPolicy } from './proto';
import { enums } from './proto';

export const ExecutionStatus = enums.WorkflowExecutionStatus;
export type ExecutionStatus = (typeof ExecutionStatus)[keyof typeof ExecutionStatus];

/** A workflow task scheduled or handed to a worker. */
export interface WorkflowTaskState {
  /** Distinguishes this task from earlier ones of the same run in task tokens. */
  readonly seq: number;
  readonly attempt: number;
  /** A retry after a failed attempt: its events are written only if it completes, as Temporal does. */
  readonly transient: boolean;
  scheduledEventId: number;
  readonly scheduledTimeMs: number;
  started?: {
    startedEventId: number;
    timeMs: number;
    identity: string;
    timeout: ClockTimer;
  };
  readonly release: ReleaseLock;
}

/** An activity scheduled by the workflow and not yet closed. */
export interface PendingActivity {
  readonly scheduledEventId: number;
  readonly activityId: string;
  readonly activityType: string;
  readonly taskQueue: string;
  readonly input?: Payloads | null;
  readonly header?: Header | null;
  readonly scheduleToCloseMs: number;
  readonly scheduleToStartMs: number;
  readonly startToCloseMs: number;
  readonly heartbeatMs: number;
  readonly retryPolicy: Required<Pick<RetryPolicy, 'initialInterval' | 'backoffCoefficient' | 'maximumInterval'>> &
    RetryPolicy;
  readonly scheduledTimeMs: number;
  attempt: number;
  attemptScheduledTimeMs: number;
  state: 'scheduled' | 'started' | 'backoff';
  startedTimeMs?: number;
  workerIdentity?: string;
  heartbeatDetails?: Payloads | null;
  lastHeartbeatMs?: number;
  lastFailure?: Failure | null;
  cancelRequestedEventId?: number;
  /** Timers of the current attempt (start-to-close, heartbeat, schedule-to-start or retry backoff). */
  attemptTimers: ClockTimer[];
  heartbeatTimer?: ClockTimer;
  scheduleToCloseTimer?: ClockTimer;
  release?: ReleaseLock;
}

/** A query waiting for a worker's answer. */
export interface PendingQuery {
  readonly id: number;
  readonly queryType: string;
  readonly queryArgs?: Payloads | null;
  readonly header?: Header | null;
  readonly resolve: (answer: { result?: Payloads | null; error?: string }) => void;
  readonly release: ReleaseLock;
  dispatched: boolean;
}

/** Writes events into the history; deferred while a workflow task is in flight so event ids stay in order. */
export type EventWrite = (run: WorkflowRun) => void;

/** Fields of a HistoryEvent the caller provides: its type and attributes. */
export type NewEvent = Omit<HistoryEvent, 'eventId' | 'eventTime' | 'taskId' | 'version'> & {
  eventType: number;
};

export interface RunIdentity {
  readonly namespace: string;
  readonly workflowId: string;
  readonly runId: string;
  readonly firstExecutionRunId: string;
}

export class WorkflowRun implements RunIdentity {
  readonly events: HistoryEvent[] = [];
  status: ExecutionStatus = ExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  closeTimeMs: number | undefined;
  /** Set when the run continued as new (or was otherwise followed by another run). */
  nextRunId: string | undefined;
  searchAttributes: Record<string, Payload> = {};
  memo: Record<string, Payload> = {};
  workflowTask: WorkflowTaskState | undefined;
  /** Attempt number of the next workflow task: above 1 after failed attempts. */
  nextTaskAttempt = 1;
  /** The started-event id of the last completed workflow task (previousStartedEventId for the SDK). */
  lastCompletedStartedEventId = 0;
  readonly buffer: EventWrite[] = [];
  readonly activities = new Map<number, PendingActivity>();
  readonly timers = new Map<string, { startedEventId: number; timer: ClockTimer }>();
  readonly heldQueries: PendingQuery[] = [];
  cancelRequested = false;
  /** Request ids of starts and signal-with-starts answered by this run (retries of the same call are idempotent). */
  readonly requestIds = new Set<string>();
  runTimeout: ClockTimer | undefined;
  firstTaskBackoff: ClockTimer | undefined;
  private seq = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly namespace: string,
    readonly workflowId: string,
    readonly runId: string,
    readonly firstExecutionRunId: string,
    readonly workflowType: string,
    readonly taskQueue: string,
    readonly startTimeMs: number,
    readonly executionTimeMs: number,
    readonly runTimeoutMs: number,
    readonly executionTimeoutMs: number,
    readonly taskTimeoutMs: number,
    private readonly now: () => number,
  ) {}

  get isOpen(): boolean {
    return this.status === ExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  get nextEventId(): number {
    return this.events.length + 1;
  }

  /** A number unique within this run (task token sequence). */
  nextSeq(): number {
    return ++this.seq;
  }

  /** Appends an event now, stamped with the server clock; returns its id. */
  append(event: NewEvent, timeMs = this.now()): number {
    const eventId = this.nextEventId;
    this.events.push({
      ...event,
      eventId,
      eventTime: { seconds: Math.floor(timeMs / 1000), nanos: (timeMs % 1000) * 1e6 },
      taskId: eventId,
    });
    this.notify();
    return eventId;
  }

  /** Writes events now, or after the in-flight workflow task completes (Temporal's buffered events). */
  emit(write: EventWrite): void {
    if (this.workflowTask?.started) this.buffer.push(write);
    else write(this);
  }

  /** Appends the buffered events; returns how many writes there were. */
  flushBuffer(): number {
    const writes = this.buffer.splice(0);
    for (const write of writes) write(this);
    return writes.length;
  }

  /** The last event, when the run is closed. */
  get closeEvent(): HistoryEvent | undefined {
    return this.isOpen ? undefined : this.events[this.events.length - 1];
  }

  /** Calls `listener` on every new event and on close; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
