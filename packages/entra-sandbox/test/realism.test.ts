/* eslint-disable @typescript-eslint/no-explicit-any -- Graph JSON bodies are asserted field by field */
import { request } from 'node:https';
import type { SandboxFixture } from './helpers';
import { newUserBody, startFixture } from './helpers';

describe('throttling, replication lag, latency and faults in the sandbox', () => {
  let f: SandboxFixture;

  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(() => f.close());
  afterEach(() => f.entra.control.reset());

  it('answers 429 with a fractional Retry-After and the throttle headers once the write budget is spent, then recovers', async () => {
    // The four writes must fall in one window, however slow the machine: a window of seconds, not of milliseconds
    // (the recovery below waits only the Retry-After that the refusal names).
    f.entra.control.updateSettings({ throttling: { appWritesPerWindow: 3, appWriteWindowMs: 3_000 } });
    for (const alias of ['w1', 'w2', 'w3'])
      expect((await f.graph('POST', '/users', newUserBody(alias))).status).toBe(201);
    const refused = await f.graph('POST', '/users', newUserBody('w4'));
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('TooManyRequests');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3);
    expect(refused.headers.get('x-ms-throttle-scope')).toBe(
      `Tenant_Application/ReadWrite/${f.entra.clientId}/${f.entra.tenantId}`,
    );
    expect(refused.headers.get('x-ms-throttle-information')).toBe('WriteLimitExceeded');
    expect(refused.headers.get('x-ms-throttle-limit-percentage')).toBe('1.33');

    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000 + 20));
    const recovered = await f.graph('POST', '/users', newUserBody('w4'));
    expect(recovered.status).toBe(201);
    expect(f.entra.control.state().users[f.entra.tenantId]!.map((u) => u.props['userPrincipalName'])).toEqual(
      ['w1', 'w2', 'w3', 'w4'].map((a) => `${a}@contoso.com`),
    );
  });

  it('charges 2 resource units for a user list and 1 for a single read, and throttles on resource units', async () => {
    f.entra.control.updateSettings({
      throttling: { resourceUnitsPerWindow: { small: 4 }, resourceUnitWindowMs: 60_000 },
    });
    const list = await f.graph('GET', '/users');
    expect(list.headers.get('x-ms-resource-unit')).toBe('2');
    expect(list.headers.get('x-ms-throttle-limit-percentage')).toBeNull();
    const one = await f.graph('GET', '/organization');
    expect(one.headers.get('x-ms-resource-unit')).toBe('1');
    expect(one.headers.get('x-ms-throttle-limit-percentage')).toBeNull();
    const last = await f.graph('GET', '/organization');
    expect(last.headers.get('x-ms-throttle-limit-percentage')).toBe('1.00');
    const refused = await f.graph('GET', '/users');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
  });

  it('sizes the resource-unit budget by tenant size (Graph defaults 3,500 / 5,000 / 8,000 per 10 s)', async () => {
    expect(f.entra.control.settings().throttling.resourceUnitsPerWindow).toEqual({
      small: 3500,
      medium: 5000,
      large: 8000,
    });
    f.entra.control.updateSettings({
      throttling: { resourceUnitsPerWindow: { small: 1, large: 3 }, resourceUnitWindowMs: 60_000 },
    });
    const large = f.entra.control.addTenant({
      displayName: 'Big Corp',
      size: 'large',
      domains: [{ name: 'bigcorp.onmicrosoft.com', isVerified: true }],
      grantedPermissions: ['Organization.Read.All'],
    });
    const largeToken = await f.token(large.id);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await f.call('/v1.0/organization', { token: largeToken })).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((await f.graph('GET', '/organization')).status).toBe(200);
    expect((await f.graph('GET', '/organization')).status).toBe(429);
  });

  it('hides a new user from reads by id, UPN and lists until the replication lag has passed', async () => {
    // Longer than any loaded machine takes for the calls below, so that none of them can find the lag over already.
    f.entra.control.updateSettings({ replicationLagMs: 3_600_000 });
    const created = await f.graph('POST', '/users', newUserBody('fresh'));
    expect(created.status).toBe(201);
    expect((await f.graph('GET', `/users/${created.body.id}`)).status).toBe(404);
    expect((await f.graph('GET', '/users/fresh@contoso.com')).status).toBe(404);
    expect((await f.graph('GET', '/users')).body.value).toEqual([]);
    // Writes are consistent at once: a second create of the same UPN is still a conflict.
    expect((await f.graph('POST', '/users', newUserBody('fresh'))).status).toBe(400);
    // Writes reach it at once unless the lag is set to affect them too.
    expect((await f.graph('PATCH', `/users/${created.body.id}`, { jobTitle: 'New' })).status).toBe(204);
    f.entra.control.updateSettings({ replicationLagAffectsWrites: true });
    expect((await f.graph('PATCH', `/users/${created.body.id}`, { jobTitle: 'Newer' })).status).toBe(404);
    // The lag is measured from the create at each request: a lag shorter than the time since has passed.
    f.entra.control.updateSettings({ replicationLagMs: 1 });
    expect((await f.graph('GET', `/users/${created.body.id}`)).status).toBe(200);
    expect((await f.graph('PATCH', `/users/${created.body.id}`, { jobTitle: 'Newer' })).status).toBe(204);
  });

  it('adds the configured latency to every Graph call', async () => {
    f.entra.control.updateSettings({ latencyMs: 150 });
    const started = Date.now();
    await f.graph('GET', '/users');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('injects N server errors with Graph error bodies, then serves normally', async () => {
    f.entra.control.addFault({
      kind: 'error',
      status: 503,
      count: 2,
      retryAfterSeconds: 2,
      path: '^/v1.0/users$',
      method: 'GET',
    });
    const first = await f.graph('GET', '/users');
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('2');
    expect(first.body.error.code).toBe('ServiceUnavailable');
    expect((await f.graph('GET', '/users')).status).toBe(503);
    expect((await f.graph('GET', '/users')).status).toBe(200);
    expect(f.entra.control.faults()).toEqual([]);
  });

  it('a dropped response still applies the write: the socket closes and the user exists', async () => {
    f.entra.control.addFault({ kind: 'drop', method: 'POST', path: '^/v1.0/users$' });
    await expect(f.graph('POST', '/users', newUserBody('lost'))).rejects.toThrow();
    const read = await f.graph('GET', '/users/lost@contoso.com');
    expect(read.status).toBe(200);
    const log = f.entra.control.requests().filter((r) => r.method === 'POST' && r.path === '/v1.0/users');
    expect(log.map((r) => r.status)).toEqual([0]);
  });

  it('can throttle the token endpoint too', async () => {
    f.entra.control.addFault({ kind: 'throttle', path: '/oauth2/v2.0/token$', retryAfterSeconds: 0.5 });
    const res = await f.call(`/${f.entra.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: f.entra.clientId }),
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('0.5');
    expect(((await res.json()) as any).error).toBe('temporarily_unavailable');
  });

  it('logs requests without their bodies, so passwords never appear', async () => {
    await f.graph('POST', '/users', newUserBody('logged'));
    const log = JSON.stringify(f.entra.control.requests());
    expect(log).toContain('/v1.0/users');
    expect(log).not.toContain('Str0ng!Passw0rd');
  });

  it('serves HTTPS that a client trusting only the sandbox certificate accepts, and one trusting nothing refuses', async () => {
    const { port } = new URL(f.entra.url);
    const get = (ca?: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: 'localhost', port, path: `/${f.entra.tenantId}/discovery/v2.0/keys`, ...(ca ? { ca } : {}) },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await get(f.entra.caCertPem)).toBe(200);
    await expect(get()).rejects.toThrow(/self[- ]signed|unable to verify/i);
  });
});
