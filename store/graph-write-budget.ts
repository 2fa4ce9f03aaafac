/**
 * Graph's write budget per tenant, shared by every process on the database (activities/graph-write-pacer.ts paces
 * with it): the writes reserved in the window in `graph_write_reservations`, and the pause a 429 asks for in
 * `graph_write_pauses`. Times are the database's clock, so workers on machines whose clocks differ still agree.
 */
import { sql } from 'drizzle-orm';
import type { Db } from './db';
import { selectRows } from './db';
import { graphWritePauses } from './schema';

export interface GraphWriteReservation {
  tenantId: string;
  /** Writes the caller has waiting; at least 1. */
  wanted: number;
  /** Writes allowed per window. */
  writes: number;
  /** How long a reservation counts against the budget (the window, plus the caller's safety margin). */
  windowMs: number;
  /** The time of the reservation instead of the database's clock (tests only). */
  at?: Date;
}

/** What a reservation got: `granted` writes (at most `wanted`), and when fewer, how long until the next fits. */
export interface GrantedGraphWrites {
  granted: number;
  /** Milliseconds until the next write may start; 0 when all wanted writes were granted. */
  retryAfterMs: number;
}

/**
 * Reserves up to `wanted` writes in one round trip: as many as the tenant's window has room for now, counted against
 * every process's reservations (`joiner_reserve_graph_writes`, migration 0008, serialised per tenant).
 */
export async function reserveGraphWrites(db: Db, reservation: GraphWriteReservation): Promise<GrantedGraphWrites> {
  const { tenantId, wanted, writes, windowMs, at } = reservation;
  const [row] = await selectRows<{ granted: number; retry_after_ms: number }>(
    db,
    sql`select granted, retry_after_ms from joiner_reserve_graph_writes(${tenantId}, ${wanted}::integer, ${writes}::integer, ${Math.ceil(windowMs)}::integer, ${at?.toISOString() ?? null}::timestamptz)`,
  );
  // Not expected (the reservations in the window always add up to more than the budget when it is full); if it
  // happens, try again in a second.
  if (!row) return { granted: 0, retryAfterMs: 1000 };
  return { granted: row.granted, retryAfterMs: Math.max(0, row.retry_after_ms) };
}

/**
 * Records that Graph asked for no writes to the tenant for `retryAfterMs` (a 429's Retry-After): every process's
 * reservations wait until then. A shorter pause than one already recorded changes nothing.
 */
export async function pauseGraphWrites(db: Db, tenantId: string, retryAfterMs: number, at?: Date): Promise<void> {
  const from = at ? sql`${at.toISOString()}::timestamptz` : sql`clock_timestamp()`;
  const until = sql`${from} + ${Math.ceil(retryAfterMs)} * interval '1 millisecond'`;
  await db
    .insert(graphWritePauses)
    .values({ tenantId, pausedUntil: until })
    .onConflictDoUpdate({
      target: graphWritePauses.tenantId,
      set: { pausedUntil: sql`greatest(${graphWritePauses.pausedUntil}, excluded.paused_until)` },
    });
}
