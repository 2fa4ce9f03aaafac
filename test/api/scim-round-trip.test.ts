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

/** A resource as a client holds it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the model is changed field by field, as a client would
type Held = Record<string, any>;

describeEachDatabase('SCIM values round-trip exactly as sent', (getDb) => {
  let scim: ScimEndpoint;
  beforeAll(async () => {
    scim = await startScimEndpoint(getDb(), { policies: { phoneDefaultCountry: 'US' } });
  });
  afterAll(() => scim.close());

  /** The write's answer and a fresh GET are, byte for byte and in list order, what the client holds. */
  async function expectHeld(path: string, answer: Record<string, unknown>, held: Held) {
    const got = (await scim.call('GET', path)).body as Record<string, unknown>;
    expect(got).toEqual(answer);
    expect(canonicalJson(clientView(got))).toBe(canonicalJson(held));
  }

  it('answers a create, PATCHes in every dialect and a PUT with exactly what a client applying them holds', async () => {
    const suffix = randomUUID();
    const boss = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `boss_${suffix}` });
    const deputy = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `deputy_${suffix}` });
    const userName = `Ada.Lovelace_${suffix}@Contoso.com`;
    const created = await scim.call('POST', '/Users', {
      schemas: [ScimUrn.User, E],
      externalId: suffix.toUpperCase(),
      userName,
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
      emails: [{ primary: 'True', type: 'work', value: userName }],
      phoneNumbers: [
        { type: 'work', value: '+1 425 555 0100' },
        { type: 'fax', value: '555-555-5555', primary: 'false' },
      ],
      addresses: [{ type: 'work', streetAddress: '12 St James’s Square', locality: 'London', country: 'GB' }],
      ims: [{ type: 'skype', value: 'ada.l' }],
      photos: [{ type: 'photo', value: 'https://contoso.example/photos/ada.jpg' }],
      roles: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Analyst' }],
      entitlements: [{ value: 'Engine-Access', display: 'Analytical Engine' }],
      x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw' }],
      [E]: {
        employeeNumber: '0001',
        costCenter: 'CC-7',
        organization: 'Zoë & Co 🙂',
        division: 'Analytical Engines',
        department: 'Mathematics',
        manager: { value: boss.body.id },
      },
      meta: { resourceType: 'User' },
      password: 'never kept',
      unknownToJoiner: 'ignored',
    });
    expect(created.status).toBe(201);
    const path = `/Users/${created.body.id}`;

    // What the client holds, written independently of Joiner's code: the create body with its string booleans read
    // as booleans, without what is Joiner's (meta), write-only (password) or unknown.
    const held: Held = {
      schemas: [ScimUrn.User, E],
      externalId: suffix.toUpperCase(),
      userName,
      active: true,
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
      emails: [{ primary: true, type: 'work', value: userName }],
      phoneNumbers: [
        { type: 'work', value: '+1 425 555 0100' },
        { type: 'fax', value: '555-555-5555', primary: false },
      ],
      addresses: [{ type: 'work', streetAddress: '12 St James’s Square', locality: 'London', country: 'GB' }],
      ims: [{ type: 'skype', value: 'ada.l' }],
      photos: [{ type: 'photo', value: 'https://contoso.example/photos/ada.jpg' }],
      roles: [{ primary: true, type: 'WindowsAzureActiveDirectoryRole', value: 'Analyst' }],
      entitlements: [{ value: 'Engine-Access', display: 'Analytical Engine' }],
      x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw' }],
      [E]: {
        employeeNumber: '0001',
        costCenter: 'CC-7',
        organization: 'Zoë & Co 🙂',
        division: 'Analytical Engines',
        department: 'Mathematics',
        manager: { value: boss.body.id },
      },
    };
    await expectHeld(path, created.body, held);

    const steps: Array<{ dialect: string; method: 'PATCH' | 'PUT'; body: object; apply(h: Held): void }> = [
      {
        dialect: "Entra's default: capitalised ops, string booleans, URN paths, a bare manager id, typed values",
        method: 'PATCH',
        body: patchOp(
          { op: 'Replace', path: 'name.givenName', value: 'Augusta Ada' },
          { op: 'Replace', path: 'active', value: 'False' },
          { op: 'Add', path: `${E}:manager`, value: deputy.body.id },
          { op: 'Replace', path: `${E}:department`, value: 'Applied  Mathematics' },
          { op: 'Replace', path: 'emails[type eq "work"].value', value: `AUGUSTA_${suffix}@Contoso.com` },
          { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '(425) 555-0199 ' },
          {
            op: 'Add',
            path: 'roles',
            value: [{ primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Analyst' }],
          },
        ),
        apply(h) {
          h.name.givenName = 'Augusta Ada';
          h.active = false;
          h[E].manager = { value: deputy.body.id };
          h[E].department = 'Applied  Mathematics';
          h.emails[0].value = `AUGUSTA_${suffix}@Contoso.com`;
          (h.phoneNumbers as object[]).push({ type: 'mobile', value: '(425) 555-0199 ' });
          // The role is already there (its "True" is the stored true): adding it again changes nothing.
        },
      },
      {
        dialect: 'aadOptscim062020: lower-case ops, no path, dotted and URN-qualified keys, a boolean',
        method: 'PATCH',
        body: patchOp({
          op: 'replace',
          value: {
            'name.familyName': 'King-Noel',
            // The SCIM validator also puts value filters in no-path keys.
            'phoneNumbers[type eq "work"].value': '+1 425 555 0101',
            [`${E}:costCenter`]: 'CC 01',
            [`${E}:employeeNumber`]: '00001',
            nickName: 'The Enchantress',
            externalId: `ext-${suffix}`,
            active: true,
          },
        }),
        apply(h) {
          h.name.familyName = 'King-Noel';
          h.phoneNumbers[0].value = '+1 425 555 0101';
          h[E].costCenter = 'CC 01';
          h[E].employeeNumber = '00001';
          h.nickName = 'The Enchantress';
          h.externalId = `ext-${suffix}`;
          h.active = true;
        },
      },
      {
        dialect: 'typed values created and changed by filter, removals, elements added to lists, ops in odd case',
        method: 'PATCH',
        body: patchOp(
          { op: 'ADD', path: 'addresses[type eq "work"].postalCode', value: 'SW1Y 4JH' },
          { op: 'Replace', path: 'roles[primary eq "True"].value', value: 'Lead Analyst' },
          { op: 'Remove', path: 'ims[type eq "skype"]' },
          { op: 'add', path: 'emails', value: [{ type: 'home', value: 'ada@Example.org', primary: 'False' }] },
          { op: 'Add', path: 'entitlements', value: [{ value: 'Loom-Access' }] },
          { op: 'Remove', path: 'photos' },
          { op: 'rEmOvE', path: 'timezone' },
          { op: 'Replace', path: 'phoneNumbers[type eq "fax"].primary', value: 'True' },
        ),
        apply(h) {
          h.addresses[0].postalCode = 'SW1Y 4JH';
          h.roles[0].value = 'Lead Analyst';
          delete h.ims;
          (h.emails as object[]).push({ type: 'home', value: 'ada@Example.org', primary: false });
          (h.entitlements as object[]).push({ value: 'Loom-Access' });
          delete h.photos;
          delete h.timezone;
          h.phoneNumbers[1].primary = true;
        },
      },
      {
        dialect: 'manager in the shapes Entra sends, then cleared; active as a lower-case string',
        method: 'PATCH',
        body: patchOp(
          { op: 'Add', path: 'manager', value: [{ $ref: null, value: boss.body.id }] },
          { op: 'Replace', path: 'active', value: 'false' },
          { op: 'Replace', path: `${E}:manager`, value: { value: '' } },
          { op: 'Replace', path: `${E}:division`, value: ' Engines ' },
        ),
        apply(h) {
          delete h[E].manager;
          h.active = false;
          h[E].division = ' Engines ';
        },
      },
      {
        dialect: 'a PUT that replaces everything, with string booleans',
        method: 'PUT',
        body: {
          schemas: [ScimUrn.User, E],
          userName,
          active: 'True',
          displayName: 'Ada  Lovelace',
          title: 'Analyst ',
          userType: 'Contractor',
          emails: [{ primary: 'True', type: 'work', value: userName }],
          roles: [{ primary: 'False', value: 'Reader' }],
          [E]: { department: 'Mathematics', manager: { value: boss.body.id } },
        },
        apply(h) {
          for (const key of Object.keys(h)) delete h[key];
          Object.assign(h, {
            schemas: [ScimUrn.User, E],
            userName,
            active: true,
            displayName: 'Ada  Lovelace',
            title: 'Analyst ',
            userType: 'Contractor',
            emails: [{ primary: true, type: 'work', value: userName }],
            roles: [{ primary: false, value: 'Reader' }],
            [E]: { department: 'Mathematics', manager: { value: boss.body.id } },
          });
        },
      },
      {
        dialect: 'the enterprise extension removed as a whole, a phone added to an absent list',
        method: 'PATCH',
        body: patchOp(
          { op: 'Remove', path: E },
          { op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '10-040-1308' },
        ),
        apply(h) {
          delete h[E];
          h.schemas = [ScimUrn.User];
          h.phoneNumbers = [{ type: 'work', value: '10-040-1308' }];
        },
      },
    ];
    let version = 1;
    for (const step of steps) {
      const res = await scim.call(step.method, path, step.body);
      expect({ dialect: step.dialect, status: res.status }).toEqual({ dialect: step.dialect, status: 200 });
      step.apply(held);
      version += 1;
      expect(res.body.meta.version).toBe(`W/"${version}"`);
      await expectHeld(path, res.body, held);
    }

    const row = await getScimUser(getDb(), scim.companyId, created.body.id);
    expect(row?.phoneNumbersE164).toEqual([{ type: 'work', e164: null }]);
    expect(row?.phoneNumbersUnparsable).toBe(true);
  });

  it('answers a group created and PATCHed in every dialect with what a client applying them holds', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const user = await scim.call('POST', '/Users', {
        schemas: [ScimUrn.User],
        userName: `member${i}_${randomUUID()}`,
        displayName: `Member ${i}`,
      });
      ids.push(user.body.id);
    }
    const name = ` Sales  EMEA ${randomUUID()} `;
    const created = await scim.call('POST', '/Groups', {
      schemas: [ScimUrn.Group, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      externalId: 'Sales-EMEA',
      displayName: name,
      members: [{ value: ids[0] }],
      meta: { resourceType: 'Group' },
    });
    expect(created.status).toBe(201);
    const path = `/Groups/${created.body.id}`;
    const held = { displayName: name, externalId: 'Sales-EMEA', members: new Set([ids[0]!]) };
    const check = async () => {
      const got = (await scim.call('GET', path)).body;
      const { members, ...rest } = clientView(got);
      expect(canonicalJson(rest)).toBe(
        canonicalJson({ schemas: [ScimUrn.Group], displayName: held.displayName, externalId: held.externalId }),
      );
      // Members are a set: answered in id order, each with the user's display name and URI derived on read.
      expect(members).toEqual(
        [...held.members].sort().map((id) => ({
          value: id,
          $ref: `https://joiner.example/scim/v2/Users/${id}`,
          type: 'User',
          display: `Member ${ids.indexOf(id)}`,
        })),
      );
      const withoutMembers = (await scim.call('GET', `${path}?excludedAttributes=members`)).body;
      expect(canonicalJson(clientView(withoutMembers))).toBe(canonicalJson(rest));
    };
    await check();
    const steps: Array<{ method?: 'PUT'; body: object; apply(): void }> = [
      {
        // Entra's default job: capitalised ops, members added and removed by value lists.
        body: patchOp(
          { op: 'Add', path: 'members', value: [{ value: ids[1] }, { value: ids[2] }] },
          { op: 'Remove', path: 'members', value: [{ $ref: null, value: ids[0] }] },
          { op: 'Replace', path: 'displayName', value: `${name}(renamed)` },
        ),
        apply() {
          held.members.add(ids[1]!).add(ids[2]!);
          held.members.delete(ids[0]!);
          held.displayName = `${name}(renamed)`;
        },
      },
      {
        // aadOptscim062020: lower-case ops, removal by filter path, a no-path rename, add-then-remove netting out.
        body: patchOp(
          { op: 'remove', path: `members[value eq "${ids[1]}"]` },
          { op: 'replace', value: { displayName: name.toUpperCase(), externalId: 'sales-emea ' } },
          { op: 'add', path: 'members', value: [{ value: ids[3] }] },
          { op: 'remove', path: 'members', value: [{ value: ids[3] }] },
        ),
        apply() {
          held.members.delete(ids[1]!);
          held.displayName = name.toUpperCase();
          held.externalId = 'sales-emea ';
        },
      },
      {
        body: patchOp({ op: 'Replace', path: 'members', value: [{ value: ids[3] }, { value: ids[0] }] }),
        apply() {
          held.members = new Set([ids[3]!, ids[0]!]);
        },
      },
      {
        // A PUT replaces all of it; a member's display sent by the client is not kept.
        method: 'PUT',
        body: {
          schemas: [ScimUrn.Group],
          displayName: `  Final ${name}`,
          externalId: '',
          members: [{ value: ids[2], display: 'not kept' }],
        },
        apply() {
          held.displayName = `  Final ${name}`;
          held.externalId = '';
          held.members = new Set([ids[2]!]);
        },
      },
    ];
    for (const step of steps) {
      const res = await scim.call(step.method ?? 'PATCH', path, step.body);
      expect(res.status).toBe(step.method === 'PUT' ? 200 : 204);
      step.apply();
      await check();
    }
  });

  it('writes nothing for two identical PATCHes in a row: same version, same lastModified, no second signal', async () => {
    const boss = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `boss_${randomUUID()}` });
    const created = await scim.call('POST', '/Users', { schemas: [ScimUrn.User], userName: `noop_${randomUUID()}` });
    const path = `/Users/${created.body.id}`;
    const signalsOf = () => scim.events.filter((e) => e.kind === 'account' && e.scimUserId === created.body.id).length;
    expect(signalsOf()).toBe(1);
    // Every dialect at once: each operation must be recognised as already applied the second time.
    const body = patchOp(
      { op: 'Replace', path: 'title', value: 'Engineer' },
      { op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '+1 425 555 0100' },
      { op: 'Replace', path: 'active', value: 'True' },
      { op: 'replace', value: { 'name.givenName': 'Ada', [`${E}:department`]: 'R&D' } },
      { op: 'Add', path: 'manager', value: [{ $ref: null, value: boss.body.id }] },
      { op: 'Add', path: 'roles', value: [{ primary: 'True', value: 'Reader' }] },
      { op: 'Add', path: 'emails', value: [{ type: 'work', value: 'ada@contoso.com', primary: 'True' }] },
    );
    const first = await scim.call('PATCH', path, body);
    expect(first.body.meta.version).toBe('W/"2"');
    expect(signalsOf()).toBe(2);
    const second = await scim.call('PATCH', path, body);
    expect(second.status).toBe(200);
    // Same version (Joiner's ETag), same lastModified, same resource, and no signal to the account workflow.
    expect(second.body).toEqual(first.body);
    expect(signalsOf()).toBe(2);
    const signals = scim.events.length;

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
