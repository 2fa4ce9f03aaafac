/** Activity implementations for the conformance suites; they record what the server made them do. */
import { ApplicationFailure, CompleteAsyncError, Context } from '@temporalio/activity';
import type { ConformanceActivities } from './workflows/activities-contract';

/** Per workflow id: the scheduled time of each attempt of the activity it ran. */
export type AttemptLog = Map<string, number[]>;

export function createConformanceActivities(log: AttemptLog = new Map()): ConformanceActivities {
  const record = () => {
    const info = Context.current().info;
    const times = log.get(info.workflowExecution!.workflowId) ?? [];
    times.push(info.currentAttemptScheduledTimestampMs);
    log.set(info.workflowExecution!.workflowId, times);
    return info.attempt;
  };
  const calls = new Map<string, number>();
  return {
    greet: (name) => Promise.resolve(`Hello, ${name}!`),
    flaky: (succeedOnAttempt, errorType) => {
      const attempt = record();
      if (attempt < succeedOnAttempt)
        throw ApplicationFailure.create({ type: errorType ?? 'Flaky', message: `attempt ${attempt} failed` });
      return Promise.resolve(attempt);
    },
    throttled: (delayMs) => {
      const attempt = record();
      if (attempt === 1)
        throw ApplicationFailure.create({ type: 'Throttled', message: 'slow down', nextRetryDelay: delayMs });
      return Promise.resolve('ok');
    },
    linger: async (runForMs, heartbeatEveryMs) => {
      const ctx = Context.current();
      record();
      const started = Date.now();
      if (heartbeatEveryMs <= 0) await ctx.sleep(runForMs);
      else {
        while (Date.now() - started < runForMs) {
          ctx.heartbeat();
          await ctx.sleep(heartbeatEveryMs);
        }
      }
      return 'finished';
    },
    completeLater: () => {
      record();
      throw new CompleteAsyncError();
    },
    countCall: (key) => {
      const n = (calls.get(key) ?? 0) + 1;
      calls.set(key, n);
      return Promise.resolve(n);
    },
  };
}
