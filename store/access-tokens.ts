/**
 * Access tokens for the SCIM endpoint (the "secret token" of Entra's provisioning setup). The plaintext is returned
 * once, at creation; only its SHA-256 hash is stored, so a database leak does not leak usable tokens.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from './db';
import { accessTokens } from './schema';

/** Every token starts with this, so that secret scanners and people recognise a Joiner token. */
export const accessTokenPrefix = 'jnr_';

/** Bytes of randomness in a token (256 bits). */
const tokenEntropyBytes = 32;

/** How many leading characters of the token are kept in clear to tell tokens apart (prefix + 4 random characters). */
const displayPrefixLength = accessTokenPrefix.length + 4;

/** `last_used_at` is written at most this often per token, so that verifying is not a write per request. */
export const lastUsedResolutionSeconds = 60;

/** A token as listed: never the token itself nor its hash. */
export interface AccessTokenInfo {
  id: string;
  companyId: string;
  name: string;
  description: string | null;
  /** The token's first characters (e.g. `jnr_x7Qa`), not secret. */
  displayPrefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const infoColumns = {
  id: accessTokens.id,
  companyId: accessTokens.companyId,
  name: accessTokens.name,
  description: accessTokens.description,
  displayPrefix: accessTokens.displayPrefix,
  createdAt: accessTokens.createdAt,
  lastUsedAt: accessTokens.lastUsedAt,
  revokedAt: accessTokens.revokedAt,
};

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

export interface NewAccessToken {
  companyId: string;
  name: string;
  description?: string | null;
}

/**
 * Creates a token. The plaintext `token` is in the result only: show it once, it cannot be read back.
 * @throws a foreign key violation (see `isForeignKeyViolation`) when the company does not exist
 */
export async function createAccessToken(
  db: Db,
  input: NewAccessToken,
): Promise<{ token: string; accessToken: AccessTokenInfo }> {
  const token = accessTokenPrefix + randomBytes(tokenEntropyBytes).toString('base64url');
  const [row] = await db
    .insert(accessTokens)
    .values({
      companyId: input.companyId,
      name: input.name,
      description: input.description ?? null,
      tokenHash: hashToken(token).toString('hex'),
      displayPrefix: token.slice(0, displayPrefixLength),
    })
    .returning(infoColumns);
  if (row === undefined) throw new Error('the new access token was not returned');
  return { token, accessToken: row };
}

/** The company's tokens, newest first, revoked ones included (with `revokedAt`). */
export async function listAccessTokens(db: Db, companyId: string): Promise<AccessTokenInfo[]> {
  return db
    .select(infoColumns)
    .from(accessTokens)
    .where(eq(accessTokens.companyId, companyId))
    .orderBy(desc(accessTokens.createdAt), desc(accessTokens.id));
}

/**
 * Revokes a token of the company: it stops working at once. Resolves to true when it was active, false when it was
 * already revoked or does not exist (idempotent).
 */
export async function revokeAccessToken(db: Db, companyId: string, tokenId: string): Promise<boolean> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(tokenId)) return false;
  const rows = await db
    .update(accessTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(accessTokens.id, tokenId), eq(accessTokens.companyId, companyId), isNull(accessTokens.revokedAt)))
    .returning({ id: accessTokens.id });
  return rows.length > 0;
}

/** Whose a valid token is. */
export interface VerifiedAccessToken {
  companyId: string;
  tokenId: string;
}

/**
 * Checks a bearer token: resolves to its company (and token id) when it exists and is not revoked, else null.
 * Compares hashes in constant time and records the use (at most once per {@link lastUsedResolutionSeconds}).
 */
export async function verifyAccessToken(db: Db, token: string): Promise<VerifiedAccessToken | null> {
  const verified = await findAccessToken(db, token);
  if (verified !== null) await recordAccessTokenUse(db, verified.tokenId);
  return verified;
}

/**
 * The company (and token id) of a bearer token that exists and is not revoked, else null: one indexed read, no
 * write. Compares hashes in constant time.
 */
export async function findAccessToken(db: Db, token: string): Promise<VerifiedAccessToken | null> {
  // Anything that cannot be one of ours is refused without a query.
  if (!isTokenShaped(token)) return null;
  const presentedHash = hashToken(token);
  const [row] = await db
    .select({
      id: accessTokens.id,
      companyId: accessTokens.companyId,
      tokenHash: accessTokens.tokenHash,
      revokedAt: accessTokens.revokedAt,
    })
    .from(accessTokens)
    .where(eq(accessTokens.tokenHash, presentedHash.toString('hex')));
  if (row === undefined) return null;
  const storedHash = Buffer.from(row.tokenHash, 'hex');
  if (storedHash.length !== presentedHash.length || !timingSafeEqual(storedHash, presentedHash)) return null;
  if (row.revokedAt !== null) return null;
  return { companyId: row.companyId, tokenId: row.id };
}

/** Whether a string can be a Joiner token at all (prefix and length), before any lookup. */
export function isTokenShaped(token: string): boolean {
  return token.startsWith(accessTokenPrefix) && token.length <= 128;
}

/** The SHA-256 of a token as stored (hex): a key that stands for the token without holding it. */
export function accessTokenHash(token: string): string {
  return hashToken(token).toString('hex');
}

/**
 * Sets the token's `last_used_at` to now, unless it was set less than {@link lastUsedResolutionSeconds} ago (by any
 * process).
 */
export async function recordAccessTokenUse(db: Db, tokenId: string): Promise<void> {
  await db
    .update(accessTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(accessTokens.id, tokenId),
        or(
          isNull(accessTokens.lastUsedAt),
          lt(accessTokens.lastUsedAt, sql`now() - make_interval(secs => ${lastUsedResolutionSeconds})`),
        ),
      ),
    );
}
