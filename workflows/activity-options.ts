/**
 * Activity option presets: named timeouts and retry policies for each kind of effect (docs/temporal.md, Activities).
 * Pure: imported by workflows.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import { nonRetryableEntraFailures } from '../domain/entra-errors';

/**
 * How soon Temporal retries an activity whose worker died mid-attempt. Every Joiner worker heartbeats while an
 * activity runs (worker/liveness-heartbeat.ts), so only a dead or frozen worker misses this deadline; without it
 * the retry would wait for the whole start-to-close timeout, and the employee's later changes behind it.
 */
const livenessHeartbeatTimeout = '10 seconds';

/**
 * Graph writes. Throttling waits for Retry-After (the activity sets `nextRetryDelay`); transient failures back off
 * from 1 s to 1 min; a write still failing after 30 minutes is recorded and retried by the workflow's own timer, so a
 * long Graph outage never leaves a workflow stuck inside one activity. Each attempt may wait up to 20 s for a slot
 * in the tenant's write budget.
 */
export const graphWriteActivity: ActivityOptions = {
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: livenessHeartbeatTimeout,
  scheduleToCloseTimeout: '30 minutes',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [...nonRetryableEntraFailures],
  },
};

/**
 * The task queue of the Graph writes of workflows on `taskQueue`, served by the Graph-write worker of every worker
 * process; each write there waits for its tenant's write budget, which all of them share (the Graph write pacer).
 */
export function graphWritesTaskQueue(taskQueue: string): string {
  return `${taskQueue}-graph-writes`;
}

/** Graph reads (verified domains): like writes, but each attempt is short. */
export const graphReadActivity: ActivityOptions = { ...graphWriteActivity, startToCloseTimeout: '30 seconds' };

/**
 * Joiner's own database. Quick, and retried without limit: the database holds the desired state, so nothing useful
 * can happen without it, and giving up would lose the record of what was written to Entra.
 */
export const storeActivity: ActivityOptions = {
  startToCloseTimeout: '15 seconds',
  heartbeatTimeout: livenessHeartbeatTimeout,
  retry: { initialInterval: '500 milliseconds', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/** Calls to Temporal from an activity (signalling other employees' workflows): retried for ten minutes. */
export const temporalSignalActivity: ActivityOptions = {
  startToCloseTimeout: '60 seconds',
  heartbeatTimeout: livenessHeartbeatTimeout,
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/** Purging a deleted SCIM user's row at the end of its retention: quick, retried without limit. */
export const accountPurgeActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: livenessHeartbeatTimeout,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};
