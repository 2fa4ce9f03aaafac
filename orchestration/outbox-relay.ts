import type { Logger } from 'pino';
import { errorMessageWithoutData } from '../store/pg-errors';

/**
 * One outbox as {@link OutboxRelay} drives it: rows a request committed in its own transaction, each to be handed to
 * Temporal once. The HR webhook's (orchestration/hr-outbox-relay.ts) and the SCIM writes' (account-events.ts).
 */
export interface Outbox<Entry> {
  /** What one entry is, in log lines (`HR event`, `account signal`). */
  readonly what: string;
  /**
   * Undelivered rows, oldest first (by outbox id), at most `limit`, after `afterId` when set; with `settledBefore`
   * only rows committed before it or whose delivery failed before (what no process is still handing to Temporal).
   */
  listUndelivered(query: {
    limit: number;
    afterId?: number;
    settledBefore?: Date;
  }): Promise<(Entry & { id: number })[]>;
  /** Records in one statement that these rows were delivered (idempotent). */
  markDelivered(ids: number[]): Promise<void>;
  /** Counts a failed attempt and keeps its message; the row stays undelivered. */
  recordFailure(id: number, error: string): Promise<void>;
  /** Hands one entry to Temporal; throws when Temporal did not take it. Sending one twice must be harmless. */
  deliver(entry: Entry): Promise<void>;
  /** Ids for log lines: never personal data. */
  logFields(entry: Entry): Record<string, unknown>;
  /**
   * Entries with the same key (the workflow they go to) are delivered one after the other, in the order they were
   * committed, so that the workflow sees its changes in order.
   */
  orderKey(entry: Entry): string;
}

export interface OutboxRelayOptions {
  logger: Pick<Logger, 'info' | 'warn' | 'debug'>;
  /** How often the outbox is looked at for entries no process is delivering; default 2 s. */
  intervalMs?: number;
  /** The longest pause after failed deliveries (Temporal down); default 30 s. */
  maxBackoffMs?: number;
  /** Outbox rows read at once; default 100. */
  batchSize?: number;
  /** Deliveries to Temporal at once; default 16. */
  concurrency?: number;
  /**
   * How long an undelivered entry is left to the process that committed it before any relay's poll takes it; default
   * 10 s. Longer than a delivery takes, so that several API processes rarely deliver one entry twice.
   */
  claimMs?: number;
  /** Entries kept in memory for delivery at most; past it they wait in the outbox for the poll. Default 10,000. */
  maxQueued?: number;
}

/** One delivery: an outbox row (`outboxId`), or a re-drive without one. */
interface Delivery<Entry> {
  outboxId?: number;
  entry: Entry;
}

/**
 * Hands what requests committed to an outbox to Temporal (persist first, deliver after), so that a request answers
 * without waiting for Temporal and loses nothing when Temporal is down. The request commits its row, passes it here
 * ({@link accepted}) and answers; the relay delivers it within milliseconds, `concurrency` at a time, and marks what
 * was delivered in one statement per batch. A poll every `intervalMs` takes what no process is delivering: rows left
 * when a process stopped in between, and failed deliveries. Entries of one workflow go in the order they were
 * committed ({@link Outbox.orderKey}). After a failure it backs off (doubling up to
 * `maxBackoffMs`) and keeps the row in the outbox with its error. The first poll after start takes every undelivered
 * row: a process restarted after a crash delivers what it had committed.
 */
