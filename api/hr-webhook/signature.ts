import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header AlexisHR signs webhooks with (docs/hr-webhook.md, Signature). */
export const alexisSignatureHeader = 'x-alexis-signature';

/** A signature older (or further in the future) than this is refused: replayed requests stop working after it. */
export const signatureToleranceSeconds = 5 * 60;

/** Hex HMAC-SHA256 of `"<t>.<raw body>"` with the company's webhook secret. */
export function computeAlexisSignature(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/**
 * The `X-Alexis-Signature` value for a body, as AlexisHR sends it: `t=<unix seconds>,v1=<hex>`. Used by tests, the
 * benchmark and anyone simulating HR by hand.
 */
export function signAlexisPayload(secret: string, rawBody: Buffer | string, timestamp = Math.floor(Date.now() / 1000)) {
  return `t=${timestamp},v1=${computeAlexisSignature(secret, timestamp, rawBody)}`;
}

export interface ParsedSignature {
  timestamp: number;
  /** Every `v1` value (a sender rotating secrets may send several). */
  signatures: string[];
}

/** Parses `t=<unix>,v1=<hex>[,v1=<hex>…]`; null when the header is malformed. */
export function parseAlexisSignature(header: string): ParsedSignature | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return null;
      signatures.push(value.toLowerCase());
    }
  }
  return timestamp === null || signatures.length === 0 ? null : { timestamp, signatures };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'mismatch' };

/**
 * Checks a signature header against the raw body: well-formed, within {@link signatureToleranceSeconds} of `nowMs`,
 * and equal to the expected HMAC in constant time.
 */
export function checkAlexisSignature(
  header: string | undefined,
  rawBody: Buffer,
  secret: string,
  nowMs: number,
  toleranceSeconds = signatureToleranceSeconds,
): SignatureCheck {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'missing' };
  const parsed = parseAlexisSignature(header);
  if (parsed === null) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowMs / 1000 - parsed.timestamp) > toleranceSeconds) return { ok: false, reason: 'expired' };
  const expected = Buffer.from(computeAlexisSignature(secret, parsed.timestamp, rawBody), 'hex');
  const matches = parsed.signatures.some((candidate) => timingSafeEqual(expected, Buffer.from(candidate, 'hex')));
  return matches ? { ok: true } : { ok: false, reason: 'mismatch' };
}
