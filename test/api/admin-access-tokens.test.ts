/** The Access tokens page's API: create (shown once), list (never the token), revoke (effective at once). */
import { createApp, type AppDeps } from '../../api/app';
import { parseConfig } from '../../domain/config';
import { describeEachDatabase } from '../helpers/databases';
import { capturingLogger, pluck } from './scim-harness';
import { serve, type ServedApp } from './serve';
import { CallsInFlight } from '../../orchestration/deadline';

const adminPassword = 'correct horse battery staple';

describeEachDatabase('the admin access-token API', (getDb) => {
  let app: ServedApp;
  let withoutPassword: ServedApp;
  const logLines: string[] = [];

  beforeAll(async () => {
    const deps = (env: Record<string, string>): AppDeps => ({
      db: getDb(),
      temporal: { client: {} as AppDeps['temporal']['client'], taskQueue: 'test', inFlight: new CallsInFlight() },
      config: parseConfig(env),
      logger: capturingLogger(logLines),
    });
    app = await serve(createApp(deps({ ADMIN_PASSWORD: adminPassword })));
    withoutPassword = await serve(createApp(deps({})));
  });
  afterAll(async () => {
    await app.close();
    await withoutPassword.close();
  });

  const admin = (
    method: string,
    path: string,
    body?: unknown,
    auth = `Basic ${Buffer.from(`admin:${adminPassword}`).toString('base64')}`,
  ) =>
    fetch(`${app.url}/admin/api/access-tokens${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const scim = (token: string) =>
    fetch(`${app.url}/scim/v2/Users?count=0`, { headers: { authorization: `Bearer ${token}` } });

  it('creates a token shown once, which then authorises SCIM, and lists it without the token', async () => {
    const res = await admin('POST', '', { name: 'Entra provisioning', description: 'Contoso tenant' });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const { token, accessToken } = (await res.json()) as { token: string; accessToken: { id: string } };
    expect(token).toMatch(/^jnr_/);
    expect((await scim(token)).status).toBe(200);

    const list = await admin('GET', '');
    const text = await list.text();
    expect(text).not.toContain(token);
    const body = JSON.parse(text) as { accessTokens: Array<Record<string, unknown>> };
    const listed = body.accessTokens.find((t) => t.id === accessToken.id)!;
    expect(listed).toMatchObject({ name: 'Entra provisioning', description: 'Contoso tenant', revokedAt: null });
    expect(listed.createdAt).toEqual(expect.any(String));
    expect(listed.lastUsedAt).toEqual(expect.any(String));
    expect(Object.keys(listed)).not.toContain('tokenHash');
    expect(logLines.join('')).not.toContain(token);
  });

  it('revokes a token so that SCIM in the same process refuses it at once, within its second of trust', async () => {
    const created = (await (await admin('POST', '', { name: 'short-lived' })).json()) as {
      token: string;
      accessToken: { id: string };
    };
    expect((await scim(created.token)).status).toBe(200);
    expect((await admin('DELETE', `/${created.accessToken.id}`)).status).toBe(204);
    // Other processes stop trusting it within tokenVerificationTtlMs (test/scim/token-verifier.test.ts).
    expect((await scim(created.token)).status).toBe(401);
    expect((await admin('DELETE', `/${created.accessToken.id}`)).status).toBe(404);
  });

  it('refuses a wrong or missing administrator password with 401', async () => {
    expect((await admin('GET', '', undefined, `Basic ${Buffer.from('admin:guess').toString('base64')}`)).status).toBe(
      401,
    );
    expect((await admin('GET', '', undefined, '')).status).toBe(401);
    expect((await admin('GET', '', undefined, `Bearer ${adminPassword}`)).status).toBe(200);
  });

  it('is switched off without ADMIN_PASSWORD', async () => {
    const res = await fetch(`${withoutPassword.url}/admin/api/access-tokens`);
    expect(res.status).toBe(503);
  });

  it('answers a bad body with 400 naming the field, and an unknown company with 404', async () => {
    const bad = await admin('POST', '', { name: '', extra: true });
    expect(bad.status).toBe(400);
    const message = ((await bad.json()) as { error: { message: string } }).error.message;
    expect(message).toContain('name');
    expect((await admin('POST', '', { name: 'x', companyId: 'no-such-company' })).status).toBe(404);
    expect((await admin('GET', '?company=a&company=b')).status).toBe(400);
  });

  it.each([
    ['name', 'NUL', { name: 'Entra\u0000provisioning' }],
    ['name', 'an unpaired surrogate', { name: 'Entra \uD83D' }],
    ['description', 'NUL', { name: 'Entra', description: 'Contoso\u0000tenant' }],
    ['description', 'an unpaired surrogate', { name: 'Entra', description: '\uDE00Contoso' }],
    ['companyId', 'NUL', { name: 'Entra', companyId: 'default\u0000' }],
    ['company (query)', 'NUL', null],
    ['id (path)', 'NUL', 'delete'],
  ])('refuses %s with %s: 4xx naming it, nothing written, nothing logged above debug', async (field, _kind, body) => {
    const before = ((await (await admin('GET', '')).json()) as { accessTokens: unknown[] }).accessTokens.length;
    logLines.length = 0;
    const res =
      body === null
        ? await admin('GET', '?company=default%00')
        : body === 'delete'
          ? await admin('DELETE', '/00000000-0000-0000-0000-00000000000%00')
          : await admin('POST', '', body);
    if (body === 'delete') {
      expect(res.status).toBe(404);
    } else {
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain(field.split(' ')[0]);
    }
    const after = ((await (await admin('GET', '')).json()) as { accessTokens: unknown[] }).accessTokens.length;
    expect(after).toBe(before);
    const loud = logLines.filter((l) => (JSON.parse(l) as { level: number }).level > 20);
    expect(loud).toEqual([]);
  });

  it('keeps one company per token: a token of the default company lists only its own tokens', async () => {
    const res = await admin('GET', '?company=default');
    const body = (await res.json()) as { companyId: string; accessTokens: unknown[] };
    expect(body.companyId).toBe('default');
    expect(pluck(body.accessTokens, 'companyId').every((c) => c === 'default')).toBe(true);
  });
});
