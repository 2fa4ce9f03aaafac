/**
 * Strings PostgreSQL cannot store (U+0000, unpaired surrogates) sent in every field of SCIM users and groups, on
 * POST, PUT and every PATCH form: each is a 400 naming the field, nothing is written, and nothing is logged above
 * debug — no SQL, no body, no value.
 */
import { randomUUID } from 'node:crypto';
import { enterpriseUserAttributes, groupAttributes, userAttributes } from '../../domain/scim/attributes';
import type { AttributeDefinition } from '../../domain/scim/attributes';
import { ScimUrn } from '../../domain/scim/constants';
import { isWritable } from '../../domain/scim/coerce';
import { describeEachDatabase } from '../helpers/databases';
import { startScimEndpoint, type ScimEndpoint } from './scim-harness';

const E = ScimUrn.EnterpriseUser;
const patchOp = (...Operations: object[]) => ({ schemas: [ScimUrn.PatchOp], Operations });

const hostile = [
  ['NUL', 'Ada\u0000Lovelace'],
  // The other unpaired-surrogate cases share this code path; test/domain/storable-text.test.ts covers them.
  ['an unpaired surrogate', 'Ada\uD83DLovelace'],
] as const;

/** One string field of a resource: how to put a value there in a body and in PATCH paths. */
interface Field {
  /** The name the 400 must carry, e.g. `name.givenName`, `emails.value`, `urn:…:User:department`. */
  name: string;
  /** A body fragment (resource attributes) holding `value` in this field. */
  fragment(value: string): Record<string, unknown>;
  /** PATCH operations that put `value` there, one per dialect. */
  operations(value: string): object[];
}

/** Every writable string field of a schema's attributes, derived from the same definitions that validate input. */
function fieldsOf(attributes: readonly AttributeDefinition[], urn?: string): Field[] {
  const qualified = (name: string) => (urn === undefined ? name : `${urn}:${name}`);
  const wrap = (fragment: Record<string, unknown>) => (urn === undefined ? fragment : { [urn]: fragment });
  // The manager is an id in every shape Entra sends; it has its own entry below.
  return attributes
    .filter((a) => isWritable(a) && a.name !== 'manager')
    .flatMap((attr): Field[] => {
      if (attr.type === 'boolean') return [];
      if (attr.type !== 'complex') {
        return [
          {
            name: qualified(attr.name),
            fragment: (v) => wrap({ [attr.name]: v }),
            operations: (v) => [
              { op: 'Replace', path: qualified(attr.name), value: v },
              { op: 'replace', value: { [qualified(attr.name)]: v } },
            ],
          },
        ];
      }
      return (attr.subAttributes ?? [])
        .filter((sub) => isWritable(sub) && sub.type !== 'boolean')
        .map((sub) => {
          const element = (v: string) => ({ [sub.name]: v, ...(sub.name === 'type' ? {} : { type: 'work' }) });
          const inList = attr.multiValued;
          return {
            name: `${qualified(attr.name)}.${sub.name}`,
            fragment: (v) => wrap({ [attr.name]: inList ? [element(v)] : { [sub.name]: v } }),
            operations: (v) => [
              { op: 'Add', path: qualified(attr.name), value: inList ? [element(v)] : { [sub.name]: v } },
              inList && sub.name !== 'type'
                ? { op: 'Add', path: `${qualified(attr.name)}[type eq "work"].${sub.name}`, value: v }
                : { op: 'replace', path: `${qualified(attr.name)}.${sub.name}`, value: v },
              { op: 'add', value: { [qualified(attr.name)]: inList ? [element(v)] : { [sub.name]: v } } },
              // The whole element, addressed by a value filter.
              ...(inList
                ? [{ op: 'Replace', path: `${qualified(attr.name)}[type eq "work"]`, value: element(v) }]
                : []),
            ],
          };
        });
    });
}

const userFields: Field[] = [
  {
    name: 'externalId',
    fragment: (v) => ({ externalId: v }),
    operations: (v) => [
      { op: 'Replace', path: 'externalId', value: v },
      { op: 'replace', value: { externalId: v } },
    ],
  },
  ...fieldsOf(userAttributes),
  ...fieldsOf(enterpriseUserAttributes, E),
  {
    name: `${E}:manager`,
    fragment: (v) => ({ [E]: { manager: { value: v } } }),
    operations: (v) => [
      { op: 'Replace', path: `${E}:manager`, value: v },
      { op: 'Add', path: 'manager', value: [{ $ref: null, value: v }] },
      { op: 'replace', path: `${E}:manager`, value: { value: v } },
      { op: 'replace', value: { [`${E}:manager`]: v } },
    ],
  },
];

