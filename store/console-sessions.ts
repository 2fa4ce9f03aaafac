/**
 * Console sessions: a random token in an HttpOnly cookie, of which only the SHA-256 hash is stored (a database leak
 * does not leak usable sessions). A session also carries the `state` of an admin consent it started (hashed) and a
 * one-time message for the next page.
 */
import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from './db';
import { consoleSessions } from './schema';

export type ConsoleSession = typeof consoleSessions.$inferSelect;
export type SessionFlash = NonNullable<ConsoleSession['flash']>;

/** Lower-case hex SHA-256 of a secret (session token or consent state). */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** A new random secret: 256 bits, base64url. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Starts a session lasting `lifetimeMs`; the token is in the result only (it goes into the cookie). */
export async function createConsoleSession(
  db: Db,
  lifetimeMs: number,
): Promise<{ token: string; session: ConsoleSession }> {
  const token = randomSecret();
  const [session] = await db
    .insert(consoleSessions)
    .values({ tokenHash: sha256Hex(token), expiresAt: new Date(Date.now() + lifetimeMs) })
    .returning();
  if (session === undefined) throw new Error('the new session was not returned');
  return { token, session };
}

/**
 * The live session of this cookie token, or null (unknown, expired). Records the visit at most once a minute, so a
 * page view is not a write.
 */
export async function findConsoleSession(db: Db, token: string): Promise<ConsoleSession | null> {
  const [session] = await db
    .select()
    .from(consoleSessions)
    .where(and(eq(consoleSessions.tokenHash, sha256Hex(token)), gt(consoleSessions.expiresAt, sql`now()`)));
  if (session === undefined) return null;
  if (Date.now() - session.lastSeenAt.getTime() > 60_000) {
    await db
      .update(consoleSessions)
      .set({ lastSeenAt: sql`now()` })
      .where(eq(consoleSessions.id, session.id));
  }
  return session;
}

/** Ends a session (sign-out). Resolves to whether there was one. */
export async function deleteConsoleSession(db: Db, sessionId: string): Promise<boolean> {
  const rows = await db
    .delete(consoleSessions)
    .where(eq(consoleSessions.id, sessionId))
    .returning({ id: consoleSessions.id });
  return rows.length > 0;
}

/** Removes expired sessions; resolves to how many. */
export async function deleteExpiredConsoleSessions(db: Db): Promise<number> {
  const rows = await db
    .delete(consoleSessions)
    .where(lt(consoleSessions.expiresAt, sql`now()`))
    .returning({ id: consoleSessions.id });
  return rows.length;
}

/** Remembers the (hash of the) state of the admin consent this session starts; replaces an earlier one. */
export async function setConsentState(db: Db, sessionId: string, state: string): Promise<void> {
  await db
    .update(consoleSessions)
    .set({ consentStateHash: sha256Hex(state) })
    .where(eq(consoleSessions.id, sessionId));
}

/**
 * Uses up the session's consent state: true when `state` is the one it started (then it cannot be used again).
 * Compared as hashes in the database, so the comparison does not depend on where the strings first differ.
 */
export async function takeConsentState(db: Db, sessionId: string, state: string): Promise<boolean> {
  const rows = await db
    .update(consoleSessions)
    .set({ consentStateHash: null })
    .where(and(eq(consoleSessions.id, sessionId), eq(consoleSessions.consentStateHash, sha256Hex(state))))
    .returning({ id: consoleSessions.id });
  return rows.length > 0;
}

/** Leaves a message for the session's next page. */
export async function setSessionFlash(db: Db, sessionId: string, flash: SessionFlash): Promise<void> {
  await db.update(consoleSessions).set({ flash }).where(eq(consoleSessions.id, sessionId));
}

/** Clears the session's message once a page has shown it. */
export async function clearSessionFlash(db: Db, sessionId: string): Promise<void> {
  await db.update(consoleSessions).set({ flash: null }).where(eq(consoleSessions.id, sessionId));
}
