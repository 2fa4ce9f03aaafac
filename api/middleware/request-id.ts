import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import { withRequestId } from '../logger';

/** The header a caller may set to name its request, and that every answer carries. */
export const requestIdHeader = 'X-Request-Id';

/** What an incoming id may be: it is written to logs and echoed, so no spaces, quotes or control characters. */
const wellFormedRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'koa' {
  interface DefaultState {
    requestId?: string;
  }
}

/**
 * The outermost middleware: takes the caller's `X-Request-Id` when well formed (a proxy's or a client's, so that
 * their logs and ours line up) or makes one, echoes it, and runs the request in its scope so that every line any
 * logger from {@link createLogger} writes for this request carries `requestId`.
 */
export function requestId() {
  return async function requestId(ctx: Context, next: Next): Promise<void> {
    const offered = ctx.get(requestIdHeader);
    const id = wellFormedRequestId.test(offered) ? offered : randomUUID();
    ctx.state.requestId = id;
    ctx.set(requestIdHeader, id);
    await withRequestId(id, next);
  };
}