const groupFields: Field[] = [
  {
    name: 'externalId',
    fragment: (v) => ({ externalId: v }),
    operations: (v) => [
      { op: 'Replace', path: 'externalId', value: v },
      { op: 'replace', value: { externalId: v } },
    ],
  },
  ...fieldsOf(groupAttributes.filter((a) => a.name !== 'members')),
  {
    name: 'members',
    fragment: (v) => ({ members: [{ value: v }] }),
    operations: (v) => [
      { op: 'Add', path: 'members', value: [{ value: v }] },
      { op: 'Remove', path: 'members', value: [{ $ref: null, value: v }] },
      { op: 'replace', path: 'members', value: [{ value: v }] },
      { op: 'add', value: { members: [{ value: v }] } },
      { op: 'Add', path: 'members.value', value: v },
    ],
  },
];

describeEachDatabase('strings the database cannot store, in every SCIM field', (getDb) => {
  let scim: ScimEndpoint;
  let user: Record<string, unknown>;
  let group: Record<string, unknown>;
  beforeAll(async () => {
    scim = await startScimEndpoint(getDb());
    user = (await scim.call('POST', '/Users', { schemas: [ScimUrn.User, E], userName: `target_${randomUUID()}` })).body;
    group = (await scim.call('POST', '/Groups', { schemas: [ScimUrn.Group], displayName: `target_${randomUUID()}` }))
      .body;
  });
  afterAll(() => scim.close());

  afterEach(async () => {
    expect((await scim.call('GET', `/Users/${String(user.id)}`)).body).toEqual(user);
    expect((await scim.call('GET', `/Groups/${String(group.id)}`)).body).toEqual(group);
    // Nothing above debug (error lines would carry the failed SQL and its parameters), and never the value.
    for (const line of scim.logs) {
      const { requestId, ...entry } = JSON.parse(line) as { level: number; requestId?: string };
      expect(entry.level).toBeLessThan(30);
      // The request id is a random UUID, whose hex may spell "ada": it is checked for its form, the rest for content.
      if (requestId !== undefined) expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.stringify(entry)).not.toMatch(/Ada|Lovelace|\\u0000|insert|update|select/i);
    }
  });

  async function expectRefused(method: string, path: string, body: unknown, field: string, scimType: string) {
    const res = await scim.call(method, path, body);
    expect({ field, status: res.status, scimType: res.body?.scimType }).toEqual({ field, status: 400, scimType });
    expect(res.body.detail).toContain(field);
  }

  it('covers the fields the schemas define', () => {
    expect(userFields.map((f) => f.name)).toEqual(
      expect.arrayContaining(['userName', 'name.givenName', 'emails.value', 'phoneNumbers.value', `${E}:department`]),
    );
    expect(userFields.length).toBeGreaterThan(40);
  });

  describe.each(hostile)('with %s', (_label, bad) => {
    it.each(userFields.map((f) => [f.name, f] as const))('refuses it in user field %s', async (name, field) => {
      const base = { schemas: [ScimUrn.User, E], userName: `u_${randomUUID()}` };
      await expectRefused('POST', '/Users', { ...base, ...field.fragment(bad) }, name, 'invalidValue');
      await expectRefused(
        'PUT',
        `/Users/${String(user.id)}`,
        { ...base, userName: user.userName, ...field.fragment(bad) },
        name,
        'invalidValue',
      );
      for (const operation of field.operations(bad)) {
        await expectRefused('PATCH', `/Users/${String(user.id)}`, patchOp(operation), name, 'invalidValue');
      }
    });

    it.each(groupFields.map((f) => [f.name, f] as const))('refuses it in group field %s', async (name, field) => {
      const base = { schemas: [ScimUrn.Group], displayName: `g_${randomUUID()}` };
      await expectRefused('POST', '/Groups', { ...base, ...field.fragment(bad) }, name, 'invalidValue');
      await expectRefused(
        'PUT',
        `/Groups/${String(group.id)}`,
        { ...base, displayName: group.displayName, ...field.fragment(bad) },
        name,
        'invalidValue',
      );
      for (const operation of field.operations(bad)) {
        await expectRefused('PATCH', `/Groups/${String(group.id)}`, patchOp(operation), name, 'invalidValue');
      }
    });

    it('refuses it in a PATCH path and in a filter', async () => {
      await expectRefused(
        'PATCH',
        `/Users/${String(user.id)}`,
        patchOp({ op: 'replace', path: `title${bad}`, value: 'x' }),
        'path',
        'invalidPath',
      );
      // A URL cannot carry a lone surrogate (its UTF-8 bytes decode to U+FFFD, which is storable), only NUL.
      if (!bad.includes('\u0000')) return;
      for (const type of ['Users', 'Groups']) {
        const filter = encodeURIComponent(`${type === 'Users' ? 'userName' : 'displayName'} eq "${bad}"`);
        const res = await scim.call('GET', `/${type}?filter=${filter}`);
        expect(res).toMatchObject({ status: 400, body: { scimType: 'invalidFilter' } });
        expect(res.body.detail).toContain('filter');
      }
    });
  });
});
