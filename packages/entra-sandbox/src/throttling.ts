import type { TenantSize } from './state';

/**
 * Graph's identity-and-access throttling limits (learn.microsoft.com/graph/throttling-limits): per app and tenant,
 * resource units per 10 s by tenant size and 3,000 writes per 150 s; per tenant across apps, 18,000 writes per 5 min.
 */
export interface ThrottleLimits {
  resourceUnitsPerWindow: Record<TenantSize, number>;
  resourceUnitWindowMs: number;
  appWritesPerWindow: number;
  appWriteWindowMs: number;
  tenantWritesPerWindow: number;
  tenantWriteWindowMs: number;
}

export const graphThrottleLimits: ThrottleLimits = {
  resourceUnitsPerWindow: { small: 3500, medium: 5000, large: 8000 },
  resourceUnitWindowMs: 10_000,
  appWritesPerWindow: 3000,
  appWriteWindowMs: 150_000,
  tenantWritesPerWindow: 18_000,
  tenantWriteWindowMs: 300_000,
};

/** Some limits to change; `resourceUnitsPerWindow` may name only some sizes. */
export type ThrottleLimitsPatch = Partial<Omit<ThrottleLimits, 'resourceUnitsPerWindow'>> & {
  resourceUnitsPerWindow?: Partial<Record<TenantSize, number>>;
};

/** The limits with a patch applied (a new object; `base` is not changed). */
export function mergeLimits(base: ThrottleLimits, patch: ThrottleLimitsPatch): ThrottleLimits {
  const { resourceUnitsPerWindow, ...rest } = patch;
  return {
    ...base,
    ...rest,
    resourceUnitsPerWindow: { ...base.resourceUnitsPerWindow, ...resourceUnitsPerWindow },
  };
}

/** What one request costs: resource units, and 1 write for a write. */
export interface RequestCost {
  resourceUnits: number;
  writes: number;
}

export type ThrottleDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; retryAfterSeconds: number; headers: Record<string, string> };

interface Entry {
  at: number;
  amount: number;
}

/** A sliding window of amounts spent; `retryAfterMs` is exact (when enough old entries leave the window). */
class SlidingWindow {
  private entries: Entry[] = [];
  private total = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  private prune(now: number): void {
    while (this.entries.length > 0 && this.entries[0]!.at <= now - this.windowMs) {
      this.total -= this.entries.shift()!.amount;
    }
  }

  used(now: number): number {
    this.prune(now);
    return this.total;
  }

  /** 0 when `amount` fits now, else the wait until it fits. */
  retryAfterMs(now: number, amount: number): number {
    this.prune(now);
    if (amount === 0 || this.total + amount <= this.limit) return 0;
    let excess = this.total + amount - this.limit;
    for (const entry of this.entries) {
      excess -= entry.amount;
      if (excess <= 0) return entry.at + this.windowMs - now;
    }
    return this.windowMs;
  }

  add(now: number, amount: number): void {
    if (amount <= 0) return;
    this.entries.push({ at: now, amount });
    this.total += amount;
  }
}

/**
 * Enforces the budgets per app and tenant (and per tenant for writes). A refused request costs nothing, as with
 * Graph, where a 429 is not charged against the budget it exceeded.
 */
export class ThrottleBudget {
  private windows = new Map<string, SlidingWindow>();

  constructor(
    public limits: ThrottleLimits,
    public enabled = true,
  ) {}

  private window(key: string, limit: number, windowMs: number): SlidingWindow {
    let window = this.windows.get(key);
    if (!window || window.limit !== limit || window.windowMs !== windowMs) {
      window = new SlidingWindow(limit, windowMs);
      this.windows.set(key, window);
    }
    return window;
  }

  /** Forgets all spending (control API reset). */
  reset(): void {
    this.windows.clear();
  }

  /** Charges `cost` to the app and tenant, or says how long to wait. */
  charge(tenantId: string, appId: string, size: TenantSize, cost: RequestCost, now = Date.now()): ThrottleDecision {
    const headers: Record<string, string> = { 'x-ms-resource-unit': String(cost.resourceUnits) };
    if (!this.enabled) return { allowed: true, headers };
    const { limits } = this;
    const units = this.window(
      `ru/${appId}/${tenantId}`,
      limits.resourceUnitsPerWindow[size],
      limits.resourceUnitWindowMs,
    );
    const appWrites = this.window(`w/${appId}/${tenantId}`, limits.appWritesPerWindow, limits.appWriteWindowMs);
    const tenantWrites = this.window(`tw/${tenantId}`, limits.tenantWritesPerWindow, limits.tenantWriteWindowMs);

    const checks = [
      {
        window: units,
        amount: cost.resourceUnits,
        scope: `Tenant_Application/ReadWrite/${appId}/${tenantId}`,
        info: 'ResourceUnitLimitExceeded',
      },
      {
        window: appWrites,
        amount: cost.writes,
        scope: `Tenant_Application/ReadWrite/${appId}/${tenantId}`,
        info: 'WriteLimitExceeded',
      },
      { window: tenantWrites, amount: cost.writes, scope: `Tenant/ReadWrite/${tenantId}`, info: 'WriteLimitExceeded' },
    ];
    let worst: (typeof checks)[number] | undefined;
    let waitMs = 0;
    for (const check of checks) {
      const wait = check.window.retryAfterMs(now, check.amount);
      if (wait > waitMs) {
        waitMs = wait;
        worst = check;
      }
    }
    if (worst) {
      const retryAfterSeconds = Math.max(0.001, Math.ceil(waitMs) / 1000);
      headers['retry-after'] = String(retryAfterSeconds);
      headers['x-ms-throttle-scope'] = worst.scope;
      headers['x-ms-throttle-information'] = worst.info;
      headers['x-ms-throttle-limit-percentage'] = ratio(worst.window.used(now) + worst.amount, worst.window.limit);
      return { allowed: false, retryAfterSeconds, headers };
    }
    let highest = 0;
    for (const check of checks) {
      check.window.add(now, check.amount);
      highest = Math.max(highest, check.window.used(now) / check.window.limit);
    }
    // Graph sends the usage ratio only once an app has used more than 80% of a limit.
    if (highest > 0.8) headers['x-ms-throttle-limit-percentage'] = highest.toFixed(2);
    return { allowed: true, headers };
  }
}

function ratio(used: number, limit: number): string {
  return Math.min(1.8, used / limit).toFixed(2);
}
