/** Malformed and hostile requests to /scim/v2: each gets a 4xx SCIM error and leaves nothing half-written. */
import { randomUUID } from 'node:crypto';
import { ScimUrn } from '../../domain/scim/constants';
import { createAccessToken, revokeAccessToken, listAccessTokens } from '../../store/access-tokens';
import { describeEachDatabase } from '../helpers/databases';
import { pluck, startScimEndpoint, type ScimEndpoint, type ScimResponse } from './scim-harness';
import { tokenVerificationTtlMs } from '../../api/scim/auth';

const patchOp = (...Operations: object[]) => ({ schemas: [ScimUrn.PatchOp], Operations });

describeEachDatabase('hostile and malformed SCIM requests', (getDb) => {
  let scim: ScimEndpoint;
  let userId: string;
  let before: unknown;
  let userCount: number;

  const countUsers = async () => (await scim.call('GET', '/Users?count=0')).body.totalResults as number;

  beforeAll(async () => {
    scim = await startScimEndpoint(getDb());
    const created = await scim.call('POST', '/Users', {
      schemas: [ScimUrn.User],
      userName: `victim_${randomUUID()}`,
      title: 'Original',
    });
    userId = created.body.id;
    before = created.body;
    userCount = await countUsers();
  });
  afterAll(() => scim.close());

  afterEach(async () => {
    // Whatever the request was, the user and the user count are as they were.
    expect((await scim.call('GET', `/Users/${userId}`)).body).toEqual(before);
    expect(await countUsers()).toBe(userCount);
  });

  function expectScimError(res: ScimResponse, status: number, scimType?: string) {
    expect(res.status).toBe(status);
    expect(res.contentType).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({ schemas: [ScimUrn.Error], status: String(status) });
    if (scimType) expect(res.body.scimType).toBe(scimType);
    expect(typeof res.body.detail).toBe('string');
  }

  it('answers 413 to a body over 1 MiB', async () => {
    const huge = { schemas: [ScimUrn.User], userName: `big_${randomUUID()}`, title: 'x'.repeat(1_100_000) };
    expectScimError(await scim.call('POST', '/Users', huge), 413);
  });

  it('answers 400 invalidSyntax to a deeply nested body', async () => {
    const deep = `{"schemas":["${ScimUrn.User}"],"userName":"deep","name":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;
    expectScimError(await scim.call('POST', '/Users', deep), 400, 'invalidSyntax');
    const deepPatch = JSON.stringify(
      patchOp({ op: 'add', path: 'title', value: JSON.parse(`${'['.repeat(50)}1${']'.repeat(50)}`) }),
    );
    expectScimError(await scim.call('PATCH', `/Users/${userId}`, deepPatch), 400, 'invalidSyntax');
  });

  it('answers 400 invalidSyntax to malformed JSON and to a body that is not an object', async () => {
    expectScimError(await scim.call('POST', '/Users', '{"userName": "x",'), 400, 'invalidSyntax');
    expectScimError(await scim.call('POST', '/Users', '["userName"]'), 400, 'invalidSyntax');
    expectScimError(await scim.call('PATCH', `/Users/${userId}`, '"replace"'), 400, 'invalidSyntax');
  });

  it('answers 400 invalidValue to wrong types', async () => {
    for (const body of [
      { schemas: [ScimUrn.User], userName: 42 },
      { schemas: [ScimUrn.User], userName: `t_${randomUUID()}`, active: 'perhaps' },
      { schemas: [ScimUrn.User], userName: `t_${randomUUID()}`, emails: 'a@b.com' },
      { schemas: [ScimUrn.User], userName: `t_${randomUUID()}`, name: ['Ada'] },
      { schemas: [ScimUrn.User] },
    ]) {
      expectScimError(await scim.call('POST', '/Users', body), 400, 'invalidValue');
    }
    expectScimError(
      await scim.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Replace', path: 'active', value: { yes: 1 } })),
      400,
      'invalidValue',
    );
  });

  it('answers 400 to unknown ops and a PATCH whose last operation fails, applying none of it', async () => {
    expectScimError(
      await scim.call('PATCH', `/Users/${userId}`, patchOp({ op: 'Merge', path: 'title', value: 'x' })),
      400,
      'invalidSyntax',
    );
    expectScimError(
      await scim.call(
        'PATCH',
        `/Users/${userId}`,
        patchOp({ op: 'Replace', path: 'title', value: 'Changed' }, { op: 'Replace', path: 'id', value: 'mine-now' }),
      ),
      400,
      'mutability',
    );
    expectScimError(
      await scim.call('PATCH', `/Users/${userId}`, { Operations: [{ op: 'add', path: 'title', value: 'x' }] }),
      400,
      'invalidSyntax',
    );
  });

  it.each([
    'userName eq "x\\" or 1=1"',
    "userName eq \"x' or '1'='1\"",
    'userName eq "x") or (1=1',
    'userName eq "x"; drop table scim_users; --"',
    'userName eq x or 1 eq 1',
    'emails[type eq "work" or 1=1].value eq "x"',
    'userName[value eq "x"]',
    'urn:evil:attr eq "x"',
    '',
  ])('treats the filter %j as data or refuses it, never as SQL', async (filter) => {
    const res = await scim.call('GET', `/Users?filter=${encodeURIComponent(filter)}`);
    if (filter === '') {
      expect(res.status).toBe(200);
      return;
    }
    if (res.status === 200) {
      expect(res.body.totalResults).toBe(0);
    } else {
      expectScimError(res, 400, 'invalidFilter');
    }
  });

  it('refuses a repeated query parameter and a non-integer count', async () => {
    expectScimError(
      await scim.call('GET', '/Users?filter=userName%20eq%20%22a%22&filter=userName%20eq%20%22b%22'),
      400,
      'invalidSyntax',
    );
    expectScimError(await scim.call('GET', '/Users?count=ten'), 400, 'invalidValue');
  });

  it('answers an unknown path under /scim/v2 with a SCIM 404', async () => {
    expectScimError(await scim.call('GET', '/Widgets'), 404);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const res = await fetch(`${scim.url}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${scim.token}`, 'content-type': 'text/plain' },
      body: 'userName=x',
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  });
});

describeEachDatabase('SCIM bearer tokens', (getDb) => {
  let scim: ScimEndpoint;
  beforeAll(async () => {
    scim = await startScimEndpoint(getDb());
  });
  afterAll(() => scim.close());

  it.each([
    ['no token', null],
    ['a wrong token', 'jnr_not-a-real-token'],
    ['garbage', 'Bearer'],
  ])('answers 401 with %s, before reading the body', async (_label, token) => {
    const res = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `nope_${randomUUID()}` }, token);
    expect(res.status).toBe(401);
    expect(res.contentType).toMatch(/^application\/scim\+json/);
    expect(res.body).toMatchObject({ schemas: [ScimUrn.Error], status: '401' });
  });

  it('stops accepting a token once its verification (kept a second per process) is stale after it is revoked', async () => {
    const db = getDb();
    const { token, accessToken } = await createAccessToken(db, { companyId: scim.companyId, name: 'temporary' });
    expect((await scim.call('GET', '/ServiceProviderConfig', undefined, token)).status).toBe(200);
    expect(await revokeAccessToken(db, scim.companyId, accessToken.id)).toBe(true);
    await new Promise((r) => setTimeout(r, tokenVerificationTtlMs));
    expect((await scim.call('GET', '/ServiceProviderConfig', undefined, token)).status).toBe(401);
    expect(
      (await listAccessTokens(db, scim.companyId)).find((t) => t.id === accessToken.id)?.lastUsedAt,
    ).not.toBeNull();
  });

  it("authorises exactly one company: another company's token does not see this company's users", async () => {
    const created = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `mine_${randomUUID()}` });
    const other = await startScimEndpoint(getDb());
    try {
      expect((await other.call('GET', `/Users/${created.body.id}`)).status).toBe(404);
      const filter = encodeURIComponent(`userName eq "${created.body.userName}"`);
      expect((await other.call('GET', `/Users?filter=${filter}`)).body.totalResults).toBe(0);
      expect((await other.call('DELETE', `/Users/${created.body.id}`)).status).toBe(404);
    } finally {
      await other.close();
    }
    expect((await scim.call('GET', `/Users/${created.body.id}`)).status).toBe(200);
  });

  it('serves the discovery documents', async () => {
    const config = await scim.call('GET', '/ServiceProviderConfig');
    expect(config.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true },
    });
    const types = await scim.call('GET', '/ResourceTypes');
    expect(pluck(types.body.Resources, 'id')).toEqual(['User', 'Group']);
    const schemas = await scim.call('GET', '/Schemas');
    expect(schemas.body.totalResults).toBe(3);
    const enterprise = await scim.call('GET', `/Schemas/${ScimUrn.EnterpriseUser}`);
    expect(pluck(enterprise.body.attributes, 'name')).toContain('manager');
  });
});
