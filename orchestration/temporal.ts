import type { Client, WorkflowClient } from '@temporalio/client';
import type { CallsInFlight } from './deadline';

/**
 * The part of the Temporal client Joiner starts and signals workflows with (and `withDeadline`, which bounds a call
 * by a gRPC deadline). Tests pass a real client.
 */
export type WorkflowClientLike = Pick<WorkflowClient, 'signalWithStart' | 'start' | 'getHandle' | 'withDeadline'>;

/** A Temporal client and the task queue of Joiner's worker: what starting or signalling a workflow needs. */
export interface TemporalDeps<Client = WorkflowClientLike> {
  client: Client;
  taskQueue: string;
  /** The calls over `client` that callers stopped waiting for; awaited before the client's connection is closed. */
  inFlight: CallsInFlight;
}

/**
 * Resolves when the Temporal frontend answers for the namespace (readiness, `joiner status`); rejects with the gRPC
 * error otherwise. The call carries a deadline: the client would otherwise retry an unreachable server for long.
 */
export async function checkTemporal(client: Pick<Client, 'connection'>, namespace: string, timeoutMs = 2_500) {
  await client.connection.withDeadline(Date.now() + timeoutMs, () =>
    client.connection.workflowService.describeNamespace({ namespace }),
  );
}
