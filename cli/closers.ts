/** What a Joiner process stops at shutdown, and how: last started, first stopped. */
import type { Logger } from 'pino';

/** Something to stop at shutdown, last started first stopped; `what` names it in the log line when it hangs. */
export interface Closer {
  what: string;
  close: () => Promise<void>;
}

/** What a shutdown is waiting for: the closer running now. */
export interface ClosingProgress {
  current: string | null;
}

/** Stops every closer, last pushed first; a failure is logged and the rest still stop. */
export async function closeAll(closers: Closer[], logger: Logger, progress: ClosingProgress): Promise<void> {
  for (const closer of closers.splice(0).reverse()) {
    progress.current = closer.what;
    await closer
      .close()
      .catch((err: unknown) => logger.warn({ err, what: closer.what }, 'stopping failed; going on with the rest'));
  }
  progress.current = null;
}
