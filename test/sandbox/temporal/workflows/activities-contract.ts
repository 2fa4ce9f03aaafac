/** The activities the conformance workflows call; each test file implements the ones it needs. */
export interface ConformanceActivities {
  greet(name: string): Promise<string>;
  /** Fails until its `succeedOnAttempt`; returns the attempt that succeeded. */
  flaky(succeedOnAttempt: number, errorType?: string): Promise<number>;
  /** Fails once with a `nextRetryDelay` of `delayMs`, then succeeds. */
  throttled(delayMs: number): Promise<string>;
  /** Runs until cancelled (heartbeating every `heartbeatEveryMs` when above 0), or for `runForMs`. */
  linger(runForMs: number, heartbeatEveryMs: number): Promise<string>;
  /** Records that it ran and returns how many times it has run (a local activity). */
  countCall(key: string): Promise<number>;
  /** Completes later, from outside the worker (async completion by workflow id and activity id). */
  completeLater(): Promise<string>;
}
