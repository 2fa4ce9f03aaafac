import { sql } from 'drizzle-orm';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createEntraActivities } from '../../activities/entra-activities';
import { GraphWritePacer, graphWriteBudgetOf } from '../../activities/graph-write-pacer';
import { EntraErrorType } from '../../domain/entra-errors';
import type { EntraDirectory } from '../../entra/directory';
import { EntraError } from '../../entra/directory';
import { selectRows } from '../../store/db';
import { parseConfig } from '../../domain/config';
import { describeEachDatabase } from '../helpers/databases';

/** Settles every promise; resolves to how many were let through and the errors of the others. */
async function outcomes(acquires: Promise<void>[]): Promise<{ through: number; refused: EntraError[] }> {
  const settled = await Promise.allSettled(acquires);
  const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as EntraError] : []));
  return { through: settled.length - refused.length, refused };
}

describe('the budget the configuration sets', () => {
  it('is GRAPH_WRITES_PER_SECOND sustained over Graph’s 150-s window: 3,000 writes by default', () => {
    expect(graphWriteBudgetOf(parseConfig({}))).toEqual({ writes: 3000, windowMs: 150_000 });
    expect(
      graphWriteBudgetOf(parseConfig({ GRAPH_WRITES_PER_SECOND: '2.5', GRAPH_WRITE_WINDOW_SECONDS: '10' })),
    ).toEqual({ writes: 25, windowMs: 10_000 });
  });
});

describeEachDatabase('the Graph write pacer', (getDb) => {
  it('holds one budget across two workers sharing the database, and after a restart', async () => {
    const db = getDb();
    const options = { db, writes: 10, windowMs: 60_000, maxWaitMs: 0 };
    const [a, b] = [new GraphWritePacer(options), new GraphWritePacer(options)];
    const first = await outcomes(
      Array.from({ length: 15 }, (_, i) => (i % 2 === 0 ? a : b).acquire('shared')).concat(
        Array.from({ length: 15 }, () => b.acquire('shared')),
      ),
    );
    expect(first.through).toBe(10);
    for (const err of first.refused) {
      expect(err.type).toBe(EntraErrorType.Throttled);
      // The window (60 s) and its margin, less the time the test took.
      expect(err.details.retryAfterMs).toBeGreaterThan(50_000);
      expect(err.details.retryAfterMs).toBeLessThanOrEqual(61_000);
    }
    // A worker started afterwards (a restart, or a third process) finds the window as full.
    const restarted = new GraphWritePacer(options);
    expect((await outcomes([restarted.acquire('shared')])).through).toBe(0);
  });

  it('lets a burst under the window through at once, reserving the writes together', async () => {
    const db = getDb();
    const pacer = new GraphWritePacer({ db, writes: 3000, windowMs: 150_000, maxWaitMs: 0 });
    const burst = await outcomes(Array.from({ length: 1000 }, () => pacer.acquire('burst')));
    expect(burst).toEqual({ through: 1000, refused: [] });
    const [row] = await selectRows<{ reservations: number; writes: number }>(
      db,
      sql`select count(*)::int as reservations, sum(writes)::int as writes from graph_write_reservations
          where tenant_id = 'burst'`,
    );
    expect(row!.writes).toBe(1000);
    // Writes that wait together share one database round trip.
    expect(row!.reservations).toBeLessThanOrEqual(10);
  });

  it('keeps a write waiting in-process for a slot that frees within maxWaitMs', async () => {
    const db = getDb();
    const pacer = new GraphWritePacer({ db, writes: 2, windowMs: 1_000, maxWaitMs: 10_000 });
    await pacer.acquire('slides');
    await pacer.acquire('slides');
    const start = Date.now();
    await pacer.acquire('slides');
    // Not before the first two have left the window (1 s and its margin).
    expect(Date.now() - start).toBeGreaterThanOrEqual(1_000);
  });

  it('keeps the budgets of two tenants apart', async () => {
    const db = getDb();
    const pacer = new GraphWritePacer({ db, writes: 3, windowMs: 60_000, maxWaitMs: 0 });
    expect((await outcomes(Array.from({ length: 5 }, () => pacer.acquire('tenant-a')))).through).toBe(3);
    expect((await outcomes(Array.from({ length: 3 }, () => pacer.acquire('tenant-b')))).through).toBe(3);
  });

  it("pauses the tenant's writes in every worker for the Retry-After of a 429 one of them saw", async () => {
    const db = getDb();
    const seen = new GraphWritePacer({ db, maxWaitMs: 0 });
    const other = new GraphWritePacer({ db, maxWaitMs: 0 });
    const throttledDirectory = new Proxy({} as EntraDirectory, {
      get: () => () => Promise.reject(new EntraError(EntraErrorType.Throttled, 'slow down', { retryAfterMs: 30_000 })),
    });
    const activities = createEntraActivities(throttledDirectory, {
      resolveTenant: () => Promise.resolve({ tenantId: 'throttled' }),
      pacer: seen,
    });
    const environment = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
    await expect(
      environment.run(activities.revokeEntraSessions, { companyId: 'default', entraObjectId: 'o' }),
    ).rejects.toMatchObject({ type: EntraErrorType.Throttled });

    for (const pacer of [seen, other]) {
      const [err] = (await outcomes([pacer.acquire('throttled')])).refused;
      expect(err?.type).toBe(EntraErrorType.Throttled);
      expect(err?.details.retryAfterMs).toBeGreaterThan(25_000);
      expect(err?.details.retryAfterMs).toBeLessThanOrEqual(30_000);
    }
    // Other tenants write on.
    await expect(other.acquire('not-throttled')).resolves.toBeUndefined();
  });
});
