/** A workflow for test/worker/liveness-heartbeat.test.ts: one activity attempt that lasts longer than its heartbeat timeout. */
import { proxyActivities } from '@temporalio/workflow';

const { outlastHeartbeatTimeout } = proxyActivities<{ outlastHeartbeatTimeout(ms: number): Promise<number> }>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '3 seconds',
  retry: { maximumAttempts: 1 },
});

export async function longActivityWorkflow(ms: number): Promise<number> {
  return outlastHeartbeatTimeout(ms);
}
