import { setTimeout as sleep } from 'node:timers/promises';
import type { JoinerConfig } from '../domain/config';
import { EntraErrorType } from '../domain/entra-errors';
import { EntraError } from '../entra/directory';
import { recordThrottleWait, ThrottleSource } from '../observability/metrics';
import type { Db } from '../store/db';
import { pauseGraphWrites, reserveGraphWrites } from '../store/graph-write-budget';

/** Graph's write budget per app and tenant (docs/entra.md, Throttling): 3,000 writes per 150 s. */
export const graphWriteBudget = { writes: 3000, windowMs: 150_000 } as const;

/**
 * The budget the configuration sets (docs/configuration.md): GRAPH_WRITES_PER_SECOND sustained, so that many times
 * the window's seconds in any window of GRAPH_WRITE_WINDOW_SECONDS.
 */
export function graphWriteBudgetOf(
  config: Pick<JoinerConfig, 'GRAPH_WRITES_PER_SECOND' | 'GRAPH_WRITE_WINDOW_SECONDS'>,
): { writes: number; windowMs: number } {
  const seconds = config.GRAPH_WRITE_WINDOW_SECONDS;
  // The epsilon: a rate such as 100 / 30 times 30 is 99.99999999999999, and the budget it means is 100.
  const writes = Math.floor(config.GRAPH_WRITES_PER_SECOND * seconds + 1e-9);
  return { writes: Math.max(1, writes), windowMs: seconds * 1000 };
}

/**
 * How much longer than the window a reservation counts. A write reaches Graph some time after its slot was reserved,
 * and not always equally late (a process's first write also fetches a token): without the margin, a write sent
 * quickly just as the window slid could reach Graph before an earlier, slower one had left Graph's window, and be
 * answered 429. A second is 0.7 % of Graph's 150-s window.
 */
export const graphWriteWindowMarginMs = 1000;

export interface GraphWritePacerOptions {
  /** The database every worker of the deployment shares: the budget is kept there. */
  db: Db;
  /** Writes allowed per window and tenant; default {@link graphWriteBudget}. */
  writes?: number;
  windowMs?: number;
  /**
   * Longest an activity waits in-process for a write slot. Beyond it the write fails as throttled with the wait as
   * Retry-After, so the worker's slot is released and Temporal reschedules it at the right time.
   */
  maxWaitMs?: number;
  /**
   * Least time between two of this process's reservations for one tenant: writes that come meanwhile wait and are
   * reserved together, so a burst costs one database round trip per this interval, not one per write.
   */
  batchIntervalMs?: number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
  /** When the waiter would rather fail as throttled than wait longer (its enqueue time + maxWaitMs). */
  deadline: number;
  enqueuedAt: number;
  /** Set once a reservation it was part of found the window full. */
  held: boolean;
}

interface TenantPacing {
  waiters: Waiter[];
  /** A reservation loop is running for the tenant in this process. */
  pumping: boolean;
  lastReservationAt: number;
  /** This process's copy of the tenant's pause (from a 429 it saw), so it does not ask the database while paused. */
  pausedUntil: number;
}

/**
 * Spaces Graph writes so every worker of a deployment together stays inside each tenant's write budget, and pauses
 * every write to a tenant when Graph answers 429 (all workers honour one Retry-After).
 *
 * The budget is a window kept in the database (store/graph-write-budget.ts): a write may start while the tenant's
 * writes reserved in the last `windowMs` by every process are fewer than `writes`, so a burst of up to `writes` goes
 * at once and sustained load settles at `writes / windowMs`. The window outlives a restart. Within a process, writes
 * waiting for one tenant are reserved together, at most one reservation every `batchIntervalMs`.
 */
export class GraphWritePacer {
  private readonly db: Db;
  private readonly writes: number;
  private readonly windowMs: number;
  private readonly maxWaitMs: number;
  private readonly batchIntervalMs: number;
  private readonly tenants = new Map<string, TenantPacing>();

  constructor(options: GraphWritePacerOptions) {
    this.db = options.db;
    this.writes = options.writes ?? graphWriteBudget.writes;
    this.windowMs = options.windowMs ?? graphWriteBudget.windowMs;
    this.maxWaitMs = options.maxWaitMs ?? 20_000;
    this.batchIntervalMs = options.batchIntervalMs ?? 10;
  }

