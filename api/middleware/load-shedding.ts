import type { Context, Next } from 'koa';
import { httpRequestsShedTotal, type ShedRoute } from '../../observability/metrics';
import { renderErrorBody } from './error-handler';

/** Seconds a shed client is told to wait: long enough for a burst to drain, short enough that HR and Entra catch up. */
export const shedRetryAfterSeconds = 1;

/**
 * Bounds the requests a route group works on at once. Past `limit`, a request is answered 503 with `Retry-After` at
 * once, before its body is read or anything is stored, so that an overloaded API refuses quickly (HR and Entra retry
 * a 503) instead of queueing requests until they time out or the connection is reset. Nothing is logged per shed
 * request: under overload that would add load; `joiner_http_requests_shed_total` counts them.
 *
 * Mount it early in the route group's chain (after the router's error renderer, so that the 503 has its format).
 */
export function loadShedding(route: ShedRoute, limit: number) {
  let inFlight = 0;
  return async function loadShedding(ctx: Context, next: Next): Promise<void> {
    if (inFlight >= limit) {
      httpRequestsShedTotal.inc({ route });
      ctx.set('Retry-After', String(shedRetryAfterSeconds));
      renderErrorBody(ctx, { status: 503, message: 'too many requests in flight; retry later', cause: undefined });
      return;
    }
    inFlight += 1;
    try {
      await next();
    } finally {
      inFlight -= 1;
    }
  };
}
