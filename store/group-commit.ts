/**
 * Group commit: concurrent writers share one transaction instead of paying for one each. The database's cost of a
 * write is mostly per statement and per commit (a round trip each on PostgreSQL, a WAL write each on PGlite), not per
 * row, so a batch of 50 costs little more than one.
 */

export interface GroupCommitOptions<In, Out> {
  /** Writes several items in one transaction; results in their order. Throws when it wrote nothing. */
  commitMany(items: readonly In[]): Promise<Out[]>;
  /**
   * Writes one item on its own: a batch of one, and each item of a batch that failed, so that an item the database
   * refuses fails only its own caller.
   */
  commitOne(item: In): Promise<Out>;
  /** Items in one transaction at most. */
  maxBatchSize: number;
  /** Transactions at once at most; items that arrive while they are all busy wait and form the next batch. */
  maxConcurrentBatches: number;
}

interface Waiting<In, Out> {
  item: In;
  resolve(out: Out): void;
  reject(err: unknown): void;
}

/**
 * Collects the items submitted in one turn of the event loop (the requests whose bodies arrived together) into a
 * transaction, and while every transaction slot is busy, everything submitted meanwhile into the next: one request
 * alone is written at once, a burst in a few large batches. {@link submit} resolves once its item is committed.
 */
export class GroupCommit<In, Out> {
  private readonly queue: Waiting<In, Out>[] = [];
  private running = 0;
  private scheduled = false;

  constructor(private readonly options: GroupCommitOptions<In, Out>) {}

  /** Resolves to the item's result once its transaction has committed; rejects with its own error. */
  submit(item: In): Promise<Out> {
    return new Promise<Out>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Starts a batch after the current turn of the event loop, when a slot is free. */
  private schedule(): void {
    if (this.scheduled || this.running >= this.options.maxConcurrentBatches || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startBatch();
    });
  }

  private startBatch(): void {
    if (this.running >= this.options.maxConcurrentBatches || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    this.running += 1;
    void this.commit(batch).finally(() => {
      this.running -= 1;
      // What waited for the slot goes at once: it has had its time to gather.
      this.startBatch();
      this.schedule();
    });
    this.schedule();
  }

  private async commit(batch: Waiting<In, Out>[]): Promise<void> {
    if (batch.length > 1) {
      let results: Out[] | undefined;
      try {
        results = await this.options.commitMany(batch.map((waiting) => waiting.item));
      } catch {
        // The batch rolled back: each item again on its own, so that each caller gets its own outcome. (Had the
        // commit gone through with its answer lost, the items are found again, as an idempotent write must find them.)
      }
      if (results !== undefined) {
        batch.forEach((waiting, i) => waiting.resolve(results[i]!));
        return;
      }
    }
    // One after the other, in the order they came: two events of one employee keep their order.
    for (const waiting of batch) {
      try {
        waiting.resolve(await this.options.commitOne(waiting.item));
      } catch (err) {
        waiting.reject(err);
      }
    }
  }
}
