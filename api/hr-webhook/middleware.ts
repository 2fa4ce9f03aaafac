import type { Context, Next } from 'koa';
import { HttpError } from '../errors';
import { alexisSignatureHeader, checkAlexisSignature } from './signature';

declare module 'koa' {
  interface DefaultState {
    /** The exact bytes of the request body (signatures are computed over them). */
    rawBody?: Buffer;
    /** The body parsed as JSON, once its signature is verified. */
    alexisJson?: unknown;
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
      throw new HttpError(415, 'the body must be application/json');
    }
    const declared = Number(ctx.get('content-length') || '0');
    if (declared > options.limitBytes) {
      throw new HttpError(413, `the body is larger than ${options.limitBytes} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > options.limitBytes) {
        throw new HttpError(413, `the body is larger than ${options.limitBytes} bytes`);
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
    const named = (json as { companyId?: unknown } | null)?.companyId;
    const companyId = typeof named === 'string' && named.trim() !== '' ? named.trim() : 'default';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(companyId)) {
      throw new HttpError(401, 'no webhook secret is configured for the company the body names');
    }
    const secret = await options.secretFor(companyId);
    if (secret === null) {
      throw new HttpError(401, `no webhook secret is configured for company ${companyId}`);
    }
    const check = checkAlexisSignature(ctx.get(alexisSignatureHeader) || undefined, raw, secret, now());
    if (!check.ok) {
      throw new HttpError(401, reasons[check.reason]);
    }
    if (!parsed) {
      throw new HttpError(400, 'the body is not valid JSON');
    }
    ctx.state.alexisJson = json;
    await next();
  };
}
