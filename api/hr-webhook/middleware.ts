import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { HttpError } from '../errors';
import { alexisSignatureHeader, checkAlexisSignature } from './signature';

declare module 'koa' {
  interface DefaultState {
    /** The exact bytes of the request body (signatures are computed over them). */
    rawBody?: Buffer;
    /** The body parsed as JSON, once its signature is verified. */
    alexisJson?: unknown;
    /** The company and event ids the body names, when they look like ids: for the log line of a rejection. */
    alexisIds?: { companyId?: string; eventId?: string };
  }
}

/**
 * Reads the request body as bytes into `ctx.state.rawBody`, answering 413 as soon as it passes `limitBytes` (by
 * Content-Length, or while streaming) and 415 for a type other than JSON.
 * @throws HttpError 413, 415
 */
export function readRawBody(options: { limitBytes: number }) {
  return async function readRawBody(ctx: Context, next: Next): Promise<void> {
    if (!ctx.is('application/json')) {
      throw new HttpError(415, 'the body must be application/json', 'unsupportedMediaType');
    }
    const declared = Number(ctx.get('content-length') || '0');
    if (declared > options.limitBytes) {
      throw new HttpError(413, `the body is larger than ${options.limitBytes} bytes`, 'bodyTooLarge');
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > options.limitBytes) {
        throw new HttpError(413, `the body is larger than ${options.limitBytes} bytes`, 'bodyTooLarge');
      }
      chunks.push(chunk);
    }
    ctx.state.rawBody = Buffer.concat(chunks);
    await next();
  };
}

export interface VerifyAlexisSignatureOptions {
  /** The webhook secret of a company, or null when it has none (unknown company, nothing configured). */
  secretFor(companyId: string): Promise<string | null>;
  now?: () => number;
}

const reasons = {
  missing: 'the X-Alexis-Signature header is missing',
  malformed: 'the X-Alexis-Signature header is malformed (expected t=<unix seconds>,v1=<hex>)',
  expired: 'the signature timestamp is more than 5 minutes away from now',
  mismatch: 'the signature does not match the body',
} as const;

/** The machine-readable reason of each signature failure (the `code` of the 401, the `reason` of its log line). */
const reasonCodes = {
  missing: 'signatureMissing',
  malformed: 'signatureMalformed',
  expired: 'signatureExpired',
  mismatch: 'signatureMismatch',
} as const;

/** An id the body names, kept for a log line only when it has the shape of an id (never free text). */
function loggableId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9._:@-]{1,128}$/.test(value) ? value : undefined;
}

/**
 * Verifies `X-Alexis-Signature` (HMAC-SHA256 over `"<t>.<raw body>"`, 5-minute tolerance, constant-time compare)
 * with the secret of the company the body names (`companyId`, default `default`). Answers 401 and stores nothing when
 * it fails; the body is only parsed for its company id before that, never acted on. Malformed JSON with a valid
 * signature is answered 400.
 * @throws HttpError 401, 400
 */
export function verifyAlexisSignature(options: VerifyAlexisSignatureOptions) {
  const now = options.now ?? Date.now;
  return async function verifyAlexisSignature(ctx: Context, next: Next): Promise<void> {
    const raw = ctx.state.rawBody ?? Buffer.alloc(0);
    let json: unknown;
    let parsed = true;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      parsed = false;
    }
    const fields = typeof json === 'object' && json !== null ? (json as { companyId?: unknown; id?: unknown }) : {};
    const named = fields.companyId;
    const companyId = typeof named === 'string' && named.trim() !== '' ? named.trim() : 'default';
    const eventId = loggableId(fields.id);
    ctx.state.alexisIds = { ...(eventId === undefined ? {} : { eventId }) };
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(companyId)) {
      throw new HttpError(401, 'no webhook secret is configured for the company the body names', 'unknownSecret');
    }
    ctx.state.alexisIds.companyId = companyId;
    const secret = await options.secretFor(companyId);
    if (secret === null) {
      throw new HttpError(401, `no webhook secret is configured for company ${companyId}`, 'unknownSecret');
    }
    const check = checkAlexisSignature(ctx.get(alexisSignatureHeader) || undefined, raw, secret, now());
    if (!check.ok) {
      throw new HttpError(401, reasons[check.reason], reasonCodes[check.reason]);
    }
    if (!parsed) {
      throw new HttpError(400, 'the body is not valid JSON', 'invalidJson');
    }
    ctx.state.alexisJson = json;
    await next();
  };
}

/** Why a webhook was not applied, as its log line (and metric) names it. */
export type HrWebhookRejection =
  | (typeof reasonCodes)[keyof typeof reasonCodes]
  | 'unknownSecret'
  | 'invalidJson'
  | 'invalidBody'
  | 'unknownCompany'
  | 'bodyTooLarge'
  | 'unsupportedMediaType'
  | 'duplicate'
  | 'staleVersion'
  | 'overloaded';

/**
 * Logs every webhook that is refused (any 4xx), once, at warn: the reason, the status and the company and event ids
 * when the body named them. Never the signature, the body or the message (which may quote a value). Put first on
 * the route, so it sees what every later step refuses.
 */
export function logRejectedWebhooks(logger: Pick<Logger, 'warn'>) {
  return async function logRejectedWebhooks(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      if (err instanceof HttpError && err.status < 500) {
        const reason = (err.code ?? 'other') as HrWebhookRejection | 'other';
        logHrWebhookRejection(ctx, logger, reason, err.status);
      }
      throw err;
    }
  };
}

/** The one warn line of a webhook that was not applied (see {@link logRejectedWebhooks}). */
export function logHrWebhookRejection(
  ctx: Context,
  logger: Pick<Logger, 'warn'>,
  reason: HrWebhookRejection | 'other',
  status: number,
  extra: Record<string, unknown> = {},
): void {
  logger.warn({ reason, status, ...ctx.state.alexisIds, ...extra }, 'HR webhook not applied');
}
