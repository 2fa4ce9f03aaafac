import type { Context, Next } from 'koa';
import { ScimError } from '../../domain/scim/errors';
import {
  accessTokenHash,
  findAccessToken,
  isTokenShaped,
  lastUsedResolutionSeconds,
  recordAccessTokenUse,
} from '../../store/access-tokens';
import type { VerifiedAccessToken } from '../../store/access-tokens';
import type { Db } from '../../store/db';

declare module 'koa' {
  interface DefaultState {
    /** The company the SCIM bearer token authorises (set by {@link requireScimToken}). */
    scimCompanyId?: string;
  }
}

/** How long one process trusts a verified token without asking the database again: a revocation's longest delay. */
export const tokenVerificationTtlMs = 1_000;

/** Verified tokens a process remembers at most; past it the oldest are forgotten (and simply verified again). */
const maxRememberedTokens = 10_000;

export interface AccessTokenVerifierOptions {
  /** Default {@link tokenVerificationTtlMs}. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * Verifies SCIM bearer tokens for one process with a short memory, so that a burst of requests costs one token read
 * a second instead of one per request: a token verified less than `ttlMs` ago is trusted again, a revoked one stops
 * working in every process within `ttlMs`. Requests that arrive together while a token is being verified share that
 * read. Refusals are not remembered (a token made a moment ago works at once). `last_used_at` is written at most once
 * per {@link lastUsedResolutionSeconds} per token and process (and the update itself skips a fresher value). The memory
 * is keyed by the token's SHA-256, never the token.
 */
export class AccessTokenVerifier {
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly verified = new Map<string, { at: number; result: Promise<VerifiedAccessToken | null> }>();
  private readonly usedAt = new Map<string, number>();
  /** Tokens revoked through this process: refused at once, not within `ttlMs` (a revocation is never undone). */
  private readonly revokedHere = new Set<string>();

  constructor(
    private readonly db: Db,
    options: AccessTokenVerifierOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? tokenVerificationTtlMs;
    this.now = options.now ?? Date.now;
  }

  /** The token's company and id when it exists and is not revoked (as of at most `ttlMs` ago), else null. */
  async verify(token: string): Promise<VerifiedAccessToken | null> {
    if (!isTokenShaped(token)) return null;
    const key = accessTokenHash(token);
    const now = this.now();
    let entry = this.verified.get(key);
    if (entry === undefined || now - entry.at >= this.ttlMs) {
      entry = { at: now, result: findAccessToken(this.db, token) };
      this.remember(key, entry);
    }
    let result: VerifiedAccessToken | null;
    try {
      result = await entry.result;
    } catch (err) {
      this.forget(key, entry);
      throw err;
    }
    if (result === null || this.revokedHere.has(result.tokenId)) {
      this.forget(key, entry);
      return null;
    }
    await this.recordUse(result.tokenId, now);
    return result;
  }

  /**
   * Tells the verifier that this process revoked the token (the console's or the admin API's Revoke): it is refused
   * from the next request on, instead of up to `ttlMs` later. Other processes still stop accepting it within `ttlMs`.
   */
  revoked(tokenId: string): void {
    if (this.revokedHere.size >= maxRememberedTokens) this.revokedHere.clear();
    this.revokedHere.add(tokenId);
  }

  private async recordUse(tokenId: string, now: number): Promise<void> {
    const last = this.usedAt.get(tokenId);
    if (last !== undefined && now - last < lastUsedResolutionSeconds * 1000) return;
    this.usedAt.set(tokenId, now);
    await recordAccessTokenUse(this.db, tokenId);
  }

  private remember(key: string, entry: { at: number; result: Promise<VerifiedAccessToken | null> }): void {
    this.verified.delete(key);
    this.verified.set(key, entry);
    // Maps iterate in insertion order: the first keys are the least recently verified.
    for (const old of this.verified.keys()) {
      if (this.verified.size <= maxRememberedTokens) break;
      this.verified.delete(old);
    }
    if (this.usedAt.size > maxRememberedTokens) this.usedAt.clear();
  }

  private forget(key: string, entry: { at: number; result: Promise<VerifiedAccessToken | null> }): void {
    if (this.verified.get(key) === entry) this.verified.delete(key);
  }
}

/**
 * Accepts only `Authorization: Bearer <token>` with a token made on the Access tokens page and not revoked (verified
 * at most {@link tokenVerificationTtlMs} ago by this process, so a revocation takes effect within a second). The token
 * decides the company: one token, one company.
 * @throws ScimError 401 without, with a malformed, an unknown or a revoked token
 */
export function requireScimToken(db: Db, verifier = new AccessTokenVerifier(db)) {
  return async function requireScimToken(ctx: Context, next: Next): Promise<void> {
    const header = ctx.get('authorization');
    const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
    if (!match) throw new ScimError(401, 'a bearer token is required (Authorization: Bearer <secret token>)');
    const verified = await verifier.verify(match[1]!);
    if (!verified) throw new ScimError(401, 'the bearer token is not valid or was revoked');
    ctx.state.scimCompanyId = verified.companyId;
    await next();
  };
}

/** The authorised company of a SCIM request. */
export function scimCompanyId(ctx: Context): string {
  const id = ctx.state.scimCompanyId;
  if (id === undefined) throw new Error('requireScimToken did not run before this route');
  return id;
}
