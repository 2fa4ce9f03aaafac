import { Context } from '@temporalio/activity';
import type { ActivityExecuteInput, ActivityInboundCallsInterceptor, Next } from '@temporalio/worker';

/**
 * Heartbeats while an activity runs, whatever the activity does. Temporal learns that a worker died mid-activity
 * (kill -9, a lost machine) only from a timeout: without heartbeats that is the activity's start-to-close timeout,
 * up to a minute during which the employee's workflow waits and every later HR change queues behind it. With them it
 * is the preset's `heartbeatTimeout` (workflows/activity-options.ts, a few seconds), after which the activity is
 * retried on a live worker. Activities that finish quickly send none: the SDK throttles heartbeats to one per 80 % of
 * the timeout.
 */
export class LivenessHeartbeat implements ActivityInboundCallsInterceptor {
  async execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const context = Context.current();
    const timeoutMs = context.info.heartbeatTimeoutMs;
    if (!timeoutMs) return next(input);
    const beat = setInterval(() => context.heartbeat(), Math.max(100, Math.floor(timeoutMs / 4)));
    try {
      return await next(input);
    } finally {
      clearInterval(beat);
    }
  }
}
