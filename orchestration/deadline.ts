/** The outcome of {@link waitAtMost}: the work settled in time (with its value), or the deadline came first. */
export type DeadlineOutcome<T> = { settled: true; value: T } | { settled: false };

/**
 * Waits for `work` at most `ms` milliseconds. The work is not cancelled when the deadline passes, it goes on in the
 * background: every caller sends something idempotent (a late signal is ignored by the workflow) and only needs to
 * stop waiting for it. A rejection before the deadline is rethrown; the timer is cleared either way.
 */
export async function waitAtMost<T>(work: Promise<T>, ms: number): Promise<DeadlineOutcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<DeadlineOutcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  try {
    return await Promise.race([work.then((value): DeadlineOutcome<T> => ({ settled: true, value })), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
