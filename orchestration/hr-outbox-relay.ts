import type { Logger } from 'pino';
import type { Db } from '../store/db';
import { errorMessageWithoutData } from '../store/pg-errors';
import { listUndeliveredHrEvents, markHrEventsDelivered, recordHrEventDeliveryFailure } from '../store/hr-events';
import type { DeliverableHrEvent, HrEventTemporal } from './hr-event-delivery';
import { deliverHrEvent } from './hr-event-delivery';

/** Where the webhook hands what it accepted, so that it can answer without waiting for Temporal. */
export interface HrEventOutbox {
  /** An event whose outbox row (`eventRowId`) is committed: delivered soon, without being read back. */
  accepted(eventRowId: number, event: DeliverableHrEvent): void;
  /**
   * A stored snapshot to hand to its workflow again; it has no outbox row, a failure is left to anti-entropy.
   * Returns false when it was not taken (the relay is stopped, backing off from a Temporal outage, or full).
   */
  redrive(event: DeliverableHrEvent): boolean;
}

export interface HrOutboxRelayOptions {
  db: Db;
  temporal: HrEventTemporal;
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** How often the outbox is looked at for events no process is delivering; default 2 s. */
  intervalMs?: number;
  /** The longest pause after failed deliveries (Temporal down); default 30 s. */
  maxBackoffMs?: number;
  /** Outbox rows read at once; default 100. */
  batchSize?: number;
  /** Deliveries to Temporal at once; default 16. */
  concurrency?: number;
  /**
   * How long an undelivered event is left to the process that accepted it before any relay's poll takes it; default
   * 10 s. Longer than a delivery takes, so that several API processes rarely deliver one event twice.
   */
  claimMs?: number;
  /** Events kept in memory for delivery at most; past it they wait in the outbox for the poll. Default 10,000. */
  maxQueued?: number;
}

/** One delivery: an outbox row (`outboxId`), or a re-drive without one. */
interface Delivery {
  outboxId?: number;
  event: DeliverableHrEvent;
}

/**
 * Hands accepted HR events to Temporal (persist first, deliver after: docs/hr-webhook.md). The webhook commits the
 * event to the outbox, passes it here ({@link accepted}) and answers 202; the relay delivers it within milliseconds,
 * `concurrency` at a time, and marks what was delivered in one statement per batch. A poll every `intervalMs` takes
 * what no process is delivering: events left when a process stopped in between, and failed deliveries. After a
 * failure it backs off (doubling up to `maxBackoffMs`) and keeps the event in the outbox with its error. The first
 * poll after start takes every undelivered event: a process restarted after a crash delivers what it had accepted.
 */
export class HrOutboxRelay implements HrEventOutbox {
  private readonly intervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly claimMs: number;
  private readonly maxQueued: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private backoffMs = 0;
  /** The next poll takes every undelivered event, not only the unclaimed ones (after start, overflow, failure). */
  private pollEverything = true;
  /** Accepted here, waiting for a delivery slot. */
  private readonly queue: Delivery[] = [];
  /** Outbox ids queued, in delivery or delivered but not yet marked: the poll leaves them alone. */
  private readonly pending = new Set<number>();
  private active = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  /** Delivered outbox ids to mark in the next statement, and the flush writing the previous ones. */
  private toMark: number[] = [];
  private marking: Promise<void> | null = null;

  constructor(private readonly options: HrOutboxRelayOptions) {
    this.intervalMs = options.intervalMs ?? 2_000;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.batchSize = options.batchSize ?? 100;
    this.concurrency = options.concurrency ?? 16;
    this.claimMs = options.claimMs ?? 10_000;
    this.maxQueued = options.maxQueued ?? 10_000;
  }

  /** Starts the background loop (idempotent). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.pollEverything = true;
    this.schedule(0);
  }

  accepted(eventRowId: number, event: DeliverableHrEvent): void {
    // Stopped: the row waits in the outbox for the next relay (this process's after a restart, or another's).
    if (this.stopped || this.pending.has(eventRowId)) return;
    // Backing off (Temporal down) or full: the row waits for the poll, which takes every undelivered event next.
    if (this.backoffMs > 0 || this.queue.length >= this.maxQueued) {
      this.pollEverything = true;
      return;
    }
    this.pending.add(eventRowId);
    this.queue.push({ outboxId: eventRowId, event });
    this.pump();
  }

  redrive(event: DeliverableHrEvent): boolean {
    if (this.stopped || this.backoffMs > 0 || this.queue.length >= this.maxQueued) return false;
    this.queue.push({ event });
    this.pump();
    return true;
  }

  /** Looks at the outbox soon instead of at the next tick. */
  kick(): void {
    if (!this.stopped && this.running === null && this.backoffMs === 0) this.schedule(0);
  }

