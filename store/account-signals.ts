/**
 * The outbox of the SCIM user writes (`account_signals`): a write inserts the signals it owes the workflows in its own
 * transaction, the API's relay hands them to Temporal and removes them. Delivery is at least once: a crash between
 * signalling and removing signals again, which the workflows ignore (the account's version is not newer; an Entra
 * object id already linked is linked again).
 */
import { and, asc, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import type { Db } from './db';
import { accountSignals, type AccountSignalKind } from './schema';

/** A signal a SCIM write owes a workflow: `employeeId` is set for `entraObjectLinked` only. */
export interface AccountSignal {
  companyId: string;
  kind: AccountSignalKind;
  scimUserId: string;
  employeeId: string | null;
  /** The signal's argument, built by orchestration/account-events.ts. */
  payload: Record<string, unknown>;
}

/** A recorded signal: what it carries and its outbox id. */
export type StoredAccountSignal = AccountSignal & { id: number };

const storedColumns = {
  id: accountSignals.id,
  companyId: accountSignals.companyId,
  kind: accountSignals.kind,
  scimUserId: accountSignals.scimUserId,
  employeeId: accountSignals.employeeId,
  payload: accountSignals.payload,
};

/** Inserts the signals in one statement (inside the caller's write transaction); resolves to them with their ids. */
export async function recordAccountSignals(db: Db, signals: readonly AccountSignal[]): Promise<StoredAccountSignal[]> {
  if (signals.length === 0) return [];
  return db
    .insert(accountSignals)
    .values([...signals])
    .returning(storedColumns);
}

/** Which undelivered signals {@link listUndeliveredAccountSignals} reads. */
export interface UndeliveredAccountSignalsQuery {
  limit: number;
  /** Only signals after this outbox id (to page through the outbox). */
  afterId?: number;
  /** Only signals recorded before this time, or whose delivery failed before (what no process is delivering). */
  settledBefore?: Date;
}

/** Signals not yet delivered, oldest first (the order they were written in), at most `limit`, of any company. */
export async function listUndeliveredAccountSignals(
  db: Db,
  query: UndeliveredAccountSignalsQuery,
): Promise<StoredAccountSignal[]> {
  return db
    .select(storedColumns)
    .from(accountSignals)
    .where(
      and(
        query.afterId === undefined ? undefined : gt(accountSignals.id, query.afterId),
        query.settledBefore === undefined
          ? undefined
          : or(lt(accountSignals.createdAt, query.settledBefore), gt(accountSignals.deliveryAttempts, 0)),
      ),
    )
    .orderBy(asc(accountSignals.id))
    .limit(query.limit);
}

/** Removes delivered signals in one statement (nothing else needs them); resolves to how many were still there. */
export async function deleteDeliveredAccountSignals(db: Db, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db
    .delete(accountSignals)
    .where(inArray(accountSignals.id, [...ids]))
    .returning({ id: accountSignals.id });
  return rows.length;
}

/** Counts a failed delivery attempt and keeps its error message; the signal stays in the outbox. */
export async function recordAccountSignalDeliveryFailure(db: Db, id: number, error: string): Promise<void> {
  await db
    .update(accountSignals)
    .set({
      deliveryAttempts: sql`${accountSignals.deliveryAttempts} + 1`,
      lastAttemptAt: sql`now()`,
      lastDeliveryError: error.slice(0, 2000),
    })
    .where(eq(accountSignals.id, id));
}
