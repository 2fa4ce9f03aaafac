/** The outcome of {@link waitAtMost}: the work settled in time (with its value), or the deadline came first. */
export type DeadlineOutcome<T> = { settled: true; value: T } | { settled: false };

/**
 * Temporal calls that their caller stopped waiting for but that are still running (a webhook answers its HR system
 * after a short wait, the call goes on). A Temporal `Connection` must outlive every one of them: the client's gRPC
 * retry interceptor schedules each retry on a timer, and a retry whose timer fires after `connection.close()` throws
 * "Channel has been shut down" from that timer, an uncaught exception that kills the process (or, under jest, fails
 * whichever test file runs next in the worker). So whoever closes the connection awaits {@link settled} first, and
 * every call left running carries a gRPC deadline of its own so that this wait is bounded.
 */
export class CallsInFlight {
  private readonly running = new Set<Promise<void>>();

  /**
   * Waits for `work` at most `ms` milliseconds. The work is not cancelled when the deadline passes, it goes on in the
   * background (every caller sends something idempotent, a late signal is ignored by the workflow) and is tracked
   * until it settles. A rejection before the deadline is rethrown; the timer is cleared either way.
   */
  async waitAtMost<T>(work: Promise<T>, ms: number): Promise<DeadlineOutcome<T>> {
    const done: Promise<void> = work.then(
      () => undefined,
      () => undefined,
    );
    this.running.add(done);
    void done.then(() => this.running.delete(done));
    return waitAtMost(work, ms);
  }

  /** Resolves once no tracked call is running (calls tracked while it waits are waited for too). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }
}

/**
 * Waits for `work` at most `ms` milliseconds, without cancelling or tracking it (see {@link CallsInFlight.waitAtMost}
 * for work that must end before a connection closes). A rejection before the deadline is rethrown; the timer is
 * cleared either way.
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

/** gRPC's DEADLINE_EXCEEDED status code. */
const deadlineExceeded = 4;

/** Whether a Temporal client call failed because its gRPC deadline passed (the SDK wraps the gRPC error as `cause`). */
export function isDeadlineExceeded(err: unknown): boolean {
  for (let e: unknown = err; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    if ((e as { code?: unknown }).code === deadlineExceeded) return true;
  }
  return false;
}