export class OutboxRelay<Entry> {
  private readonly intervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private readonly claimMs: number;
  private readonly maxQueued: number;
  private readonly logger: OutboxRelayOptions['logger'];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;
  private backoffMs = 0;
  /** The next poll takes every undelivered row, not only the unclaimed ones (after start, overflow, failure). */
  private pollEverything = true;
  /** Accepted here, waiting for a delivery slot. */
  private readonly queue: Delivery<Entry>[] = [];
  /** Outbox ids queued, in delivery or delivered but not yet marked: the poll leaves them alone. */
  private readonly pending = new Set<number>();
  private active = 0;
  /** Deliveries waiting for an earlier one of the same key (see {@link Outbox.orderKey}). */
  private waiting = 0;
  /** The last delivery taken per key, which the next one of that key waits for. */
  private readonly lastOfKey = new Map<string, Promise<boolean>>();
  /** Failed deliveries so far: a delivery that waited behind a failure is left to the poll, to keep the order. */
  private failures = 0;
  private readonly slotWaiters: (() => void)[] = [];
  private readonly idleWaiters: (() => void)[] = [];
  /** Delivered outbox ids to mark in the next statement, and the flush writing the previous ones. */
  private toMark: number[] = [];
  private marking: Promise<void> | null = null;

  constructor(
    private readonly outbox: Outbox<Entry>,
    options: OutboxRelayOptions,
  ) {
    this.logger = options.logger;
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

  /** An entry whose outbox row (`outboxId`) is committed: delivered soon, without being read back. */
  accepted(outboxId: number, entry: Entry): void {
    // Stopped: the row waits in the outbox for the next relay (this process's after a restart, or another's).
    if (this.stopped || this.pending.has(outboxId)) return;
    // Backing off (Temporal down) or full: the row waits for the poll, which takes every undelivered row next.
    if (this.backoffMs > 0 || this.queue.length >= this.maxQueued) {
      this.pollEverything = true;
      return;
    }
    this.pending.add(outboxId);
    this.queue.push({ outboxId, entry });
    this.pump();
  }

  /**
   * An entry to deliver that has no outbox row: a failure is only logged, the caller's own safety net (anti-entropy)
   * makes it good. Returns false when it was not taken (stopped, backing off from a Temporal outage, or full).
   */
  redrive(entry: Entry): boolean {
    if (this.stopped || this.backoffMs > 0 || this.queue.length >= this.maxQueued) return false;
    this.queue.push({ entry });
    this.pump();
    return true;
  }

  /** Looks at the outbox soon instead of at the next tick. */
  kick(): void {
    if (!this.stopped && this.running === null && this.backoffMs === 0) this.schedule(0);
  }

  /**
   * Stops the loop, waits for the deliveries in flight and records them; entries still queued stay in the outbox for
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
   * Delivers undelivered rows until the outbox is empty or a delivery fails, `concurrency` at a time. Returns how
   * many were delivered. Safe to call while the loop runs (rows in delivery here are skipped; a second delivery from
   * elsewhere is harmless).
   * @throws the first delivery's error when one failed (after the batch it was in settled and was recorded)
   */
  async drain(options: { everything?: boolean } = { everything: true }): Promise<number> {
    let delivered = 0;
    let afterId: number | undefined;
    for (;;) {
      const batch = await this.outbox.listUndelivered({
        limit: this.batchSize,
        ...(afterId === undefined ? {} : { afterId }),
        ...(options.everything ? {} : { settledBefore: new Date(Date.now() - this.claimMs) }),
      });
      if (batch.length === 0) break;
      afterId = batch.at(-1)!.id;
      const mine = batch.filter((row) => !this.pending.has(row.id));
      for (const row of mine) this.pending.add(row.id);
      const outcomes = await Promise.all(mine.map((row) => this.deliverInOrder({ outboxId: row.id, entry: row })));
      delivered += outcomes.filter(Boolean).length;
      const failed = outcomes.indexOf(false);
      if (failed >= 0) throw new Error(`${this.outbox.what} ${mine[failed]!.id} not delivered`);
      if (batch.length < this.batchSize || this.stopped) break;
    }
    await this.flushMarks();
    return delivered;
  }

  /** Starts deliveries from the queue while slots are free. */
  private pump(): void {
    while (this.active < this.concurrency && this.queue.length > 0) {
      const next = this.queue.shift()!;
      void this.deliverInOrder(next);
    }
  }

  /**
   * Delivers after the delivery taken before of the same key has settled. When a delivery failed meanwhile, this one
   * is not sent (it stays in the outbox, pending no more): the poll delivers it after the failed one, oldest first.
   */
  private deliverInOrder(delivery: Delivery<Entry>): Promise<boolean> {
    const key = this.outbox.orderKey(delivery.entry);
    const before = this.lastOfKey.get(key);
    let mine: Promise<boolean>;
    if (before === undefined) {
      mine = this.deliverInSlot(delivery);
    } else {
      const failuresBefore = this.failures;
      this.waiting++;
      const run = (): Promise<boolean> => {
        this.waiting--;
        if (this.failures === failuresBefore) return this.deliverInSlot(delivery);
        if (delivery.outboxId !== undefined) this.pending.delete(delivery.outboxId);
        this.wakeIdle();
        return Promise.resolve(false);
      };
      mine = before.then(run, run);
    }
    this.lastOfKey.set(key, mine);
    const forget = () => {
      if (this.lastOfKey.get(key) === mine) this.lastOfKey.delete(key);
    };
    mine.then(forget, forget);
    return mine;
  }

  /** Delivers one entry in a slot (waiting for one), records the outcome, and resolves to whether it was delivered. */
  private async deliverInSlot(delivery: Delivery<Entry>): Promise<boolean> {
    while (this.active >= this.concurrency) await new Promise<void>((resolve) => this.slotWaiters.push(resolve));
    this.active++;
    try {
      return await this.deliver(delivery);
    } finally {
      this.active--;
      this.slotWaiters.shift()?.();
      if (this.queue.length > 0 && !this.stopped) this.pump();
      this.wakeIdle();
    }
  }

  private wakeIdle(): void {
    if (this.active === 0 && this.waiting === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async deliver({ outboxId, entry }: Delivery<Entry>): Promise<boolean> {
    const { outbox, logger } = this;
    const ids = outbox.logFields(entry);
    try {
      await outbox.deliver(entry);
    } catch (err) {
      this.failures++;
      if (outboxId === undefined) {
        logger.warn({ ...ids, err }, `re-drive of ${outbox.what} failed`);
        return false;
      }
      logger.warn({ ...ids, err }, `${outbox.what} not delivered to Temporal; left in the outbox for redelivery`);
      await outbox
        .recordFailure(outboxId, errorMessageWithoutData(err))
        .catch((recordErr: unknown) =>
          logger.warn({ ...ids, err: recordErr }, 'the failed delivery could not be recorded'),
        );
      this.pending.delete(outboxId);
      this.onFailure();
      return false;
    }
    if (outboxId === undefined) {
      logger.info(ids, `${outbox.what} re-driven`);
    } else {
      this.toMark.push(outboxId);
      void this.flushMarks();
    }
    return true;
  }

  /**
   * Temporal refused or did not answer: what is queued here is left to the poll, which backs off, so that a Temporal
   * outage costs one failing call per pass instead of one per entry.
   */
  private onFailure(): void {
    for (const left of this.queue.splice(0)) if (left.outboxId !== undefined) this.pending.delete(left.outboxId);
    this.pollEverything = true;
    if (this.backoffMs === 0) this.backoffMs = this.intervalMs;
    if (!this.stopped && this.running === null) this.schedule(this.backoffMs);
  }

  /**
   * Marks the delivered ids in one statement, the ones that arrive while it runs in the next. Until marked an id
   * stays pending, so the poll does not deliver it again. A failed mark leaves the rows undelivered in the outbox
   * (delivered again later, which is harmless).
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
          await this.outbox.markDelivered(ids);
        } catch (err) {
          this.logger.warn({ err, rows: ids.length }, `delivered ${this.outbox.what}s could not be marked delivered`);
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
    if (this.active === 0 && this.waiting === 0) return Promise.resolve();
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
      if (delivered > 0) this.logger.info({ delivered }, `delivered ${this.outbox.what}s from the outbox`);
      this.backoffMs = 0;
    } catch {
      this.pollEverything = true;
      this.backoffMs = Math.min(this.maxBackoffMs, Math.max(this.intervalMs, this.backoffMs * 2));
    }
  }
}
