import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { HttpError } from '../errors';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Guards the admin API with the administrator password (env ADMIN_PASSWORD), sent as HTTP Basic (any user name) or
 * as a bearer token. Compared in constant time. Without ADMIN_PASSWORD the admin API is switched off (503): an
 * installation never runs with an open admin API by accident.
 * @throws HttpError 401 without or with a wrong password, 503 when no password is configured
 */
export function requireAdmin(adminPassword: string | undefined) {
  const expected = adminPassword === undefined ? undefined : digest(adminPassword);
  return async function requireAdmin(ctx: Context, next: Next): Promise<void> {
    if (expected === undefined) throw new HttpError(503, 'the admin API is off: set ADMIN_PASSWORD to use it');
    const header = ctx.get('authorization');
    let presented: string | undefined;
    const basic = /^Basic[ \t]+([A-Za-z0-9+/=]+)$/i.exec(header);
    const bearer = /^Bearer[ \t]+(.+)$/i.exec(header);
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      presented = colon < 0 ? undefined : decoded.slice(colon + 1);
    } else if (bearer) {
      presented = bearer[1];
    }
    if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
      ctx.set('WWW-Authenticate', 'Basic realm="joiner-admin", charset="UTF-8"');
      throw new HttpError(401, 'the administrator password is required');
    }
    await next();
  };
}
