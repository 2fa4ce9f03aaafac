/** Workflows the sandbox conformance suite runs with the real SDK. */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  isCancellation,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  TimeoutFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { ConformanceActivities } from './activities-contract';

export const proceedSignal = defineSignal('proceed');
export const addSignal = defineSignal<[string]>('add');
export const finishSignal = defineSignal('finish');
export const itemsQuery = defineQuery<string[]>('items');
export const phaseQuery = defineQuery<string>('phase');

const quick = proxyActivities<ConformanceActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '50ms', maximumAttempts: 5 },
});

/** start → activity → timer → signal → complete (also the benchmark's workflow). */
export async function greetingWorkflow(name: string): Promise<string> {
  let proceed = false;
  setHandler(proceedSignal, () => void (proceed = true));
  const greeting = await quick.greet(name);
  await sleep('1s');
  await condition(() => proceed);
  return greeting;
}

/** Calls an activity that fails until `succeedOnAttempt`, with the given retry policy. */
export async function retryWorkflow(
  succeedOnAttempt: number,
  retry: { initialIntervalMs: number; backoffCoefficient: number; maximumAttempts: number; nonRetryable?: string[] },
  errorType?: string,
): Promise<number> {
  const { flaky } = proxyActivities<ConformanceActivities>({
    startToCloseTimeout: '10s',
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumAttempts: retry.maximumAttempts,
      nonRetryableErrorTypes: retry.nonRetryable,
    },
  });
  return await flaky(succeedOnAttempt, errorType);
}

/** Returns how much workflow time the throttled activity took (it asks for a `nextRetryDelay`). */
export async function throttledWorkflow(delayMs: number): Promise<number> {
  const { throttled } = proxyActivities<ConformanceActivities>({ startToCloseTimeout: '10s' });
  const before = Date.now();
  await throttled(delayMs);
  return Date.now() - before;
}

/** Runs `linger` with the given timeouts; returns the failure's description (or the result). */
export async function timeoutWorkflow(options: {
  runForMs: number;
  heartbeatEveryMs: number;
  startToCloseMs?: number;
  scheduleToCloseMs?: number;
  heartbeatTimeoutMs?: number;
  maximumAttempts: number;
}): Promise<string> {
  const { linger } = proxyActivities<ConformanceActivities>({
    startToCloseTimeout: options.startToCloseMs,
    scheduleToCloseTimeout: options.scheduleToCloseMs,
    heartbeatTimeout: options.heartbeatTimeoutMs,
    retry: { maximumAttempts: options.maximumAttempts, initialInterval: '10ms' },
  });
  try {
    return await linger(options.runForMs, options.heartbeatEveryMs);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) return `unexpected: ${String(err)}`;
    const failure = err;
    const cause = failure.cause;
    const timeoutType = cause instanceof TimeoutFailure ? ` ${cause.timeoutType}` : '';
    return `${failure.name}: ${cause?.name ?? ''}${timeoutType}`;
  }
}

/** Starts a heartbeating activity and cancels it after `cancelAfterMs`; waits for the cancellation to complete. */
export async function cancelActivityWorkflow(cancelAfterMs: number): Promise<string> {
  const { linger } = proxyActivities<ConformanceActivities>({
    startToCloseTimeout: '1m',
    heartbeatTimeout: '1s',
    cancellationType: 'WAIT_CANCELLATION_COMPLETED',
  });
  const scope = new CancellationScope();
  const running = scope.run(() => linger(60_000, 50));
  await sleep(cancelAfterMs);
  scope.cancel();
  try {
    return await running;
  } catch (err) {
    return isCancellation(err) ? 'activity cancelled' : `unexpected: ${String(err)}`;
  }
}

/** Starts a long timer, cancels it, then sleeps briefly: finishes long before the cancelled timer would fire. */
export async function timerCancelWorkflow(): Promise<string> {
  const scope = new CancellationScope();
  const timer = scope.run(() => sleep('1 day'));
  await sleep('1s');
  scope.cancel();
  try {
    await timer;
    return 'timer fired';
  } catch (err) {
    return isCancellation(err) ? 'timer cancelled' : `unexpected: ${String(err)}`;
  }
}

/** Collects `add` signals until `count` arrived; `items` queries them. */
export async function collectorWorkflow(count: number): Promise<string[]> {
  const items: string[] = [];
  setHandler(addSignal, (item) => void items.push(item));
  setHandler(itemsQuery, () => items);
  await condition(() => items.length >= count);
  return items;
}

/** Collects `add` signals, calling an activity for each batch, until `finish`; exercises in-flight buffering. */
export async function busyCollectorWorkflow(): Promise<string[]> {
  const items: string[] = [];
  let finished = false;
  setHandler(addSignal, (item) => void items.push(item));
  setHandler(finishSignal, () => void (finished = true));
  setHandler(itemsQuery, () => items);
  while (!finished) {
    await quick.greet(String(items.length));
    await condition(() => finished || items.length > 0, '100ms');
  }
  return items;
}

/** Continues as new until `remaining` reaches 0, adding up the runs. */
export async function continueAsNewWorkflow(remaining: number, total = 0): Promise<number> {
  if (remaining > 0) await continueAsNew<typeof continueAsNewWorkflow>(remaining - 1, total + 1);
  return total;
}

/** Waits for `finish` (or is cancelled/terminated); `phase` reports its state. */
export async function waitingWorkflow(): Promise<string> {
  let phase = 'waiting';
  setHandler(phaseQuery, () => phase);
  setHandler(finishSignal, () => void (phase = 'finished'));
  await condition(() => phase === 'finished');
  return phase;
}

/** Fails with a non-retryable application failure. */
export async function failingWorkflow(message: string): Promise<never> {
  await sleep(10);
  throw ApplicationFailure.nonRetryable(message, 'ConformanceError', { reason: 'test' });
}

/** Calls a local activity twice and takes a patched branch. */
export async function localActivityWorkflow(key: string): Promise<string> {
  const { countCall } = proxyLocalActivities<ConformanceActivities>({ startToCloseTimeout: '5s' });
  const first = await countCall(key);
  const second = await countCall(key);
  const branch = patched('new-branch') ? 'patched' : 'original';
  return `${first},${second},${branch}`;
}

/** Upserts search attributes, then waits for `finish`. */
export async function searchableWorkflow(companyId: string, phase: string): Promise<string> {
  upsertSearchAttributes({ CompanyId: [companyId], LifecyclePhase: [phase] });
  let finished = false;
  setHandler(finishSignal, () => void (finished = true));
  await condition(() => finished);
  return 'done';
}

/** Sleeps `duration` of workflow time and returns the workflow time that passed. */
export async function sleepingWorkflow(durationMs: number): Promise<number> {
  const before = Date.now();
  await sleep(durationMs);
  return Date.now() - before;
}

/** Waits for an activity that a client completes by id. */
export async function asyncCompletionWorkflow(): Promise<string> {
  const { completeLater } = proxyActivities<ConformanceActivities>({
    activityId: 'completed-elsewhere',
    startToCloseTimeout: '1 day',
  });
  return await completeLater();
}
