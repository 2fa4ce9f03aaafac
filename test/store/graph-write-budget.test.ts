import { sql } from 'drizzle-orm';
import { selectRows } from '../../store/db';
import { pauseGraphWrites, reserveGraphWrites } from '../../store/graph-write-budget';
import { describeEachDatabase } from '../helpers/databases';

const t0 = Date.parse('2026-12-04T12:00:00.000Z');
const at = (ms: number) => new Date(t0 + ms);
const budget = { writes: 5, windowMs: 10_000 };

describeEachDatabase('the Graph write budget', (getDb) => {
  it('grants what the window has room for and says when the oldest reservation leaves it', async () => {
    const db = getDb();
    const tenantId = 'window';
    expect(await reserveGraphWrites(db, { tenantId, wanted: 3, ...budget, at: at(0) })).toEqual({
      granted: 3,
      retryAfterMs: 0,
    });
    expect(await reserveGraphWrites(db, { tenantId, wanted: 4, ...budget, at: at(1_000) })).toEqual({
      granted: 2,
      retryAfterMs: 9_000,
    });
    // The first three leave the window at 10 s exactly, the next two at 11 s.
    expect(await reserveGraphWrites(db, { tenantId, wanted: 4, ...budget, at: at(9_999) })).toEqual({
      granted: 0,
      retryAfterMs: 1,
    });
    expect(await reserveGraphWrites(db, { tenantId, wanted: 4, ...budget, at: at(10_000) })).toEqual({
      granted: 3,
      retryAfterMs: 1_000,
    });
  });

  it('keeps only the reservations still in the window', async () => {
    const db = getDb();
    const tenantId = 'housekeeping';
    for (let i = 0; i < 5; i++) await reserveGraphWrites(db, { tenantId, wanted: 1, ...budget, at: at(i * 4_000) });
    const rows = await selectRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from graph_write_reservations where tenant_id = ${tenantId}`,
    );
    // At 16 s, the reservations of 0 s and 4 s have left the window of 10 s.
    expect(rows[0]!.n).toBe(3);
  });

  it('holds the budget for concurrent reservations from many connections', async () => {
    const db = getDb();
    const tenantId = 'concurrent';
    const grants = await Promise.all(
      Array.from({ length: 40 }, () => reserveGraphWrites(db, { tenantId, wanted: 1, writes: 25, windowMs: 60_000 })),
    );
    expect(grants.reduce((sum, g) => sum + g.granted, 0)).toBe(25);
    for (const refused of grants.filter((g) => g.granted === 0)) {
      expect(refused.retryAfterMs).toBeGreaterThan(55_000);
      expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  it("pauses a tenant's writes until a 429's Retry-After has passed, and a shorter one does not cut it", async () => {
    const db = getDb();
    const tenantId = 'paused';
    await pauseGraphWrites(db, tenantId, 30_000, at(0));
    await pauseGraphWrites(db, tenantId, 5_000, at(1_000));
    expect(await reserveGraphWrites(db, { tenantId, wanted: 1, ...budget, at: at(10_000) })).toEqual({
      granted: 0,
      retryAfterMs: 20_000,
    });
    expect(await reserveGraphWrites(db, { tenantId, wanted: 1, ...budget, at: at(30_000) })).toEqual({
      granted: 1,
      retryAfterMs: 0,
    });
  });

  it('keeps one budget per tenant', async () => {
    const db = getDb();
    await reserveGraphWrites(db, { tenantId: 'busy', wanted: 5, ...budget, at: at(0) });
    await pauseGraphWrites(db, 'busy', 60_000, at(0));
    expect(await reserveGraphWrites(db, { tenantId: 'idle', wanted: 5, ...budget, at: at(1) })).toEqual({
      granted: 5,
      retryAfterMs: 0,
    });
  });
});
