/** The benchmark's workflow: start → activity → timer → signal → complete. */
import { condition, defineSignal, proxyActivities, setHandler, sleep } from '@temporalio/workflow';

export const proceedSignal = defineSignal('proceed');

const { touch } = proxyActivities<{ touch(n: number): Promise<number> }>({ startToCloseTimeout: '10s' });

export async function benchWorkflow(n: number, timerMs: number): Promise<number> {
  let proceed = false;
  setHandler(proceedSignal, () => void (proceed = true));
  const result = await touch(n);
  await sleep(timerMs);
  await condition(() => proceed);
  return result;
}
