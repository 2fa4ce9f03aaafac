/** What operations read from the database: a liveness ping and the figures behind the database-backed metrics. */
import { and, count, eq, isNull, min, sql } from 'drizzle-orm';
import type { Db } from './db';
import { accountSignals, employees, HrEventOutcome, webhookEvents } from './schema';

/** Resolves when the database answers a trivial query (for `/readyz` and `joiner status`). */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

/** The outboxes and the employees by phase, as `/metrics` shows them. */
export interface OperationalStats {
  outboxDepth: number;
  /** Seconds since the oldest undelivered event was received (by the database's clock); 0 when none waits. */
  outboxOldestAgeSeconds: number;
  /** Signals SCIM writes committed that Temporal does not have yet (`account_signals`). */
  accountSignalsDepth: number;
  /** Seconds since the oldest of them was committed; 0 when none waits. */
  accountSignalsOldestAgeSeconds: number;
  employeesByPhase: Array<{ phase: string | null; count: number }>;
}

/**
 * Reads {@link OperationalStats}: three aggregate queries (the HR outbox one uses the undelivered partial index; the
 * SCIM one reads a table that holds only what is undelivered).
 */
export async function readOperationalStats(db: Db): Promise<OperationalStats> {
  const [outbox] = await db
    .select({
      depth: count(),
      oldestAgeSeconds: sql<
        number | null
      >`extract(epoch from (now() - ${min(webhookEvents.receivedAt)}))::double precision`.mapWith(Number),
    })
    .from(webhookEvents)
    .where(and(eq(webhookEvents.outcome, HrEventOutcome.Accepted), isNull(webhookEvents.deliveredAt)));
  const [signals] = await db
    .select({
      depth: count(),
      oldestAgeSeconds: sql<
        number | null
      >`extract(epoch from (now() - ${min(accountSignals.createdAt)}))::double precision`.mapWith(Number),
    })
    .from(accountSignals);
  const phases = await db.select({ phase: employees.phase, count: count() }).from(employees).groupBy(employees.phase);
  return {
    outboxDepth: outbox?.depth ?? 0,
    outboxOldestAgeSeconds: Math.max(0, outbox?.oldestAgeSeconds ?? 0),
    accountSignalsDepth: signals?.depth ?? 0,
    accountSignalsOldestAgeSeconds: Math.max(0, signals?.oldestAgeSeconds ?? 0),
    employeesByPhase: phases,
  };
}
