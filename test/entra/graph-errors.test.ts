import { GraphError } from '@microsoft/microsoft-graph-client';
import { EntraErrorType } from '../../domain/entra-errors';
import { DEFAULT_RETRY_AFTER_MS, mapGraphError, mapIdentityError, parseRetryAfterMs } from '../../entra/graph-errors';

/** A GraphError shaped as the Graph client's GraphErrorHandler builds it from a response. */
function graphError(status: number, error: object, headers: Record<string, string> = {}): GraphError {
  const e = new GraphError(status, (error as { message?: string }).message ?? '');
  e.code = (error as { code?: string }).code ?? null;
  e.body = JSON.stringify(error);
  e.headers = new Headers(headers);
  return e;
}

describe('parseRetryAfterMs', () => {
  it('reads whole and fractional seconds and HTTP dates', () => {
    expect(parseRetryAfterMs('3')).toBe(3000);
    expect(parseRetryAfterMs('0.25')).toBe(250);
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('2026-01-01T00:00:00Z'))).toBe(10_000);
  });

  it('ignores missing, negative and unreadable values', () => {
    expect(parseRetryAfterMs(null)).toBeUndefined();
    expect(parseRetryAfterMs('')).toBeUndefined();
    expect(parseRetryAfterMs('-1')).toBeUndefined();
    expect(parseRetryAfterMs('soon')).toBeUndefined();
  });
});

describe('mapGraphError', () => {
  const context = { operation: 'update user u1', properties: { companyName: 'x'.repeat(65) } };

  it('falls back to a default wait when a 429 has no Retry-After', () => {
    const mapped = mapGraphError(graphError(429, { code: 'TooManyRequests', message: 'slow' }), context);
    expect(mapped.type).toBe(EntraErrorType.Throttled);
    expect(mapped.details.retryAfterMs).toBe(DEFAULT_RETRY_AFTER_MS);
  });

  it('treats a 503 without Retry-After as transient, and with it as throttled', () => {
    expect(mapGraphError(graphError(503, { code: 'x', message: 'down' }), context).type).toBe(EntraErrorType.Transient);
    const throttled = mapGraphError(graphError(503, { code: 'x', message: 'down' }, { 'Retry-After': '7' }), context);
    expect(throttled.type).toBe(EntraErrorType.Throttled);
    expect(throttled.details.retryAfterMs).toBe(7000);
  });

  it('names the only written property when Graph does not say which value it refused', () => {
    const mapped = mapGraphError(graphError(400, { code: 'Request_BadRequest', message: 'Bad value.' }), context);
    expect(mapped.type).toBe(EntraErrorType.InvalidValue);
    expect(mapped.details.property).toBe('companyName');
  });

  it('infers the lifecycle permission from a refused employee date', () => {
    const mapped = mapGraphError(
      graphError(403, {
        code: 'Authorization_RequestDenied',
        message: 'Insufficient privileges to complete the operation.',
      }),
      { operation: 'update user u1', properties: { employeeHireDate: '2026-12-01T00:00:00Z', jobTitle: 'Engineer' } },
    );
    expect(mapped.type).toBe(EntraErrorType.PermissionDenied);
    expect(mapped.details.permission).toBe('User-LifeCycleInfo.ReadWrite.All');
  });
});

describe('mapGraphError for requests without a response', () => {
  /** A GraphError as the Graph client builds it from a thrown fetch error (status -1, code = the error's name). */
  function transportError(message: string): GraphError {
    const e = new GraphError(-1, message);
    e.code = 'TypeError';
    e.body = `TypeError: ${message}`;
    return e;
  }

  it('reports a connection reset as transient, with the reason', () => {
    const mapped = mapGraphError(transportError('fetch failed ← ECONNRESET: read ECONNRESET'), {
      operation: 'get user',
    });
    expect(mapped.type).toBe(EntraErrorType.Transient);
    expect(mapped.details.status).toBe(-1);
    expect(mapped.message).toContain('ECONNRESET');
  });

  it('reports an untrusted Graph certificate as a connection problem, not something to retry', () => {
    const mapped = mapGraphError(
      transportError('fetch failed ← DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate'),
      { operation: 'get user' },
    );
    expect(mapped.type).toBe(EntraErrorType.NotConnected);
    expect(mapped.details.code).toBe('tls');
  });
});

describe('mapIdentityError', () => {
  it('reports an expired secret and an unknown app as not connected, and an outage as transient', () => {
    const expired = mapIdentityError(
      'AuthenticationRequiredError',
      'invalid_client: Error(s): 7000222 - Timestamp: x - Description: AADSTS7000222: The provided client secret keys are expired. - Correlation ID: y',
      undefined,
    );
    expect(expired.type).toBe(EntraErrorType.NotConnected);
    expect(expired.details.code).toBe('AADSTS7000222');
    expect(expired.message).toContain('expired');
    const outage = mapIdentityError(
      'AuthenticationRequiredError',
      'temporarily_unavailable: Error(s): Not Available - Description: AADSTS50001: busy',
      undefined,
    );
    expect(outage.type).toBe(EntraErrorType.Transient);
  });
});
