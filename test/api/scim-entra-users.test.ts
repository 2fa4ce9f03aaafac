/**
 * The request sequence Entra's provisioning service runs against a SCIM endpoint, taken from Microsoft's tutorial
 * "Develop and plan provisioning for a SCIM endpoint" (request and response examples) and the dialects docs/scim.md
 * accepts, over real HTTP on both database backends.
 */
import { randomUUID } from 'node:crypto';
import { ScimUrn } from '../../domain/scim/constants';
import { getScimUser, listScimAccounts } from '../../store/scim-users';
import { describeEachDatabase } from '../helpers/databases';
import { pluck, startScimEndpoint, type ScimEndpoint } from './scim-harness';

const E = ScimUrn.EnterpriseUser;
const patchOp = (...Operations: object[]) => ({ schemas: [ScimUrn.PatchOp], Operations });
const q = (filter: string) => `?filter=${encodeURIComponent(filter)}`;

function entraCreateUser(suffix = randomUUID()) {
  return {
    schemas: [ScimUrn.User, E],
    externalId: randomUUID(),
    userName: `Test_User_${suffix}`,
    active: true,
    emails: [{ primary: true, type: 'work', value: `Test_User_${suffix}@testuser.com` }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  };
}

describeEachDatabase('Entra provisioning users through /scim/v2', (getDb) => {
  let scim: ScimEndpoint;
  beforeAll(async () => {
    scim = await startScimEndpoint(getDb());
  });
  afterAll(() => scim.close());

  it('answers the test connection query for a random GUID with an empty ListResponse', async () => {
    const res = await scim.call('GET', `/Users${q(`userName eq "${randomUUID()}"`)}`);
    expect(res.status).toBe(200);
    expect(res.contentType).toMatch(/^application\/scim\+json/);
    expect(res.body).toEqual({
      schemas: [ScimUrn.ListResponse],
      totalResults: 0,
      itemsPerPage: 0,
      startIndex: 1,
      Resources: [],
    });
  });

  it('creates a user, answers 201 with id and Location, and starts its account workflow', async () => {
    const body = entraCreateUser();
    const res = await scim.call('POST', '/Users', body);
    expect(res.status).toBe(201);
    expect(res.contentType).toMatch(/^application\/scim\+json/);
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.location).toBe(`https://joiner.example/scim/v2/Users/${res.body.id}`);
    expect(res.body).toMatchObject({
      schemas: [ScimUrn.User],
      externalId: body.externalId,
      userName: body.userName,
      active: true,
      emails: [{ primary: true, type: 'work', value: body.emails[0]!.value }],
      name: body.name,
      meta: { resourceType: 'User', location: res.location },
    });
    expect(res.body).not.toHaveProperty('roles');
    expect(scim.events.at(-1)).toMatchObject({
      kind: 'account',
      scimUserId: res.body.id,
      change: 'created',
      account: { userName: body.userName, active: true, externalId: body.externalId },
    });
  });

  it('gets a user by id and answers 404 with the error body for an unknown one', async () => {
    const created = await scim.call('POST', '/Users', entraCreateUser());
    const got = await scim.call('GET', `/Users/${created.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(created.body);
    for (const id of [randomUUID(), 'not-a-uuid']) {
      const missing = await scim.call('GET', `/Users/${id}`);
      expect(missing.status).toBe(404);
      expect(missing.contentType).toMatch(/^application\/scim\+json/);
      expect(missing.body).toMatchObject({ schemas: [ScimUrn.Error], status: '404' });
    }
  });

  it('finds a user by userName and by externalId written in another case', async () => {
    const body = entraCreateUser();
    const created = await scim.call('POST', '/Users', body);
    for (const filter of [
      `userName eq "${body.userName.toUpperCase()}"`,
      `USERNAME EQ "${body.userName.toLowerCase()}"`,
      `externalId eq "${body.externalId.toUpperCase()}"`,
      `emails[type eq "work"].value eq "${body.emails[0]!.value.toUpperCase()}"`,
      `id eq "${created.body.id}" and userName eq "${body.userName}"`,
    ]) {
      const res = await scim.call('GET', `/Users${q(filter)}`);
      expect(res.status).toBe(200);
      expect(res.body.totalResults).toBe(1);
      expect(res.body.Resources[0].id).toBe(created.body.id);
    }
  });

  it('refuses a second user with the same userName in another case with 409 uniqueness', async () => {
    const body = entraCreateUser();
    expect((await scim.call('POST', '/Users', body)).status).toBe(201);
    const again = await scim.call('POST', '/Users', {
      ...body,
      userName: body.userName.toUpperCase(),
      externalId: randomUUID(),
    });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ schemas: [ScimUrn.Error], status: '409', scimType: 'uniqueness' });
  });

  it("patches multi-valued and single-valued attributes as Microsoft's examples do", async () => {
    const created = await scim.call('POST', '/Users', entraCreateUser());
    const multi = await scim.call(
      'PATCH',
      `/Users/${created.body.id}`,
      patchOp(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
      ),
    );
    expect(multi.status).toBe(200);
    expect(multi.body.emails).toEqual([{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }]);
    expect(multi.body.name.familyName).toBe('updatedFamilyName');

    const newName = `${randomUUID()}@testuser.com`;
    const single = await scim.call(
      'PATCH',
      `/Users/${created.body.id}`,
      patchOp({ op: 'Replace', path: 'userName', value: newName }),
    );
    expect(single.status).toBe(200);
    expect(single.body.userName).toBe(newName);
    const found = await scim.call('GET', `/Users${q(`userName eq "${newName}"`)}`);
    expect(found.body.totalResults).toBe(1);
    const byEmail = await scim.call(
      'GET',
      `/Users${q('emails[type eq "work"].value eq "UPDATEDEMAIL@microsoft.com"')}`,
    );
    expect(pluck(byEmail.body.Resources, 'id')).toContain(created.body.id);
  });

  it('stores the enterprise attributes Entra maps and the work phone as sent, with its E.164 form beside it', async () => {
    const created = await scim.call('POST', '/Users', entraCreateUser());
    const res = await scim.call(
      'PATCH',
      `/Users/${created.body.id}`,
      patchOp(
        { op: 'Add', path: 'title', value: 'Engineer' },
        { op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '+1 (617) 555-1212' },
        { op: 'Add', path: `${E}:department`, value: 'R&D' },
        { op: 'Add', path: `${E}:costCenter`, value: 'CC-7' },
        { op: 'Add', path: `${E}:division`, value: 'Labs' },
        { op: 'Add', path: `${E}:organization`, value: 'Contoso AB' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.schemas).toEqual([ScimUrn.User, E]);
    expect(res.body.title).toBe('Engineer');
    expect(res.body.phoneNumbers).toEqual([{ type: 'work', value: '+1 (617) 555-1212' }]);
    expect(res.body[E]).toEqual({
      department: 'R&D',
      costCenter: 'CC-7',
      division: 'Labs',
      organization: 'Contoso AB',
    });
    expect((await scim.call('GET', `/Users/${created.body.id}`)).body[E]).toEqual(res.body[E]);
    const row = await getScimUser(getDb(), scim.companyId, created.body.id);
    expect(row).toMatchObject({
      phoneNumbersE164: [{ type: 'work', e164: '+16175551212' }],
      phoneNumbersUnparsable: false,
    });
  });

  it('keeps a phone number that cannot be parsed as sent, provisions the user and flags the account', async () => {
    const created = await scim.call('POST', '/Users', entraCreateUser());
    const res = await scim.call(
      'PATCH',
      `/Users/${created.body.id}`,
      patchOp(
        { op: 'Replace', path: 'title', value: 'Sticks' },
        { op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: 'ask reception' },
      ),
    );
    expect(res.status).toBe(200);
    expect(res.body.phoneNumbers).toEqual([{ type: 'work', value: 'ask reception' }]);
    expect(res.body.title).toBe('Sticks');
    const [account] = (await listScimAccounts(getDb(), scim.companyId, { limit: 1000, flaggedOnly: true })).filter(
      (a) => a.id === created.body.id,
    );
    expect(account).toMatchObject({ phoneNumbersUnparsable: true, phoneNumbers: [{ type: 'work', e164: null }] });
  });

  it('sets the manager from every shape Entra sends, answers it as {value}, and finds reports by manager', async () => {
    const manager = await scim.call('POST', '/Users', entraCreateUser());
    const report = await scim.call('POST', '/Users', entraCreateUser());
    const path = `/Users/${report.body.id}`;
    const shapes = [
      { op: 'Replace', path: `${E}:manager`, value: manager.body.id },
      { op: 'Add', path: 'manager', value: [{ $ref: null, value: manager.body.id }] },
      { op: 'replace', path: `${E}:manager`, value: { value: manager.body.id } },
      { op: 'replace', value: { [`${E}:manager`]: manager.body.id } },
    ];
    for (const shape of shapes) {
      await scim.call('PATCH', path, patchOp({ op: 'Remove', path: `${E}:manager` }));
      const res = await scim.call('PATCH', path, patchOp(shape));
      expect(res.status).toBe(200);
      expect(res.body[E]).toEqual({ manager: { value: manager.body.id } });
    }
    const reports = await scim.call(
      'GET',
      `/Users${q(`id eq "${report.body.id}" and manager eq "${manager.body.id}"`)}`,
    );
    expect(reports.body.totalResults).toBe(1);
    const cleared = await scim.call(
      'PATCH',
      path,
      patchOp({ op: 'Replace', path: `${E}:manager`, value: { value: '' } }),
    );
    expect(cleared.body).not.toHaveProperty(E);
  });

  it('disables and re-enables in both dialects, and a disabled user is still found', async () => {
    const body = entraCreateUser();
    const created = await scim.call('POST', '/Users', body);
    const path = `/Users/${created.body.id}`;
    const dialects: Array<[object, boolean]> = [
      [{ op: 'Replace', path: 'active', value: 'False' }, false],
      [{ op: 'Replace', path: 'active', value: 'True' }, true],
      [{ op: 'replace', path: 'active', value: false }, false],
      [{ op: 'replace', value: { active: true } }, true],
    ];
    for (const [operation, active] of dialects) {
      const res = await scim.call('PATCH', path, patchOp(operation));
      expect(res.status).toBe(200);
      expect(res.body.active).toBe(active);
      expect(scim.events.at(-1)).toMatchObject({ change: active ? 'reactivated' : 'deactivated' });
    }
    await scim.call('PATCH', path, patchOp({ op: 'Replace', path: 'active', value: 'False' }));
    const found = await scim.call('GET', `/Users${q(`userName eq "${body.userName}"`)}`);
    expect(found.body.Resources[0]).toMatchObject({ id: created.body.id, active: false });
    expect((await scim.call('GET', path)).body.active).toBe(false);
  });

  it('deletes with 204, then answers 404 to a second delete and to a get', async () => {
    const created = await scim.call('POST', '/Users', entraCreateUser());
    const path = `/Users/${created.body.id}`;
    const first = await scim.call('DELETE', path);
    expect(first.status).toBe(204);
    expect(first.body).toBeUndefined();
    expect(scim.events.at(-1)).toMatchObject({ change: 'deleted', scimUserId: created.body.id });
    const second = await scim.call('DELETE', path);
    expect(second.status).toBe(404);
    expect(second.body).toMatchObject({ schemas: [ScimUrn.Error], status: '404' });
    expect((await scim.call('GET', path)).status).toBe(404);
  });

  it('finds by userName only the live user: not one deleted and kept for retention, whose userName is taken again', async () => {
    const keeping = await startScimEndpoint(getDb(), { policies: { scimDeletedUserRetentionDays: 30 } });
    try {
      const body = entraCreateUser();
      const deleted = await keeping.call('POST', '/Users', body);
      expect((await keeping.call('DELETE', `/Users/${deleted.body.id}`)).status).toBe(204);
      const filter = q(`userName eq "${body.userName.toLowerCase()}"`);
      expect((await keeping.call('GET', `/Users${filter}`)).body).toMatchObject({ totalResults: 0, Resources: [] });
      const again = await keeping.call('POST', '/Users', { ...body, externalId: randomUUID() });
      expect(again.status).toBe(201);
      const found = await keeping.call('GET', `/Users${filter}`);
      expect(found.body.totalResults).toBe(1);
      expect(pluck(found.body.Resources, 'id')).toEqual([again.body.id]);
      // Past the first page there is nothing, and the count still says one.
      expect((await keeping.call('GET', `/Users${filter}&startIndex=2`)).body).toMatchObject({
        totalResults: 1,
        Resources: [],
      });
    } finally {
      await keeping.close();
    }
  });

  it('pages 1-based with totalResults, itemsPerPage and startIndex', async () => {
    const prefix = `page_${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 5; i++) await scim.call('POST', '/Users', { ...entraCreateUser(), userName: `${prefix}_${i}` });
    const filter = encodeURIComponent(`userName sw "${prefix}"`);
    const page = await scim.call('GET', `/Users?filter=${filter}&startIndex=2&count=2`);
    expect(page.body).toMatchObject({ totalResults: 5, itemsPerPage: 2, startIndex: 2 });
    expect(pluck(page.body.Resources, 'userName')).toEqual([`${prefix}_1`, `${prefix}_2`]);
    const past = await scim.call('GET', `/Users?filter=${filter}&startIndex=9&count=2`);
    expect(past.body).toMatchObject({ totalResults: 5, itemsPerPage: 0, startIndex: 9, Resources: [] });
    const countOnly = await scim.call('GET', `/Users?filter=${filter}&count=0`);
    expect(countOnly.body).toMatchObject({ totalResults: 5, itemsPerPage: 0 });
  });

  it('returns only the asked attributes, or all but the excluded ones', async () => {
    const created = await scim.call('POST', '/Users', entraCreateUser());
    const only = await scim.call('GET', `/Users/${created.body.id}?attributes=userName,name.givenName`);
    expect(only.body).toEqual({
      schemas: [ScimUrn.User],
      id: created.body.id,
      userName: created.body.userName,
      name: { givenName: 'givenName' },
    });
    const except = await scim.call('GET', `/Users/${created.body.id}?excludedAttributes=emails,meta`);
    expect(except.body).not.toHaveProperty('emails');
    expect(except.body).not.toHaveProperty('meta');
    expect(except.body.userName).toBe(created.body.userName);
  });
});
