/* eslint-disable @typescript-eslint/no-explicit-any -- Graph JSON bodies are asserted field by field */
import type { SandboxFixture } from './helpers';
import { newUserBody, startFixture } from './helpers';

describe('admin consent and application permissions in the sandbox', () => {
  let f: SandboxFixture;
  const redirectUri = 'https://joiner.example/integrations/entra/callback';

  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(() => f.close());
  afterEach(() => f.entra.control.reset());

  async function tokenFor(tenantId: string): Promise<Response> {
    return f.call(`/${tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: f.entra.clientId,
        client_secret: f.entra.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
  }

  async function graphWith(permissions: string[], method: string, path: string, body?: unknown) {
    f.entra.control.setPermissions(f.entra.tenantId, permissions);
    const { access_token } = (await (await tokenFor(f.entra.tenantId)).json()) as { access_token: string };
    const res = await f.call(`/v1.0${path}`, {
      method,
      token: access_token,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: res.status === 204 ? undefined : ((await res.json()) as any) };
  }

  function consentUrl(tenant: string, state = 'xyz'): string {
    const params = new URLSearchParams({ client_id: f.entra.clientId, redirect_uri: redirectUri, state });
    return `/${tenant}/adminconsent?${params.toString()}`;
  }

  it('shows an Accept/Cancel page in prompt mode; accepting grants the tenant and redirects with admin_consent=True', async () => {
    const page = await f.call(consentUrl('common'));
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('User-LifeCycleInfo.ReadWrite.All');
    expect(html).toContain(f.entra.unconsentedTenantId);
    expect((await tokenFor(f.entra.unconsentedTenantId)).status).toBe(401);

    const decision = await f.call('/common/adminconsent', {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({
        client_id: f.entra.clientId,
        redirect_uri: redirectUri,
        state: 'xyz',
        tenant: f.entra.unconsentedTenantId,
        decision: 'grant',
      }),
    });
    expect(decision.status).toBe(302);
    const location = new URL(decision.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      tenant: f.entra.unconsentedTenantId,
      admin_consent: 'True',
      state: 'xyz',
    });
    expect((await tokenFor(f.entra.unconsentedTenantId)).status).toBe(200);
  });

  it('redirects with error=permission_denied when the admin cancels, and grants nothing', async () => {
    f.entra.control.setConsent('deny');
    const res = await f.call(consentUrl(f.entra.unconsentedTenantId, 's1'), { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('permission_denied');
    expect(location.searchParams.get('error_description')).toBeTruthy();
    expect(location.searchParams.get('state')).toBe('s1');
    expect((await tokenFor(f.entra.unconsentedTenantId)).status).toBe(401);
  });

  it('grants at once in grant mode, for the tenant named in the path', async () => {
    f.entra.control.setConsent('grant');
    const res = await f.call(consentUrl('northwind.onmicrosoft.com'), { redirect: 'manual' });
    expect(new URL(res.headers.get('location')!).searchParams.get('tenant')).toBe(f.entra.unconsentedTenantId);
    expect((await tokenFor(f.entra.unconsentedTenantId)).status).toBe(200);
  });

  it('shows an error page instead of redirecting for an unknown app or tenant', async () => {
    const unknownApp = await f.call(
      `/common/adminconsent?client_id=11111111-1111-1111-1111-111111111111&redirect_uri=${encodeURIComponent(redirectUri)}`,
      { redirect: 'manual' },
    );
    expect(unknownApp.status).toBe(400);
    expect(await unknownApp.text()).toContain('AADSTS700016');
    const unknownTenant = await f.call(consentUrl('nowhere.onmicrosoft.com'), { redirect: 'manual' });
    expect(unknownTenant.status).toBe(400);
    expect(await unknownTenant.text()).toContain('AADSTS90002');
  });

  it('needs User.Read.All (or User.ReadWrite.All) to read users', async () => {
    const denied = await graphWith(['Organization.Read.All'], 'GET', '/users');
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });
    expect((await graphWith(['User.Read.All'], 'GET', '/users')).status).toBe(200);
  });

  it('needs User.ReadWrite.All to create users; User.Read.All is not enough', async () => {
    expect((await graphWith(['User.Read.All'], 'POST', '/users', newUserBody('p1'))).status).toBe(403);
    expect((await graphWith(['User.ReadWrite.All'], 'POST', '/users', newUserBody('p1'))).status).toBe(201);
  });

  it('needs User-LifeCycleInfo.ReadWrite.All for employeeLeaveDateTime, even with User.ReadWrite.All', async () => {
    const created = await f.graph('POST', '/users', newUserBody('leaver'));
    const patch = { employeeLeaveDateTime: '2027-03-31T23:59:59Z' };
    const denied = await graphWith(['User.ReadWrite.All'], 'PATCH', `/users/${created.body.id}`, patch);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('Authorization_RequestDenied');
    expect(
      (await graphWith(['User-LifeCycleInfo.ReadWrite.All'], 'PATCH', `/users/${created.body.id}`, patch)).status,
    ).toBe(204);
  });

  it('creates a user with its lifecycle dates in one POST, and refuses the whole create without the permission', async () => {
    const dates = { employeeHireDate: '2027-01-04T00:00:00Z', employeeLeaveDateTime: '2027-03-31T23:59:59Z' };
    const denied = await graphWith(['User.ReadWrite.All'], 'POST', '/users', { ...newUserBody('d1'), ...dates });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('Authorization_RequestDenied');
    expect(f.entra.control.state().users[f.entra.tenantId] ?? []).toHaveLength(0);

    const both = ['User.ReadWrite.All', 'User-LifeCycleInfo.ReadWrite.All'];
    const created = await graphWith(both, 'POST', '/users', { ...newUserBody('d1'), ...dates });
    expect(created.status).toBe(201);
    const [user] = f.entra.control.state().users[f.entra.tenantId]!;
    expect(user!.props).toMatchObject(dates);
  });

  it('lets User.EnableDisableAccount.All change accountEnabled but nothing else', async () => {
    const created = await f.graph('POST', '/users', newUserBody('toggle'));
    const id = created.body.id;
    expect(
      (await graphWith(['User.EnableDisableAccount.All'], 'PATCH', `/users/${id}`, { accountEnabled: false })).status,
    ).toBe(204);
    expect(
      (await graphWith(['User.EnableDisableAccount.All'], 'PATCH', `/users/${id}`, { jobTitle: 'X' })).status,
    ).toBe(403);
  });

  it('needs Organization.Read.All for /organization and Domain.Read.All for /domains', async () => {
    expect((await graphWith(['User.ReadWrite.All'], 'GET', '/organization')).status).toBe(403);
    expect((await graphWith(['Organization.Read.All'], 'GET', '/domains')).status).toBe(403);
    expect((await graphWith(['Directory.Read.All'], 'GET', '/domains')).status).toBe(200);
  });
});
