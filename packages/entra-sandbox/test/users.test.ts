/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return -- Graph JSON bodies are asserted field by field */
import type { SandboxFixture } from './helpers';
import { newUserBody, startFixture } from './helpers';

describe('Graph users in the sandbox', () => {
  let f: SandboxFixture;

  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(() => f.close());
  afterEach(() => f.entra.control.reset());

  function expectGraphError(res: { status: number; body: any; headers: Headers }, status: number, code: string): void {
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(typeof res.body.error.message).toBe('string');
    expect(res.body.error.innerError).toEqual({
      date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
      'request-id': res.headers.get('request-id'),
      'client-request-id': res.headers.get('client-request-id'),
    });
  }

  it('creates a user: 201 with the default property set and never the password', async () => {
    const res = await f.graph(
      'POST',
      '/users',
      newUserBody('ada', { givenName: 'Ada', jobTitle: 'Analyst', department: 'R&D' }),
    );
    expect(res.status).toBe(201);
    expect(Object.keys(res.body).sort()).toEqual(
      [
        '@odata.context',
        'businessPhones',
        'displayName',
        'givenName',
        'id',
        'jobTitle',
        'mail',
        'mobilePhone',
        'officeLocation',
        'preferredLanguage',
        'surname',
        'userPrincipalName',
      ].sort(),
    );
    expect(res.body).toMatchObject({
      displayName: 'User ada',
      givenName: 'Ada',
      jobTitle: 'Analyst',
      mail: null,
      businessPhones: [],
    });
    expect(JSON.stringify(res.body)).not.toContain('Str0ng!Passw0rd');
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('reads a user by id and by userPrincipalName in any case, with $select for non-default properties', async () => {
    const { body: created } = await f.graph('POST', '/users', newUserBody('grace', { department: 'Navy' }));
    const byId = await f.graph('GET', `/users/${created.id}`);
    expect(byId.body.department).toBeUndefined();
    const byUpn = await f.graph('GET', `/users/GRACE@Contoso.com?$select=id,department,accountEnabled,passwordProfile`);
    expect(byUpn.body).toMatchObject({
      id: created.id,
      department: 'Navy',
      accountEnabled: true,
      passwordProfile: null,
    });
  });

  it('answers 404 Request_ResourceNotFound in Graph error shape for an unknown user', async () => {
    const res = await f.graph('GET', '/users/nobody@contoso.com', undefined, { 'client-request-id': 'my-correlation' });
    expectGraphError(res, 404, 'Request_ResourceNotFound');
    expect(res.headers.get('client-request-id')).toBe('my-correlation');
    expect(res.body.error.message).toBe(
      "Resource 'nobody@contoso.com' does not exist or one of its queried reference-property objects are not present.",
    );
  });

  it('requires accountEnabled, displayName, mailNickname, userPrincipalName and a password on create', async () => {
    for (const missing of ['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName', 'passwordProfile']) {
      const body = newUserBody('x');
      delete body[missing];
      const res = await f.graph('POST', '/users', body);
      expectGraphError(res, 400, 'Request_BadRequest');
    }
    expect(f.entra.control.state().users[f.entra.tenantId]).toEqual([]);
  });

  it('refuses a userPrincipalName on an unverified or foreign domain and one with bad alias characters', async () => {
    const unverified = await f.graph('POST', '/users', newUserBody('x', { userPrincipalName: 'x@fabrikam.com' }));
    expectGraphError(unverified, 400, 'Request_BadRequest');
    expect(unverified.body.error.message).toMatch(/domain portion of the userPrincipalName property is invalid/);
    expect(unverified.body.error.details).toEqual([
      expect.objectContaining({ code: 'InvalidValue', target: 'userPrincipalName' }),
    ]);
    const badAlias = await f.graph('POST', '/users', newUserBody('x', { userPrincipalName: 'bad alias@contoso.com' }));
    expect(badAlias.body.error.details[0].target).toBe('userPrincipalName');
    const onInitial = await f.graph(
      'POST',
      '/users',
      newUserBody('x', { userPrincipalName: "o'brien-x_1@contoso.onmicrosoft.com" }),
    );
    expect(onInitial.status).toBe(201);
  });

  it('refuses a mailNickname with forbidden characters or over 64 characters', async () => {
    for (const nickname of ['a b', 'a@b', 'a;b', 'åsa', 'x'.repeat(65)]) {
      const res = await f.graph('POST', '/users', newUserBody('nick', { mailNickname: nickname }));
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].target).toBe('mailNickname');
    }
  });

  it('refuses a password that is too short or uses fewer than three character classes', async () => {
    for (const password of ['Sh0rt!', 'alllowercase1', 'NoDigitsOrSymbols']) {
      const res = await f.graph('POST', '/users', newUserBody('pw', { passwordProfile: { password } }));
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/password complexity/);
    }
  });

  it('refuses a duplicate userPrincipalName with ObjectConflict on userPrincipalName', async () => {
    await f.graph('POST', '/users', newUserBody('dup'));
    const res = await f.graph('POST', '/users', newUserBody('dup', { userPrincipalName: 'DUP@contoso.com' }));
    expectGraphError(res, 400, 'Request_BadRequest');
    expect(res.body.error.message).toBe(
      'Another object with the same value for property userPrincipalName already exists.',
    );
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ code: 'ObjectConflict', target: 'userPrincipalName' }),
    ]);
  });

  it('reports a mail already used by another user as a proxyAddresses conflict', async () => {
    await f.graph('POST', '/users', newUserBody('one', { mail: 'team@contoso.com' }));
    const res = await f.graph('POST', '/users', newUserBody('two', { mail: 'Team@contoso.com' }));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ code: 'ObjectConflict', target: 'proxyAddresses' }),
    ]);
  });

  it('patches with 204 and keeps proxyAddresses in line with mail', async () => {
    const { body: user } = await f.graph('POST', '/users', newUserBody('pat', { mail: 'pat@contoso.com' }));
    const res = await f.graph('PATCH', `/users/${user.id}`, {
      mail: 'patricia@contoso.com',
      businessPhones: ['+46 8 123 456'],
      employeeHireDate: '2024-03-01T00:00:00Z',
      city: null,
    });
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    const read = await f.graph(
      'GET',
      `/users/${user.id}?$select=mail,proxyAddresses,businessPhones,employeeHireDate,city`,
    );
    expect(read.body).toMatchObject({
      mail: 'patricia@contoso.com',
      proxyAddresses: ['SMTP:patricia@contoso.com', 'smtp:pat@contoso.com'],
      businessPhones: ['+46 8 123 456'],
      employeeHireDate: '2024-03-01T00:00:00Z',
      city: null,
    });
  });

  it('refuses to clear displayName or mail, a second business phone, and values over the max length', async () => {
    const { body: user } = await f.graph('POST', '/users', newUserBody('rules'));
    const cases: [Record<string, unknown>, string][] = [
      [{ displayName: '' }, 'displayName'],
      [{ displayName: null }, 'displayName'],
      [{ mail: null }, 'mail'],
      [{ businessPhones: ['+1 1', '+1 2'] }, 'businessPhones'],
      [{ companyName: 'c'.repeat(65) }, 'companyName'],
      [{ postalCode: 'p'.repeat(41) }, 'postalCode'],
      [{ employeeId: 'e'.repeat(17) }, 'employeeId'],
      [{ streetAddress: 's'.repeat(1025) }, 'streetAddress'],
    ];
    for (const [patch, target] of cases) {
      const res = await f.graph('PATCH', `/users/${user.id}`, patch);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].target).toBe(target);
    }
  });

  it('refuses a bare date for a DateTimeOffset with "Cannot convert the literal"', async () => {
    const { body: user } = await f.graph('POST', '/users', newUserBody('dates'));
    const res = await f.graph('PATCH', `/users/${user.id}`, { employeeLeaveDateTime: '2025-01-31' });
    expectGraphError(res, 400, 'BadRequest');
    expect(res.body.error.message).toBe(
      "Cannot convert the literal '2025-01-31' to the expected type 'Edm.DateTimeOffset'.",
    );
  });

  it('refuses unknown and read-only properties and malformed JSON without writing anything', async () => {
    const { body: user } = await f.graph('POST', '/users', newUserBody('strict'));
    const unknown = await f.graph('PATCH', `/users/${user.id}`, { jobTitle: 'X', favouriteColour: 'blue' });
    expectGraphError(unknown, 400, 'BadRequest');
    const readOnly = await f.graph('PATCH', `/users/${user.id}`, { id: 'abc' });
    expect(readOnly.status).toBe(400);
    const res = await f.call(`/v1.0/users/${user.id}`, {
      method: 'PATCH',
      token: await f.token(),
      headers: { 'content-type': 'application/json' },
      body: '{"jobTitle": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toMatch(/Unable to read JSON request payload/);
    const read = await f.graph('GET', `/users/${user.id}?$select=jobTitle`);
    expect(read.body.jobTitle).toBeNull();
  });

  it('deletes with 204 and the user is gone afterwards', async () => {
    const { body: user } = await f.graph('POST', '/users', newUserBody('bye'));
    expect((await f.graph('DELETE', `/users/${user.id}`)).status).toBe(204);
    expect((await f.graph('GET', `/users/${user.id}`)).status).toBe(404);
    expect((await f.graph('DELETE', `/users/${user.id}`)).status).toBe(404);
  });

  it('renaming userPrincipalName moves lookups to the new name and frees the old one; deleting frees name and mail', async () => {
    const { body: user } = await f.graph('POST', '/users', newUserBody('old', { mail: 'old@contoso.com' }));
    expect((await f.graph('PATCH', `/users/${user.id}`, { userPrincipalName: 'new@contoso.com' })).status).toBe(204);
    expect((await f.graph('GET', '/users/old@contoso.com')).status).toBe(404);
    expect((await f.graph('GET', '/users/NEW@contoso.com')).body.id).toBe(user.id);
    expect((await f.graph('POST', '/users', newUserBody('old'))).status).toBe(201);
    expect((await f.graph('POST', '/users', newUserBody('other', { mail: 'old@contoso.com' }))).status).toBe(400);

    expect((await f.graph('DELETE', `/users/${user.id}`)).status).toBe(204);
    const byMail = await f.graph('GET', `/users?$filter=${encodeURIComponent("mail eq 'old@contoso.com'")}`);
    expect(byMail.body.value).toEqual([]);
    expect((await f.graph('POST', '/users', newUserBody('other', { mail: 'old@contoso.com' }))).status).toBe(201);
    expect((await f.graph('POST', '/users', newUserBody('new'))).status).toBe(201);
  });

  it('revokeSignInSessions answers true and records the time', async () => {
    const { body: user } = await f.graph('POST', '/users', newUserBody('revoke'));
    const res = await f.graph('POST', `/users/${user.id}/revokeSignInSessions`);
    expect(res.status).toBe(200);
    expect(res.body.value).toBe(true);
    const read = await f.graph('GET', `/users/${user.id}?$select=signInSessionsValidFromDateTime`);
    expect(read.body.signInSessionsValidFromDateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('lists the organization with verified domains, and domains including unverified ones', async () => {
    const org = await f.graph('GET', '/organization');
    expect(org.body.value[0].id).toBe(f.entra.tenantId);
    expect(org.body.value[0].verifiedDomains.map((d: any) => d.name).sort()).toEqual([
      'contoso.com',
      'contoso.onmicrosoft.com',
    ]);
    expect(org.body.value[0].verifiedDomains.find((d: any) => d.isInitial).name).toBe('contoso.onmicrosoft.com');
    f.entra.control.setPermissions(f.entra.tenantId, ['User.ReadWrite.All', 'Domain.Read.All']);
    const token = await f.call(`/${f.entra.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: f.entra.clientId,
        client_secret: f.entra.clientSecret,
        scope: 'https://graph.microsoft.com/.default',
      }),
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const domains = (await (await f.call('/v1.0/domains', { token: access_token })).json()) as any;
    expect(domains.value.map((d: any) => [d.id, d.isVerified])).toEqual([
      ['contoso.onmicrosoft.com', true],
      ['contoso.com', true],
      ['fabrikam.com', false],
    ]);
  });

  it('answers 401 InvalidAuthenticationToken for a missing or forged token', async () => {
    const missing = await f.call('/v1.0/users');
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as any).error).toMatchObject({
      code: 'InvalidAuthenticationToken',
      message: 'Access token is empty.',
    });
    const good = await f.token();
    const [h, p] = good.split('.');
    const forged = `${h}.${p}.${Buffer.from('not a signature').toString('base64url')}`;
    const bad = await f.call('/v1.0/users', { token: forged });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as any).error.code).toBe('InvalidAuthenticationToken');
  });
});