  /**
   * Waits for a write slot for the tenant.
   * @throws EntraError `EntraThrottled` with `retryAfterMs` when the slot is further away than `maxWaitMs`
   */
  async acquire(tenantId: string, signal?: AbortSignal): Promise<void> {
    const tenant = this.tenant(tenantId);
    const pausedMs = tenant.pausedUntil - Date.now();
    if (pausedMs > 0) {
      if (pausedMs > this.maxWaitMs) throw budgetExhausted(tenantId, pausedMs);
      recordThrottleWait(ThrottleSource.Pacer, pausedMs / 1000);
      await sleep(pausedMs, undefined, { signal });
    }
    signal?.throwIfAborted();
    const enqueuedAt = Date.now();
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        tenant.waiters = tenant.waiters.filter((w) => w !== waiter);
        reject(asError(signal!.reason));
      };
      const waiter: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
        deadline: enqueuedAt + this.maxWaitMs,
        enqueuedAt,
        held: false,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      tenant.waiters.push(waiter);
      if (!tenant.pumping) void this.pump(tenantId, tenant);
    });
  }

  /**
   * Records a 429 from Graph: no write to this tenant starts before Retry-After has passed, in this process at once
   * and in every other through the database. Failing to record it there only leaves the others to Graph's own 429.
   */
  async throttled(tenantId: string, retryAfterMs: number): Promise<void> {
    const tenant = this.tenant(tenantId);
    tenant.pausedUntil = Math.max(tenant.pausedUntil, Date.now() + retryAfterMs);
    await pauseGraphWrites(this.db, tenantId, retryAfterMs).catch(() => undefined);
  }

  private tenant(tenantId: string): TenantPacing {
    let tenant = this.tenants.get(tenantId);
    if (!tenant) {
      tenant = { waiters: [], pumping: false, lastReservationAt: 0, pausedUntil: 0 };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  /** Reserves slots for the tenant's waiters, oldest first, until none is left. One loop per tenant at a time. */
  private async pump(tenantId: string, tenant: TenantPacing): Promise<void> {
    tenant.pumping = true;
    try {
      while (tenant.waiters.length > 0) {
        const sinceLast = Date.now() - tenant.lastReservationAt;
        if (sinceLast < this.batchIntervalMs) await sleep(this.batchIntervalMs - sinceLast);
        // Those whose activity was cancelled meanwhile have left the queue.
        if (tenant.waiters.length === 0) break;
        const wanted = tenant.waiters.length;
        let grant;
        try {
          grant = await reserveGraphWrites(this.db, {
            tenantId,
            wanted,
            writes: this.writes,
            windowMs: this.windowMs + graphWriteWindowMarginMs,
          });
        } catch (err) {
          // The database is out of reach: these writes fail (Temporal retries them); later ones try again.
          for (const w of tenant.waiters.splice(0)) w.reject(asError(err));
          break;
        } finally {
          tenant.lastReservationAt = Date.now();
        }
        const now = Date.now();
        for (const w of tenant.waiters.splice(0, grant.granted)) {
          if (w.held) recordThrottleWait(ThrottleSource.Pacer, (now - w.enqueuedAt) / 1000);
          w.resolve();
        }
        // All granted: the writes that came during the round trip are reserved next.
        if (grant.granted >= wanted) continue;
        // The window is full (or the tenant paused): whoever would wait past its deadline fails now, as throttled,
        // and Temporal retries it when the next slot is due; the others wait here for it.
        const nextAt = now + grant.retryAfterMs;
        tenant.waiters = tenant.waiters.filter((w) => {
          w.held = true;
          if (w.deadline >= nextAt) return true;
          recordThrottleWait(ThrottleSource.Pacer, grant.retryAfterMs / 1000);
          w.reject(budgetExhausted(tenantId, grant.retryAfterMs));
          return false;
        });
        if (tenant.waiters.length > 0) await sleep(grant.retryAfterMs);
      }
    } finally {
      tenant.pumping = false;
    }
  }
}

function budgetExhausted(tenantId: string, retryAfterMs: number): EntraError {
  return new EntraError(EntraErrorType.Throttled, `Graph write budget of tenant ${tenantId} is exhausted`, {
    retryAfterMs,
  });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
