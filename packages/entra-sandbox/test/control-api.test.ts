/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- JSON bodies are asserted field by field */
import { Agent } from 'undici';
import { startEntraSandbox } from '../src';
import type { SandboxFixture } from './helpers';
import { newUserBody, startFixture } from './helpers';

describe('the sandbox control API over HTTP', () => {
  let f: SandboxFixture;

  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(() => f.close());
  afterEach(() => f.entra.control.reset());

  const json = (method: string, body?: unknown): RequestInit => ({
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

  it('arms a fault, shows the request log and the state, and reset empties everything', async () => {
    const armed = await f.call(
      '/_sandbox/faults',
      json('POST', { kind: 'error', status: 500, path: '^/v1.0/users$', method: 'GET' }),
    );
    expect(armed.status).toBe(201);
    expect((await f.graph('GET', '/users')).status).toBe(500);
    await f.graph('POST', '/users', newUserBody('ctl'));

    const requests = (await (await f.call('/_sandbox/requests')).json()) as any;
    const graphCalls = requests.requests.filter((r: any) => r.path.startsWith('/v1.0/'));
    expect(graphCalls.map((r: any) => [r.method, r.path, r.status])).toEqual([
      ['GET', '/v1.0/users', 500],
      ['POST', '/v1.0/users', 201],
    ]);
    const state = (await (await f.call('/_sandbox/state')).json()) as any;
    expect(state.users[f.entra.tenantId].map((u: any) => u.props.userPrincipalName)).toEqual(['ctl@contoso.com']);
    expect(JSON.stringify(state)).not.toContain(f.entra.clientSecret);

    expect((await f.call('/_sandbox/reset', { method: 'POST' })).status).toBe(204);
    const after = (await (await f.call('/_sandbox/state')).json()) as any;
    expect(after.users[f.entra.tenantId]).toEqual([]);
    expect(((await (await f.call('/_sandbox/requests')).json()) as any).requests).toEqual([]);
  });

  it('refuses bad control input with a 400 naming the problem', async () => {
    const badFault = await f.call('/_sandbox/faults', json('POST', { kind: 'explode' }));
    expect(badFault.status).toBe(400);
    expect(((await badFault.json()) as any).error).toMatch(/kind/);
    const badSettings = await f.call('/_sandbox/settings', json('PATCH', { replicationLagMs: -1 }));
    expect(badSettings.status).toBe(400);
    expect(((await badSettings.json()) as any).error).toMatch(/replicationLagMs/);
    const unknownTenant = await f.call('/_sandbox/tenants/nope/permissions', json('PUT', { permissions: [] }));
    expect(unknownTenant.status).toBe(404);
    const notJson = await f.call('/_sandbox/settings', { method: 'PATCH', body: '{' });
    expect(notJson.status).toBe(400);
  });

  it('adds a tenant and verifies a domain, which then becomes usable for userPrincipalName', async () => {
    expect((await f.graph('POST', '/users', newUserBody('x', { userPrincipalName: 'x@fabrikam.com' }))).status).toBe(
      400,
    );
    const verify = await f.call(
      `/_sandbox/tenants/${f.entra.tenantId}/domains/fabrikam.com`,
      json('PUT', { isVerified: true }),
    );
    expect(verify.status).toBe(204);
    expect((await f.graph('POST', '/users', newUserBody('x', { userPrincipalName: 'x@fabrikam.com' }))).status).toBe(
      201,
    );

    const added = await f.call(
      '/_sandbox/tenants',
      json('POST', { displayName: 'Tailspin', domains: [{ name: 'tailspin.onmicrosoft.com', isVerified: true }] }),
    );
    expect(added.status).toBe(201);
    const tenant = (await added.json()) as any;
    const discovery = await f.call(`/tailspin.onmicrosoft.com/v2.0/.well-known/openid-configuration`);
    expect(((await discovery.json()) as any).issuer).toBe(`${f.entra.url}/${tenant.id}/v2.0`);
  });

  it('expires tokens after the configured lifetime: Graph then answers 401', async () => {
    const patched = await f.call('/_sandbox/settings', json('PATCH', { tokenLifetimeSeconds: 1 }));
    expect(((await patched.json()) as any).tokenLifetimeSeconds).toBe(1);
    const res = await f.call(`/${f.entra.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: f.entra.clientId,
        client_secret: f.entra.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    const { access_token, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
    expect(expires_in).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = await f.call('/v1.0/users', { token: access_token });
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as any).error.message).toBe('Lifetime validation failed, the token is expired.');
  });

  it('is not served unless enabled', async () => {
    const entra = await startEntraSandbox();
    const dispatcher = new Agent({ connect: { ca: entra.caCertPem } });
    try {
      const res = await fetch(`${entra.url}/_sandbox/state`, { dispatcher });
      expect(res.status).toBe(404);
      expect(entra.controlUrl).toBeUndefined();
    } finally {
      await dispatcher.close();
      await entra.close();
    }
  });
});
