import type { Context } from 'koa';
import { scimContentType } from '../../domain/scim/constants';
import { ScimError, ScimType, scimErrorBody } from '../../domain/scim/errors';
import type { ErrorRenderer } from '../middleware/error-handler';

/** Answers with a SCIM body (`application/scim+json`). */
export function sendScim(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.body = body;
  ctx.type = scimContentType;
}

/**
 * Renders any error under `/scim/v2` as the RFC 7644 §3.12 body with `status` as a string. ScimErrors keep their
 * scimType; other 400s (malformed JSON, too deep) are `invalidSyntax`; 5xx say nothing about the cause.
 */
export const renderScimError: ErrorRenderer = (ctx, { status, message, cause }) => {
  let scimType: ScimType | undefined;
  let detail = message;
  if (cause instanceof ScimError) {
    scimType = cause.scimType;
    detail = cause.detail;
  } else if (status === 400) {
    scimType = ScimType.invalidSyntax;
  } else if (status === 413) {
    detail = 'the request body is too large';
  }
  if (status === 401) ctx.set('WWW-Authenticate', 'Bearer realm="joiner-scim"');
  sendScim(ctx, status, scimErrorBody(status, detail, scimType));
};
