/**
 * Namespaces and what they own: workflow runs (indexed by run id and by workflow id), task queues and the search
 * attribute registry.
 */
import { randomUUID } from 'node:crypto';
import { invalidArgument } from './errors';
import type { Payload } from './proto';
import { enums } from './proto';
import { TaskQueue } from './task-queue';
import type { PendingActivity, PendingQuery, WorkflowRun, WorkflowTaskState } from './workflow-run';

export const IndexedValueType = enums.IndexedValueType;
export type IndexedValueType = (typeof IndexedValueType)[keyof typeof IndexedValueType];

/** Search attribute type names as the Temporal CLI spells them (`--search-attribute Name=Keyword`). */
export const searchAttributeTypeNames: Record<string, IndexedValueType> = {
  Text: IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
  Keyword: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Int: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Double: IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  Bool: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  Datetime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  KeywordList: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** Attributes every Temporal namespace has (the visibility store's own columns and the SDK's versioning marker). */
export const systemSearchAttributes: Record<string, IndexedValueType> = {
  WorkflowId: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  RunId: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  WorkflowType: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  ExecutionStatus: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  TaskQueue: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  StartTime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  CloseTime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  ExecutionTime: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  HistoryLength: IndexedValueType.INDEXED_VALUE_TYPE_INT,
  TemporalChangeVersion: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  BuildIds: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
  BinaryChecksums: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** What a workflow-task poller receives: a workflow task or a (legacy) query task. */
export type WorkflowTaskGrant =
  | { kind: 'workflow'; run: WorkflowRun; task: WorkflowTaskState }
  | { kind: 'query'; run: WorkflowRun; query: PendingQuery };

/** What an activity-task poller receives. */
export interface ActivityTaskGrant {
  run: WorkflowRun;
  activity: PendingActivity;
}

/** A poller as the sandbox sees it. */
export interface Poller {
  identity: string;
}

export class Namespace {
  readonly id = randomUUID();
  readonly runs = new Map<string, WorkflowRun>();
  /** The latest run of each workflow id. */
  readonly current = new Map<string, WorkflowRun>();
  /** Every run in start order (visibility). */
  readonly runOrder: WorkflowRun[] = [];
  readonly customSearchAttributes = new Map<string, IndexedValueType>();
  private readonly workflowQueues = new Map<string, TaskQueue<Poller, WorkflowTaskGrant>>();
  private readonly activityQueues = new Map<string, TaskQueue<Poller, ActivityTaskGrant>>();

  constructor(readonly name: string) {}

  addRun(run: WorkflowRun): void {
    this.runs.set(run.runId, run);
    this.current.set(run.workflowId, run);
    this.runOrder.push(run);
  }

  workflowQueue(name: string): TaskQueue<Poller, WorkflowTaskGrant> {
    let queue = this.workflowQueues.get(name);
    if (!queue) this.workflowQueues.set(name, (queue = new TaskQueue()));
    return queue;
  }

  activityQueue(name: string): TaskQueue<Poller, ActivityTaskGrant> {
    let queue = this.activityQueues.get(name);
    if (!queue) this.activityQueues.set(name, (queue = new TaskQueue()));
    return queue;
  }

  /** Answers every waiting poll with "no task". */
  drainQueues(): void {
    for (const queue of this.workflowQueues.values()) queue.drain();
    for (const queue of this.activityQueues.values()) queue.drain();
  }

  /** The type of a search attribute, system or custom; undefined when it is not registered. */
  searchAttributeType(name: string): IndexedValueType | undefined {
    return systemSearchAttributes[name] ?? this.customSearchAttributes.get(name);
  }

  /** Registers custom search attributes; re-registering one with the same type is a no-op. */
  registerSearchAttributes(attributes: Record<string, IndexedValueType>): void {
    for (const [name, type] of Object.entries(attributes)) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw invalidArgument(`invalid search attribute name: ${name}`);
      if (systemSearchAttributes[name] !== undefined)
        throw invalidArgument(`search attribute ${name} is reserved by the system`);
      const existing = this.customSearchAttributes.get(name);
      if (existing !== undefined && existing !== type)
        throw invalidArgument(`search attribute ${name} is already registered with another type`);
      if (!Object.values(searchAttributeTypeNames).includes(type))
        throw invalidArgument(`search attribute ${name} has an unknown type`);
      this.customSearchAttributes.set(name, type);
    }
  }

  /** Throws INVALID_ARGUMENT naming the first attribute that is not registered. */
  assertSearchAttributesRegistered(fields: Record<string, Payload> | null | undefined): void {
    for (const name of Object.keys(fields ?? {})) {
      if (this.searchAttributeType(name) === undefined)
        throw invalidArgument(
          `search attribute ${name} is not registered in namespace ${this.name}; register it with AddSearchAttributes or --search-attribute ${name}=Keyword`,
        );
    }
  }
}
