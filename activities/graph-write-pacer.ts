import { setTimeout as sleep } from 'node:timers/promises';
import { EntraErrorType } from '../domain/entra-errors';
import { EntraError } from '../entra/directory';
import { recordThrottleWait, ThrottleSource } from '../observability/metrics';

/** Graph's write budget per app and tenant (docs/entra.md, Throttling): 3,000 writes per 150 s. */
export const graphWriteBudget = { writes: 3000, windowMs: 150_000 } as const;

export interface GraphWritePacerOptions {
  /** Writes allowed per window and tenant; default {@link graphWriteBudget}. */
  writes?: number;
  windowMs?: number;
  /**
   * Longest an activity waits in-process for a write slot. Beyond it the write fails as throttled with the wait as
   * Retry-After, so the worker's slot is released and Temporal reschedules it at the right time.
   */
  maxWaitMs?: number;
  now?: () => number;
}

/**
 * Spaces Graph writes so one worker stays inside the tenant's write budget instead of provoking 429 storms, and
 * pauses every write to a tenant when Graph answers 429 (all concurrent activities honour one Retry-After).
 *
 * A sliding-window log of reserved slots per tenant: a write may start once fewer than `writes` writes started in
 * the last `windowMs`. Budgets are per worker process; with several workers Graph's own 429 remains the authority.
 */
export class GraphWritePacer {
  private readonly writes: number;
  private readonly windowMs: number;
  private readonly maxWaitMs: number;
  private readonly now: () => number;
  private readonly slots = new Map<string, number[]>();
  private readonly pausedUntil = new Map<string, number>();

  constructor(options: GraphWritePacerOptions = {}) {
    this.writes = options.writes ?? graphWriteBudget.writes;
    this.windowMs = options.windowMs ?? graphWriteBudget.windowMs;
    this.maxWaitMs = options.maxWaitMs ?? 20_000;
    this.now = options.now ?? Date.now;
  }

  /**
   * Waits for a write slot for the tenant.
   * @throws EntraError `EntraThrottled` with `retryAfterMs` when the slot is further away than `maxWaitMs`
   */
  async acquire(tenantId: string, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    const log = this.prunedLog(tenantId, now);
    const windowFull = log.length >= this.writes;
    const budgetSlot = windowFull ? log[log.length - this.writes]! + this.windowMs : now;
    const slot = Math.max(now, budgetSlot, this.pausedUntil.get(tenantId) ?? 0);
    const waitMs = slot - now;
    if (waitMs > this.maxWaitMs) {
      throw new EntraError(EntraErrorType.Throttled, `Graph write budget of tenant ${tenantId} is exhausted`, {
        retryAfterMs: waitMs,
      });
    }
    log.push(slot);
    if (waitMs > 0) {
      recordThrottleWait(ThrottleSource.Pacer, waitMs / 1000);
      await sleep(waitMs, undefined, { signal });
    }
  }

  /** Records a 429 from Graph: no write to this tenant starts before Retry-After has passed. */
  throttled(tenantId: string, retryAfterMs: number): void {
    const until = this.now() + retryAfterMs;
    if (until > (this.pausedUntil.get(tenantId) ?? 0)) this.pausedUntil.set(tenantId, until);
  }

  private prunedLog(tenantId: string, now: number): number[] {
    let log = this.slots.get(tenantId);
    if (!log) {
      log = [];
      this.slots.set(tenantId, log);
    }
    const horizon = now - this.windowMs;
    let expired = 0;
    while (expired < log.length && log[expired]! <= horizon) expired++;
    if (expired > 0) log.splice(0, expired);
    return log;
  }
}
