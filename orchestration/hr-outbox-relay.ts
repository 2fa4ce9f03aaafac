import type { Logger } from 'pino';
import type { Db } from '../store/db';
import { errorMessageWithoutData } from '../store/pg-errors';
import { listUndeliveredHrEvents, markHrEventDelivered, recordHrEventDeliveryFailure } from '../store/hr-events';
import type { HrEventTemporal } from './hr-event-delivery';
import { deliverHrEvent } from './hr-event-delivery';

export interface HrOutboxRelayOptions {
  db: Db;
  temporal: HrEventTemporal;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** How often the outbox is looked at when nothing kicks it; default 2 s. */
  intervalMs?: number;
  /** The longest pause after failed deliveries (Temporal down); default 30 s. */
  maxBackoffMs?: number;
  batchSize?: number;
}

/**
 * Redelivers accepted HR events that have not reached Temporal (persist first, deliver after: docs/hr-webhook.md). The
 * webhook delivers inline in the common case; the relay catches what was left behind because Temporal was down or
 * the process stopped in between. Oldest first; on a failure it backs off (doubling up to `maxBackoffMs`) and keeps
 * the event in the outbox with its error.
 */
export class HrOutboxRelay {
  private readonly intervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly batchSize: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private backoffMs = 0;

  constructor(private readonly options: HrOutboxRelayOptions) {
    this.intervalMs = options.intervalMs ?? 2_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.batchSize = options.batchSize ?? 100;
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  /** Looks at the outbox soon instead of at the next tick (after an inline delivery failed). */
  kick(): void {
    if (!this.stopped && this.running === null && this.backoffMs === 0) this.schedule(0);
  }

  /** Stops the loop and waits for a pass in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * Delivers undelivered events until the outbox is empty or a delivery fails. Returns how many were delivered.
   * Safe to call while the loop runs (a second pass only redelivers, which the workflow ignores).
   */
  async drain(): Promise<number> {
    const { db, temporal, logger } = this.options;
    let delivered = 0;
    for (;;) {
      const batch = await listUndeliveredHrEvents(db, { limit: this.batchSize });
      if (batch.length === 0) return delivered;
      for (const event of batch) {
        try {
          await deliverHrEvent(temporal, event);
        } catch (err) {
          await recordHrEventDeliveryFailure(db, event.id, errorMessageWithoutData(err));
          logger.warn({ eventId: event.eventId, companyId: event.companyId, err }, 'HR event not delivered');
          throw err;
        }
        await markHrEventDelivered(db, event.id);
        delivered++;
      }
      if (batch.length < this.batchSize) return delivered;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.pass().finally(() => {
        this.running = null;
        this.schedule(this.backoffMs || this.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    try {
      const delivered = await this.drain();
      if (delivered > 0) this.options.logger.info({ delivered }, 'redelivered HR events from the outbox');
      this.backoffMs = 0;
    } catch {
      this.backoffMs = Math.min(this.maxBackoffMs, Math.max(this.intervalMs, this.backoffMs * 2));
    }
  }
}