  /**
   * Stops the loop, waits for the deliveries in flight and records them; events still queued stay in the outbox for
   * the next relay.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const left of this.queue.splice(0)) if (left.outboxId !== undefined) this.pending.delete(left.outboxId);
    await this.running;
    await this.idle();
    await this.flushMarks();
  }

  /**
   * Delivers undelivered events until the outbox is empty or a delivery fails, `concurrency` at a time. Returns how
   * many were delivered. Safe to call while the loop runs (events in delivery here are skipped; a second delivery
   * from elsewhere is ignored by the workflow).
   * @throws the first delivery's error when one failed (after the batch it was in settled and was recorded)
   */
  async drain(options: { everything?: boolean } = { everything: true }): Promise<number> {
    const { db } = this.options;
    let delivered = 0;
    let afterId: number | undefined;
    for (;;) {
      const batch = await listUndeliveredHrEvents(db, {
        limit: this.batchSize,
        ...(afterId === undefined ? {} : { afterId }),
        ...(options.everything ? {} : { settledBefore: new Date(Date.now() - this.claimMs) }),
      });
      if (batch.length === 0) break;
      afterId = batch.at(-1)!.id;
      const mine = batch.filter((event) => !this.pending.has(event.id));
      for (const event of mine) this.pending.add(event.id);
      const outcomes = await Promise.all(mine.map((event) => this.deliverInSlot({ outboxId: event.id, event })));
      delivered += outcomes.filter(Boolean).length;
      const failed = outcomes.indexOf(false);
      if (failed >= 0) throw new Error(`HR event ${mine[failed]!.eventId} not delivered`);
      if (batch.length < this.batchSize || this.stopped) break;
    }
    await this.flushMarks();
    return delivered;
  }

  /** Starts deliveries from the queue while slots are free. */
  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      void this.deliverInSlot(next);
    }
  }

  /** Delivers one event in a slot (waiting for one), records the outcome, and resolves to whether it was delivered. */
  private async deliverInSlot(delivery: Delivery): Promise<boolean> {
    while (this.active >= this.concurrency) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.active++;
    try {
      return await this.deliver(delivery);
    } finally {
      this.active--;
      this.slotWaiters.shift()?.();
      if (this.queue.length > 0 && !this.stopped) this.pump();
      if (this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  private async deliver({ outboxId, event }: Delivery): Promise<boolean> {
    const { db, temporal, logger } = this.options;
    const ids = { companyId: event.companyId, eventId: event.eventId };
    try {
      await deliverHrEvent(temporal, event);
    } catch (err) {
      if (outboxId === undefined) {
        logger.warn({ ...ids, employeeId: event.snapshot.id, err }, 're-drive of an unreconciled employee failed');
        return false;
      }
      logger.warn({ ...ids, err }, 'HR event not delivered; left in the outbox for redelivery');
      await recordHrEventDeliveryFailure(db, outboxId, errorMessageWithoutData(err)).catch((recordErr: unknown) =>
        logger.warn({ ...ids, err: recordErr }, 'the failed delivery could not be recorded'),
      );
      this.pending.delete(outboxId);
      this.onFailure();
      return false;
    }
    if (outboxId === undefined) {
      logger.info(
        { companyId: event.companyId, employeeId: event.snapshot.id },
        'HR resent an event of an unreconciled employee: re-driven',
      );
    } else {
      this.toMark.push(outboxId);
      void this.flushMarks();
    }
    return true;
  }

  /**
   * Temporal refused or did not answer: what is queued here is left to the poll, which backs off, so that a Temporal
   * outage costs one failing call per pass instead of one per event.
   */
  private onFailure(): void {
    for (const left of this.queue.splice(0)) if (left.outboxId !== undefined) this.pending.delete(left.outboxId);
    this.pollEverything = true;
    if (this.backoffMs === 0) this.backoffMs = this.intervalMs;
    if (!this.stopped && this.running === null) this.schedule(this.backoffMs);
  }

  /**
   * Marks the delivered ids in one statement, the ones that arrive while it runs in the next. Until marked an id
   * stays pending, so the poll does not deliver it again. A failed mark leaves the events undelivered in the outbox
   * (delivered again later, which the workflow ignores).
   */
  private flushMarks(): Promise<void> {
    if (this.marking) return this.marking;
    if (this.toMark.length === 0) return Promise.resolve();
    this.marking = (async () => {
      // Deliveries that finish in the same turn of the event loop share the statement.
      await new Promise<void>((resolve) => setImmediate(resolve));
      while (this.toMark.length > 0) {
        const ids = this.toMark;
        this.toMark = [];
        try {
          await markHrEventsDelivered(this.options.db, ids);
        } catch (err) {
          this.options.logger.warn({ err, events: ids.length }, 'delivered HR events could not be marked delivered');
        } finally {
          for (const id of ids) this.pending.delete(id);
        }
      }
    })().finally(() => {
      this.marking = null;
    });
    return this.marking;
  }

  private idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
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
    const everything = this.pollEverything;
    this.pollEverything = false;
    try {
      const delivered = await this.drain({ everything });
      if (delivered > 0) this.options.logger.info({ delivered }, 'delivered HR events from the outbox');
      this.backoffMs = 0;
    } catch {
      this.pollEverything = true;
      this.backoffMs = Math.min(this.maxBackoffMs, Math.max(this.intervalMs, this.backoffMs * 2));
    }
  }
}
