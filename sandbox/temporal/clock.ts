/**
 * The server's clock. Every event time comes from here, so in a time-skipping server it is the workflows' clock.
 *
 * Time skipping follows Temporal's own test server: the clock starts locked (the client holds one lock); every
 * scheduled or running workflow task, activity attempt and pending query holds a lock too. While any lock is held,
 * virtual time runs at wall-clock speed; when none is held, the clock jumps straight to the next timer.
 */
export interface ClockTimer {
  /** Stops the timer; calling it again, or after it fired, does nothing. */
  cancel(): void;
}

interface Scheduled {
  at: number;
  seq: number;
  fire: () => void;
  cancelled: boolean;
}

/** Releases a time-skipping lock; idempotent. */
export type ReleaseLock = () => void;

/** The longest delay `setTimeout` honours. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export class VirtualClock {
  private offsetMs = 0;
  /** Locks held by workflow tasks, activity attempts and queries. */
  private internalLocks = 0;
  /**
   * The client's lock count (LockTimeSkipping minus UnlockTimeSkipping). It may go below zero when a test awaits
   * several results at once (each unlocks, then locks again); time may skip while it is zero or less.
   */
  private clientLocks: number;
  private seq = 0;
  private timers: Scheduled[] = [];
  private wakeup: NodeJS.Timeout | undefined;
  private skipPending = false;
  private stopped = false;

  /** @param timeSkipping whether the clock may jump to the next timer when no lock is held */
  constructor(readonly timeSkipping: boolean) {
    this.clientLocks = timeSkipping ? 1 : 0;
  }

  /** Current server time in milliseconds since the epoch. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Runs `fire` once the server time reaches now + delayMs. */
  schedule(delayMs: number, fire: () => void): ClockTimer {
    const entry: Scheduled = { at: this.now() + Math.max(0, delayMs), seq: this.seq++, fire, cancelled: false };
    this.timers.push(entry);
    this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.reschedule();
    return {
      cancel: () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        this.timers = this.timers.filter((t) => t !== entry);
        this.reschedule();
      },
    };
  }

  /** Holds time skipping until the returned function is called. */
  lock(): ReleaseLock {
    this.internalLocks++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.internalLocks--;
      this.reschedule();
    };
  }

  /** The client's LockTimeSkipping call. */
  clientLock(): void {
    this.clientLocks++;
    this.reschedule();
  }

  /** The client's UnlockTimeSkipping call. */
  clientUnlock(): void {
    this.clientLocks--;
    this.reschedule();
  }

  private get locked(): boolean {
    return this.internalLocks > 0 || this.clientLocks > 0;
  }

  /** Stops all timers (the server is closing). */
  stop(): void {
    this.stopped = true;
    this.timers = [];
    if (this.wakeup) clearTimeout(this.wakeup);
  }

  private reschedule(): void {
    if (this.wakeup) clearTimeout(this.wakeup);
    this.wakeup = undefined;
    const next = this.timers[0];
    if (!next || this.stopped) return;
    if (this.timeSkipping && !this.locked) {
      if (this.skipPending) return;
      this.skipPending = true;
      // Yield to the event loop first: work triggered by the previous timer may take a lock.
      setImmediate(() => {
        this.skipPending = false;
        this.skipAhead();
      });
      return;
    }
    // setTimeout cannot wait longer than 2^31-1 ms (~24.8 days; Node fires a longer delay after 1 ms). A far timer
    // wakes the clock early; fireDue fires nothing yet and reschedules.
    this.wakeup = setTimeout(() => this.fireDue(), Math.min(MAX_TIMEOUT_MS, Math.max(0, next.at - this.now())));
    this.wakeup.unref();
  }

  private skipAhead(): void {
    const next = this.timers[0];
    if (!next || this.locked || this.stopped) return this.reschedule();
    const gap = next.at - this.now();
    if (gap > 0) this.offsetMs += gap;
    this.fireDue();
  }

  private fireDue(): void {
    const now = this.now();
    while (this.timers[0] && this.timers[0].at <= now) {
      const timer = this.timers.shift()!;
      if (!timer.cancelled) timer.fire();
    }
    this.reschedule();
  }
}
