import {
  checkAlexisSignature,
  computeAlexisSignature,
  parseAlexisSignature,
  signAlexisPayload,
} from '../../api/hr-webhook/signature';

const secret = 'whsec_test';
const body = Buffer.from('{"id":"evt_1"}');
const now = Date.UTC(2026, 10, 22, 10, 0, 0);
const t = now / 1000;

describe('the X-Alexis-Signature check', () => {
  it('accepts the signature AlexisHR computes over "<t>.<raw body>"', () => {
    expect(checkAlexisSignature(signAlexisPayload(secret, body, t), body, secret, now)).toEqual({ ok: true });
  });

  it('refuses a body changed after signing', () => {
    const header = signAlexisPayload(secret, body, t);
    expect(checkAlexisSignature(header, Buffer.from('{"id":"evt_2"}'), secret, now)).toEqual({
      ok: false,
      reason: 'mismatch',
    });
  });

  it('refuses a signature made with another secret', () => {
    expect(checkAlexisSignature(signAlexisPayload('other', body, t), body, secret, now).ok).toBe(false);
  });

  it('refuses a signature more than five minutes old or ahead, and accepts one just inside', () => {
    expect(checkAlexisSignature(signAlexisPayload(secret, body, t - 301), body, secret, now)).toEqual({
      ok: false,
      reason: 'expired',
    });
    expect(checkAlexisSignature(signAlexisPayload(secret, body, t + 301), body, secret, now).ok).toBe(false);
    expect(checkAlexisSignature(signAlexisPayload(secret, body, t - 299), body, secret, now).ok).toBe(true);
  });

  it('refuses a missing or malformed header', () => {
    expect(checkAlexisSignature(undefined, body, secret, now)).toEqual({ ok: false, reason: 'missing' });
    expect(checkAlexisSignature('v1=abc', body, secret, now)).toEqual({ ok: false, reason: 'malformed' });
    expect(checkAlexisSignature(`t=${t},v1=zz`, body, secret, now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('accepts any of several v1 signatures (secret rotation)', () => {
    const good = computeAlexisSignature(secret, t, body);
    const header = `t=${t},v1=${'0'.repeat(64)},v1=${good}`;
    expect(parseAlexisSignature(header)?.signatures).toHaveLength(2);
    expect(checkAlexisSignature(header, body, secret, now).ok).toBe(true);
  });
});
