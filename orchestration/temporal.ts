import type { WorkflowClient } from '@temporalio/client';

/** The part of the Temporal client Joiner starts and signals workflows with. Tests pass a real client. */
export type WorkflowClientLike = Pick<WorkflowClient, 'signalWithStart' | 'start' | 'getHandle' | 'withDeadline'>;

/** A Temporal client and the task queue of Joiner's worker: what starting or signalling a workflow needs. */
export interface TemporalDeps<Client = WorkflowClientLike> {
  client: Client;
  taskQueue: string;
}
