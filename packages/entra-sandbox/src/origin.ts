import type { ParameterizedContext } from 'koa';

/** Scheme, host and port the client used: the sandbox's links and issuer point back at it. */
export function originOf(ctx: ParameterizedContext): string {
  return `${ctx.protocol}://${ctx.host}`;
}
