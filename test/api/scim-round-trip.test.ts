/**
 * What Entra writes comes back exactly as written: a create and PATCHes in every dialect replayed over HTTP, then a
 * GET compared byte for byte with what a client applying the same operations holds; no-op writes that write
 * nothing; phone numbers in any form; unknown attributes answered with the attribute's name.
 */
import { randomUUID } from 'node:crypto';
import { ScimUrn } from '../../domain/scim/constants';
import { getScimGroup } from '../../store/scim-groups';
import { getScimUser, listScimAccounts } from '../../store/scim-users';
import { describeEachDatabase } from '../helpers/databases';
import { startScimEndpoint, type ScimEndpoint } from './scim-harness';

const E = ScimUrn.EnterpriseUser;
const patchOp = (...Operations: object[]) => ({ schemas: [ScimUrn.PatchOp], Operations });

/** JSON with keys sorted at every level: equal text means equal values, byte for byte, whatever the key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The resource as answered, without what the server assigns. */
function clientView(body: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, meta: _meta, ...rest } = body;
  return rest;
}

describeEachDatabase('SCIM values round-trip exactly as sent', (getDb) => {
  let scim: ScimEndpoint;
  beforeAll(async () => {
    scim = await startScimEndpoint(getDb(), { policies: { phoneDefaultCountry: 'US' } });
  });
  afterAll(() => scim.close());

  it('answers a create followed by PATCHes in every dialect with exactly what a client applying them holds', async () => {
    const suffix = randomUUID();
    const manager = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `boss_${suffix}` });
    const created = await scim.call('POST', '/Users', {
      schemas: [ScimUrn.User, E],
      externalId: suffix.toUpperCase(),
      userName: `Ada.Lovelace_${suffix}@Contoso.com`,
      active: 'True',
      displayName: '  Ada   Lovelace ',
      nickName: 'ada',
      profileUrl: 'https://contoso.example/People/Ada',
      title: 'Countess of Lovelace',
      userType: 'Employee',
      preferredLanguage: 'en-GB',
      locale: 'en-GB',
      timezone: 'Europe/London',
      name: {
        formatted: 'Ada King, Countess of Lovelace',
        familyName: 'King',
        givenName: 'Ada',
        honorificPrefix: 'Lady',
      },
      emails: [{ primary: 'True', type: 'work', value: `Ada.Lovelace_${suffix}@Contoso.com` }],
      phoneNumbers: [
        { type: 'work', value: '+1 425 555 0100' },
        { type: 'fax', value: '555-555-5555', primary: 'false' },
      ],
      addresses: [{ type: 'work', streetAddress: '12 St James’s Square', locality: 'London', country: 'GB' }],
      ims: [{ type: 'skype', value: 'ada.l' }],
      photos: [{ type: 'photo', value: 'https://contoso.example/photos/ada.jpg' }],
      roles: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Analyst' }],
      entitlements: [{ value: 'Engine-Access', display: 'Analytical Engine' }],
      [E]: { employeeNumber: '0001', department: 'Mathematics', organization: 'Zoë & Co 🙂' },
      meta: { resourceType: 'User' },
      password: 'never kept',
      unknownToJoiner: 'ignored',
    });
    expect(created.status).toBe(201);
    const path = `/Users/${created.body.id}`;
    const patches = [
      // Entra's default dialect: capitalised ops, string booleans, URN paths, a bare manager id.
      patchOp(
        { op: 'Replace', path: 'name.givenName', value: 'Augusta Ada' },
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Add', path: `${E}:manager`, value: manager.body.id },
        { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '(425) 555-0199 ' },
      ),
      // aadOptscim062020: lower-case ops, no path, dotted and URN-qualified keys.
      patchOp({
        op: 'replace',
        value: {
          'name.familyName': 'King-Noel',
          [`${E}:costCenter`]: 'CC 01',
          nickName: 'The Enchantress',
          active: true,
        },
      }),
      // Typed values created and changed by filter, removal by filter, an element added to a list.
      patchOp(
        { op: 'Add', path: 'addresses[type eq "work"].postalCode', value: 'SW1Y 4JH' },
        { op: 'Replace', path: 'roles[primary eq "True"].value', value: 'Lead Analyst' },
        { op: 'Remove', path: 'ims[type eq "skype"]' },
        { op: 'add', path: 'emails', value: [{ type: 'home', value: 'ada@Example.org', primary: 'False' }] },
        { op: 'Remove', path: 'photos' },
        { op: 'Remove', path: 'timezone' },
      ),
    ];
    for (const body of patches) expect((await scim.call('PATCH', path, body)).status).toBe(200);

    const expected = {
      schemas: [ScimUrn.User, E],
      externalId: suffix.toUpperCase(),
      userName: `Ada.Lovelace_${suffix}@Contoso.com`,
      active: true,
      displayName: '  Ada   Lovelace ',
      nickName: 'The Enchantress',
      profileUrl: 'https://contoso.example/People/Ada',
      title: 'Countess of Lovelace',
      userType: 'Employee',
      preferredLanguage: 'en-GB',
      locale: 'en-GB',
      name: {
        formatted: 'Ada King, Countess of Lovelace',
        familyName: 'King-Noel',
        givenName: 'Augusta Ada',
        honorificPrefix: 'Lady',
      },
      emails: [
        { primary: true, type: 'work', value: `Ada.Lovelace_${suffix}@Contoso.com` },
        { type: 'home', value: 'ada@Example.org', primary: false },
      ],
      phoneNumbers: [
        { type: 'work', value: '+1 425 555 0100' },
        { type: 'fax', value: '555-555-5555', primary: false },
        { type: 'mobile', value: '(425) 555-0199 ' },
      ],
      addresses: [
        {
          type: 'work',
          streetAddress: '12 St James’s Square',
          locality: 'London',
          country: 'GB',
          postalCode: 'SW1Y 4JH',
        },
      ],
      roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Lead Analyst' }],
      entitlements: [{ value: 'Engine-Access', display: 'Analytical Engine' }],
      [E]: {
        employeeNumber: '0001',
        department: 'Mathematics',
        organization: 'Zoë & Co 🙂',
        costCenter: 'CC 01',
        manager: { value: manager.body.id },
      },
    };
    const got = await scim.call('GET', path);
    expect(canonicalJson(clientView(got.body))).toBe(canonicalJson(expected));
    // Every element of a list stays where it was written.
    expect(got.body.phoneNumbers).toEqual(expected.phoneNumbers);
    expect(got.body.meta).toMatchObject({ version: 'W/"4"', resourceType: 'User' });

    const row = await getScimUser(getDb(), scim.companyId, created.body.id);
    expect(row?.phoneNumbersE164).toEqual([
      { type: 'work', e164: '+14255550100' },
      { type: 'fax', e164: '+15555555555' },
      { type: 'mobile', e164: '+14255550199' },
    ]);
  });

  it('writes nothing for two identical PATCHes in a row: same version, same lastModified, no second signal', async () => {
    const created = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `noop_${randomUUID()}` });
    const path = `/Users/${created.body.id}`;
    const body = patchOp(
      { op: 'Replace', path: 'title', value: 'Engineer' },
      { op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '+1 425 555 0100' },
      { op: 'Replace', path: 'active', value: 'True' },
    );
    const first = await scim.call('PATCH', path, body);
    expect(first.body.meta.version).toBe('W/"2"');
    const signals = scim.events.length;
    const second = await scim.call('PATCH', path, body);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(scim.events).toHaveLength(signals);

    // Nor do operations that leave the user as it is, or a PUT of what is stored.
    for (const noop of [
      patchOp({ op: 'Remove', path: 'nickName' }, { op: 'Remove', path: 'phoneNumbers[type eq "fax"]' }),
      patchOp({ op: 'replace', value: { title: 'Engineer', active: true } }),
      patchOp({ op: 'Replace', path: 'meta.lastModified', value: '2000-01-01T00:00:00Z' }),
    ]) {
      expect((await scim.call('PATCH', path, noop)).body).toEqual(first.body);
    }
    const { id: _id, meta: _meta, ...stored } = first.body;
    expect((await scim.call('PUT', path, stored)).body).toEqual(first.body);
    expect((await scim.call('GET', path)).body.meta).toEqual(first.body.meta);
    expect(scim.events).toHaveLength(signals);
  });

  it('writes nothing for a group PATCH that adds a member already in, removes one already out or keeps the name', async () => {
    const user = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `member_${randomUUID()}` });
    const group = await scim.call('POST', '/Groups', {
      schemas: [ScimUrn.Group],
      displayName: ` Team ${randomUUID()} `,
    });
    expect(group.body.displayName).toMatch(/^ Team .* $/);
    const path = `/Groups/${group.body.id}`;
    const add = patchOp({ op: 'Add', path: 'members', value: [{ value: user.body.id }] });
    expect((await scim.call('PATCH', path, add)).status).toBe(204);
    const after = await getScimGroup(getDb(), scim.companyId, group.body.id);
    expect(after?.version).toBe(2);
    for (const noop of [
      add,
      patchOp({ op: 'Remove', path: 'members', value: [{ value: randomUUID() }] }),
      patchOp({ op: 'Replace', path: 'displayName', value: group.body.displayName }),
      patchOp({ op: 'Add', path: 'members', value: [{ value: user.body.id }] }, { op: 'Remove', path: 'externalId' }),
    ]) {
      expect((await scim.call('PATCH', path, noop)).status).toBe(204);
    }
    const { id: _id, meta: _meta, ...stored } = (await scim.call('GET', path)).body;
    expect((await scim.call('PUT', path, stored)).status).toBe(200);
    const unchanged = await getScimGroup(getDb(), scim.companyId, group.body.id);
    expect(unchanged).toEqual(after);
  });

  it.each([
    ["Microsoft's sample", '555-555-5555', '+15555555555'],
    ["the SCIM validator's value", '10-040-1308', null],
    ['an international number with spaces', '+1 425 555 0100', '+14255550100'],
    ['words', 'ask reception', null],
  ])(
    'provisions a user with %s as its phone (%s), answers it as sent and keeps its E.164 form or a flag',
    async (_l, value, e164) => {
      const res = await scim.call('POST', '/Users', {
        schemas: [ScimUrn.User],
        userName: `phone_${randomUUID()}`,
        phoneNumbers: [{ type: 'work', value }],
      });
      expect(res.status).toBe(201);
      expect(res.body.phoneNumbers).toEqual([{ type: 'work', value }]);
      expect((await scim.call('GET', `/Users/${res.body.id}`)).body.phoneNumbers).toEqual([{ type: 'work', value }]);
      const accounts = await listScimAccounts(getDb(), scim.companyId, { limit: 1000 });
      expect(accounts.find((a) => a.id === res.body.id)).toMatchObject({
        phoneNumbers: [{ type: 'work', e164 }],
        phoneNumbersUnparsable: e164 === null,
      });
    },
  );

  it('answers a PATCH of an attribute the schemas lack with 400 invalidPath naming it, and writes nothing', async () => {
    const created = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `unknown_${randomUUID()}` });
    const path = `/Users/${created.body.id}`;
    for (const [operation, name] of [
      [{ op: 'Replace', path: 'favouriteColour', value: 'blue' }, 'favouriteColour'],
      [{ op: 'replace', path: '__proto__', value: { polluted: true } }, '__proto__'],
      [{ op: 'Add', path: `${E}:badge`, value: 'x' }, `${E}:badge`],
      [{ op: 'replace', value: { title: 'x', shoeSize: '9' } }, 'shoeSize'],
    ] as const) {
      const res = await scim.call('PATCH', path, patchOp(operation));
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ status: '400', scimType: 'invalidPath' });
      expect(res.body.detail).toContain(name);
    }
    const group = await scim.call('POST', '/Groups', { schemas: [ScimUrn.Group], displayName: `g_${randomUUID()}` });
    const res = await scim.call(
      'PATCH',
      `/Groups/${group.body.id}`,
      patchOp({ op: 'Replace', path: 'colour', value: 'red' }),
    );
    expect(res.body).toMatchObject({ status: '400', scimType: 'invalidPath' });
    expect(res.body.detail).toContain('colour');
    expect((await scim.call('GET', path)).body).toEqual(created.body);
    // A custom extension Entra may carry is not an error: it is ignored.
    const custom = await scim.call(
      'PATCH',
      path,
      patchOp({
        op: 'Add',
        path: 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:tag',
        value: 'x',
      }),
    );
    expect(custom.status).toBe(200);
    expect(custom.body).toEqual(created.body);
  });
});
