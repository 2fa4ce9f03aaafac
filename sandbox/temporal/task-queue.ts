/**
 * Task queues with long polls. A task waits in its queue until a poller takes it; a poll waits until a task arrives,
 * its long-poll window ends (an empty answer means "no task"), or the caller cancels the call — which is how worker
 * shutdown stays fast.
 */

/** A task offered to pollers; `claim` returns false when the task became stale while it waited (skipped). */
export interface QueuedTask<C, R> {
  claim(poller: C): R | undefined;
}

interface Poller<C, R> {
  context: C;
  resolve(result: R | undefined): void;
}

/** How long a poll waits for a task before answering "no task" (the SDK's deadline is about 70 s). */
export const LONG_POLL_MS = 55_000;

/** A task queue whose pollers describe themselves with a `C` (for example their identity) and receive an `R`. */
export class TaskQueue<C, R> {
  private tasks: QueuedTask<C, R>[] = [];
  private pollers: Poller<C, R>[] = [];

  /** Number of tasks waiting for a poller (stale ones included until a poll skips them). */
  get backlog(): number {
    return this.tasks.length;
  }

  /** Offers a task: the longest-waiting poller gets it, else it waits in the queue. */
  push(task: QueuedTask<C, R>): void {
    if (this.pollers.length > 0) {
      const poller = this.pollers[0]!;
      const result = task.claim(poller.context);
      if (result !== undefined) {
        this.pollers.shift();
        poller.resolve(result);
      }
      return;
    }
    this.tasks.push(task);
  }

  /** Waits for a task; resolves undefined when the window ends or `signal` aborts. */
  poll(context: C, signal: AbortSignal, windowMs = LONG_POLL_MS): Promise<R | undefined> {
    while (this.tasks.length > 0) {
      const result = this.tasks.shift()!.claim(context);
      if (result !== undefined) return Promise.resolve(result);
    }
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const poller: Poller<C, R> = {
        context,
        resolve: (result) => {
          clearTimeout(timer);
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
      };
      const onAbort = () => {
        this.pollers = this.pollers.filter((p) => p !== poller);
        poller.resolve(undefined);
      };
      const timer = setTimeout(onAbort, windowMs);
      signal.addEventListener('abort', onAbort);
      this.pollers.push(poller);
    });
  }

  /** Answers every waiting poll with "no task" (the server is closing). */
  drain(): void {
    const pollers = this.pollers;
    this.pollers = [];
    for (const p of pollers) p.resolve(undefined);
  }
}
