import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { describeError } from '../errors';

/**
 * Renders an error for a part of the API with its own error format (SCIM's RFC 7644 body, for instance). A router
 * sets `ctx.state.renderError` before it runs its routes; the one error middleware then calls it.
 */
export type ErrorRenderer = (ctx: Context, error: { status: number; message: string; cause: unknown }) => void;

declare module 'koa' {
  interface DefaultState {
    renderError?: ErrorRenderer;
  }
}

/**
 * Answers `status` with `message` in the body shape of the part of the API the request is in: its `renderError` when
 * it set one (SCIM's), else `{ error: { status, message, details? } }`. The one place that writes an error body.
 */
export function renderErrorBody(
  ctx: Context,
  error: { status: number; message: string; cause: unknown; details?: unknown },
): void {
  ctx.status = error.status;
  const render = ctx.state.renderError;
  if (render) {
    render(ctx, { status: error.status, message: error.message, cause: error.cause });
  } else {
    const { status, message, details } = error;
    ctx.body = { error: { status, message, ...(details !== undefined ? { details } : {}) } };
  }
}

/**
 * The single error middleware at the top of the app: 4xx answer with their own message, anything else is logged
 * with its stack and answered with a generic 500 so internals never leak. Parts of the API that need another body
 * shape set `ctx.state.renderError`.
 */
export function errorHandler(logger: Logger) {
  return async function errorHandler(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      const { status, message } = describeError(err);
      if (status >= 500) {
        logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
      } else {
        logger.debug({ status, method: ctx.method, path: ctx.path, reason: message }, 'request rejected');
      }
      const details = status < 500 ? (err as { details?: unknown } | null)?.details : undefined;
      renderErrorBody(ctx, { status, message, cause: err, details });
    }
  };
}
