import type { Context, Next } from 'koa';
import { ScimError } from '../../domain/scim/errors';
import { verifyAccessToken } from '../../store/access-tokens';
import type { Db } from '../../store/db';

declare module 'koa' {
  interface DefaultState {
    /** The company the SCIM bearer token authorises (set by {@link requireScimToken}). */
    scimCompanyId?: string;
  }
}

/**
 * Accepts only `Authorization: Bearer <token>` with a token made on the Access tokens page and not revoked (checked
 * on every request, so a revocation takes effect at once). The token decides the company: one token, one company.
 * @throws ScimError 401 without, with a malformed, an unknown or a revoked token
 */
export function requireScimToken(db: Db) {
  return async function requireScimToken(ctx: Context, next: Next): Promise<void> {
    const header = ctx.get('authorization');
    const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(header);
    if (!match) throw new ScimError(401, 'a bearer token is required (Authorization: Bearer <secret token>)');
    const verified = await verifyAccessToken(db, match[1]!);
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
