import type { SandboxFixture } from './helpers';
import { startFixture } from './helpers';

describe('the sandbox identity platform', () => {
  let f: SandboxFixture;

  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(() => f.close());
  afterEach(() => f.entra.control.reset());

  function tokenRequest(tenant: string, form: Record<string, string>) {
    return f.call(`/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });
  }

  function clientCredentials(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      grant_type: 'client_credentials',
      client_id: f.entra.clientId,
      client_secret: f.entra.clientSecret,
      scope: 'https://graph.microsoft.com/.default',
      ...overrides,
    };
  }

  async function expectAadsts(res: Response, status: number, error: string, code: number): Promise<void> {
    expect(res.status).toBe(status);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ error, error_codes: [code] });
    expect(body['error_description']).toMatch(
      new RegExp(
        `^AADSTS${code}: .+ Trace ID: [0-9a-f-]{36} Correlation ID: [0-9a-f-]{36} Timestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`,
      ),
    );
    expect(body['trace_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(body['correlation_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(body['timestamp']).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  }

  it('publishes OpenID configuration with the endpoints MSAL needs, for the tenant id and for a verified domain', async () => {
    for (const tenant of [f.entra.tenantId, 'contoso.com']) {
      const res = await f.call(`/${tenant}/v2.0/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      const config = (await res.json()) as Record<string, string>;
      expect(config).toMatchObject({
        token_endpoint: `${f.entra.url}/${f.entra.tenantId}/oauth2/v2.0/token`,
        authorization_endpoint: `${f.entra.url}/${f.entra.tenantId}/oauth2/v2.0/authorize`,
        jwks_uri: `${f.entra.url}/${f.entra.tenantId}/discovery/v2.0/keys`,
        issuer: `${f.entra.url}/${f.entra.tenantId}/v2.0`,
      });
    }
  });

  it('answers instance discovery with the sandbox host as the only alias', async () => {
    const res = await f.call(
      `/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`${f.entra.url}/${f.entra.tenantId}/oauth2/v2.0/authorize`)}`,
    );
    const body = (await res.json()) as { tenant_discovery_endpoint: string; metadata: { aliases: string[] }[] };
    expect(body.tenant_discovery_endpoint).toBe(
      `${f.entra.url}/${f.entra.tenantId}/v2.0/.well-known/openid-configuration`,
    );
    expect(body.metadata[0]!.aliases).toEqual([new URL(f.entra.url).host]);
  });

  it('issues an RS256 token that verifies against the JWKS, with the granted roles, tid, aud and exp', async () => {
    const { importJWK, jwtVerify } = await import('jose');
    const res = await tokenRequest(f.entra.tenantId, clientCredentials());
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token_type: string; expires_in: number; access_token: string };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    const keys = (await (await f.call(`/${f.entra.tenantId}/discovery/v2.0/keys`)).json()) as { keys: object[] };
    expect(keys.keys).toHaveLength(1);
    const key = await importJWK(keys.keys[0] as never, 'RS256');
    const { payload, protectedHeader } = await jwtVerify(body.access_token, key);
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({
      aud: 'https://graph.microsoft.com',
      tid: f.entra.tenantId,
      appid: f.entra.clientId,
      roles: expect.arrayContaining(['User.ReadWrite.All', 'User-LifeCycleInfo.ReadWrite.All']),
    });
    expect(payload.exp! - payload.iat!).toBe(3599);
  });

  it('accepts the client id and secret in an HTTP Basic header (client_secret_basic) and logs the token request', async () => {
    const basic = Buffer.from(
      `${encodeURIComponent(f.entra.clientId)}:${encodeURIComponent(f.entra.clientSecret)}`,
    ).toString('base64');
    const res = await f.call(`/${f.entra.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'https://graph.microsoft.com/.default' }),
    });
    expect(res.status).toBe(200);
    const logged = f.entra.control.requests().filter((r) => r.path.endsWith('/oauth2/v2.0/token'));
    expect(logged.map((r) => [r.status, r.tenantId, r.appId])).toEqual([[200, f.entra.tenantId, f.entra.clientId]]);
  });

  it('refuses a wrong client secret with AADSTS7000215 (401 invalid_client)', async () => {
    await expectAadsts(
      await tokenRequest(f.entra.tenantId, clientCredentials({ client_secret: 'nope' })),
      401,
      'invalid_client',
      7000215,
    );
  });

  it('refuses an unknown application with AADSTS700016 (400 unauthorized_client)', async () => {
    const res = await tokenRequest(
      f.entra.tenantId,
      clientCredentials({ client_id: '11111111-2222-3333-4444-555555555555' }),
    );
    await expectAadsts(res, 400, 'unauthorized_client', 700016);
  });

  it('refuses a tenant without consent with AADSTS7000229 (401 invalid_client)', async () => {
    await expectAadsts(
      await tokenRequest(f.entra.unconsentedTenantId, clientCredentials()),
      401,
      'invalid_client',
      7000229,
    );
  });

  it('refuses a scope without /.default with AADSTS1002012 and a malformed scope with AADSTS70011', async () => {
    await expectAadsts(
      await tokenRequest(f.entra.tenantId, clientCredentials({ scope: 'https://graph.microsoft.com/User.Read.All' })),
      400,
      'invalid_scope',
      1002012,
    );
    await expectAadsts(
      await tokenRequest(f.entra.tenantId, clientCredentials({ scope: 'https://graph.microsoft.com/.default openid' })),
      400,
      'invalid_scope',
      70011,
    );
  });

  it('refuses an unknown tenant with AADSTS90002 (400 invalid_request), also at discovery', async () => {
    await expectAadsts(
      await tokenRequest('nosuchtenant.onmicrosoft.com', clientCredentials()),
      400,
      'invalid_request',
      90002,
    );
    const discovery = await f.call('/nosuchtenant.onmicrosoft.com/v2.0/.well-known/openid-configuration');
    expect(discovery.status).toBe(400);
    expect(((await discovery.json()) as { error_codes: number[] }).error_codes).toEqual([90002]);
  });

  it('refuses a missing secret with AADSTS7000216 and another grant type with AADSTS70003', async () => {
    const { client_secret: _omit, ...withoutSecret } = clientCredentials();
    await expectAadsts(await tokenRequest(f.entra.tenantId, withoutSecret), 401, 'invalid_client', 7000216);
    await expectAadsts(
      await tokenRequest(f.entra.tenantId, clientCredentials({ grant_type: 'password' })),
      400,
      'unsupported_grant_type',
      70003,
    );
  });

  it('issues tokens whose roles follow the permissions granted in the tenant', async () => {
    f.entra.control.setPermissions(f.entra.tenantId, ['User.Read.All']);
    const res = await tokenRequest(f.entra.tenantId, clientCredentials());
    const { access_token } = (await res.json()) as { access_token: string };
    const payload = JSON.parse(Buffer.from(access_token.split('.')[1]!, 'base64url').toString()) as { roles: string[] };
    expect(payload.roles).toEqual(['User.Read.All']);
  });

  it('removing consent makes the next token request fail with AADSTS7000229', async () => {
    f.entra.control.setPermissions(f.entra.tenantId, null);
    await expectAadsts(await tokenRequest(f.entra.tenantId, clientCredentials()), 401, 'invalid_client', 7000229);
  });
});
