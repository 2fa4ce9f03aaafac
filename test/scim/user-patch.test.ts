import { ScimUrn } from '../../domain/scim/constants';
import type { ResourceData } from '../../domain/scim/coerce';
import { ScimError } from '../../domain/scim/errors';
import { parsePatchRequest } from '../../domain/scim/patch-request';
import { finaliseUser, userKeys } from '../../domain/scim/user';
import { applyUserPatch } from '../../domain/scim/user-patch';

const E = ScimUrn.EnterpriseUser;
const rules = { defaultCountry: 'SE' as const };

/** A user as Entra creates it (from Microsoft's "Develop a SCIM endpoint" create request). */
function createdUser(): ResourceData {
  return finaliseUser({
    schemas: [ScimUrn.User, E],
    externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
    userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
    active: true,
    emails: [{ primary: 'True', type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
    meta: { resourceType: 'User' },
    name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
    roles: [],
  });
}

function patch(current: ResourceData, ...operations: object[]) {
  return applyUserPatch(current, parsePatchRequest({ schemas: [ScimUrn.PatchOp], Operations: operations }));
}

function expectScimError(fn: () => unknown, status: number, scimType?: string): ScimError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ScimError);
    expect((err as ScimError).status).toBe(status);
    if (scimType) expect((err as ScimError).scimType).toBe(scimType);
    return err as ScimError;
  }
  throw new Error('expected a ScimError');
}

describe('a user created the way Entra sends it', () => {
  it('keeps known attributes, turns "True" into true and drops what Joiner does not store', () => {
    const user = createdUser();
    expect(user.emails).toEqual([{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }]);
    expect(user).not.toHaveProperty('roles');
    expect(user).not.toHaveProperty('meta');
    expect(user.active).toBe(true);
  });
});

describe("PATCH in Entra's dialects", () => {
  it("applies capitalised ops on single- and multi-valued attributes (Microsoft's update request)", () => {
    const next = patch(
      createdUser(),
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' },
      { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
    );
    expect(next.emails).toEqual([{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }]);
    expect(next.name).toMatchObject({ familyName: 'updatedFamilyName', givenName: 'givenName' });
  });

  it('disables with "False" in the default dialect and re-enables with a boolean in the new one', () => {
    const disabled = patch(createdUser(), { op: 'Replace', path: 'active', value: 'False' });
    expect(disabled.active).toBe(false);
    const enabled = patch(disabled, { op: 'replace', path: 'active', value: true });
    expect(enabled.active).toBe(true);
    const noPath = patch(disabled, { op: 'replace', value: { active: 'True' } });
    expect(noPath.active).toBe(true);
  });

  it('applies a no-path value with dotted and URN-qualified keys', () => {
    const next = patch(createdUser(), {
      op: 'replace',
      value: {
        'name.givenName': 'Ada',
        'NAME.familyName': 'Lovelace',
        [`${E}:department`]: 'R&D',
        [`${E}:costCenter`]: 'CC-1',
        title: 'Engineer',
        [E]: { division: 'Labs', organization: 'Contoso AB' },
      },
    });
    expect(next.name).toMatchObject({ givenName: 'Ada', familyName: 'Lovelace', formatted: 'givenName familyName' });
    expect(next.title).toBe('Engineer');
    expect(next[E]).toEqual({ department: 'R&D', costCenter: 'CC-1', division: 'Labs', organization: 'Contoso AB' });
  });

  it.each([
    ['a bare id on the URN path', { op: 'Replace', path: `${E}:manager`, value: 'mgr-1' }],
    ['path "manager" with a $ref list', { op: 'Add', path: 'manager', value: [{ $ref: null, value: 'mgr-1' }] }],
    ['the RFC object', { op: 'replace', path: `${E}:manager`, value: { value: 'mgr-1' } }],
    ['the sub-attribute path', { op: 'replace', path: `${E}:manager.value`, value: 'mgr-1' }],
    ['a no-path URN key', { op: 'replace', value: { [`${E}:manager`]: 'mgr-1' } }],
  ])('sets the manager from %s and answers it as {value}', (_label, operation) => {
    expect(patch(createdUser(), operation)[E]).toEqual({ manager: { value: 'mgr-1' } });
  });

  it.each([
    ['Remove without a value', { op: 'Remove', path: `${E}:manager` }],
    ['replace with an empty value object', { op: 'Replace', path: `${E}:manager`, value: { value: '' } }],
    ['replace with an empty string', { op: 'Replace', path: `${E}:manager`, value: '' }],
  ])('removes the manager with %s', (_label, operation) => {
    const withManager = patch(createdUser(), { op: 'Replace', path: `${E}:manager`, value: 'mgr-1' });
    expect(patch(withManager, operation)).not.toHaveProperty(E);
  });

  it('creates a typed value that does not exist yet and merges sub-attribute ops into one element', () => {
    const next = patch(
      createdUser(),
      { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '070-123 45 67' },
      { op: 'Replace', path: 'phoneNumbers[type eq "work"].value', value: '+1 617 555 1212' },
      { op: 'Add', path: 'addresses[type eq "work"].locality', value: 'Stockholm' },
      { op: 'Add', path: 'addresses[type eq "work"].postalCode', value: '111 22' },
    );
    expect(next.phoneNumbers).toEqual([
      { type: 'mobile', value: '070-123 45 67' },
      { type: 'work', value: '+1 617 555 1212' },
    ]);
    expect(next.addresses).toEqual([{ type: 'work', locality: 'Stockholm', postalCode: '111 22' }]);
    expect(userKeys(next, rules).phoneNumbers).toEqual([
      { type: 'mobile', e164: '+46701234567' },
      { type: 'work', e164: '+16175551212' },
    ]);
  });

  it('keeps a phone number that cannot be parsed as sent and flags it', () => {
    const next = patch(createdUser(), {
      op: 'Add',
      path: 'phoneNumbers[type eq "work"].value',
      value: 'call reception',
    });
    expect(next.phoneNumbers).toEqual([{ type: 'work', value: 'call reception' }]);
    const keys = userKeys(next, rules);
    expect(keys.phoneNumbers).toEqual([{ type: 'work', e164: null }]);
    expect(keys.phoneNumbersUnparsable).toBe(true);
  });

  it.each([
    ['555-555-5555', 'US', '+15555555555'],
    ['+1 425 555 0100', undefined, '+14255550100'],
    ['10-040-1308', 'US', null],
    ['555-555-5555', undefined, null],
  ] as const)('reads %j in E.164 with default country %s as %j', (value, country, e164) => {
    const user = finaliseUser({ userName: 'u', phoneNumbers: [{ type: 'work', value }] });
    expect(user.phoneNumbers).toEqual([{ type: 'work', value }]);
    expect(userKeys(user, { defaultCountry: country }).phoneNumbers).toEqual([{ type: 'work', e164 }]);
  });

  it('applies dozens of operations in one request', () => {
    const ops = Array.from({ length: 40 }, (_, i) => ({ op: 'Replace', path: 'title', value: `Title ${i}` }));
    expect(patch(createdUser(), ...ops).title).toBe('Title 39');
  });

  it('ignores attributes of schemas the user does not have, and read-only meta', () => {
    const before = createdUser();
    const next = patch(
      before,
      { op: 'Add', path: 'urn:example:custom:2.0:User:favouriteColour', value: 'blue' },
      { op: 'Replace', path: 'meta.lastModified', value: '2020-01-01' },
      { op: 'Replace', value: { 'urn:example:custom:attr': 'y' } },
    );
    expect(next).toEqual(before);
  });

  it.each([
    ['a plain path', { op: 'Add', path: 'favouriteColour', value: 'blue' }, 'favouriteColour'],
    ['a core-qualified path', { op: 'Replace', path: `${ScimUrn.User}:shoeSize`, value: '9' }, 'shoeSize'],
    ['an enterprise path', { op: 'Replace', path: `${E}:badgeColour`, value: 'red' }, 'badgeColour'],
    ['an unknown sub-attribute', { op: 'Replace', path: 'name.nickname', value: 'x' }, 'name.nickname'],
    ['a no-path key', { op: 'Replace', value: { nickName: 'ok', favouriteColour: 'blue' } }, 'favouriteColour'],
    ['a filtered path', { op: 'Add', path: 'pets[type eq "cat"].value', value: 'Tom' }, 'pets'],
    ['__proto__', { op: 'Replace', path: '__proto__', value: { polluted: true } }, '__proto__'],
  ])('answers an unknown attribute of a known schema (%s) with invalidPath naming it', (_label, operation, name) => {
    const err = expectScimError(() => patch(createdUser(), operation), 400, 'invalidPath');
    expect(err.detail).toContain(name);
  });

  it('recognises an add of a value already present, sent with string booleans or other key case, as no change', () => {
    const before = patch(createdUser(), { op: 'Add', path: 'roles', value: [{ primary: 'True', value: 'Reader' }] });
    expect(before.roles).toEqual([{ primary: true, value: 'Reader' }]);
    for (const operation of [
      { op: 'Add', path: 'roles', value: [{ primary: 'True', value: 'Reader' }] },
      { op: 'add', path: 'roles', value: { Primary: 'true', VALUE: 'Reader' } },
      {
        op: 'Add',
        path: 'emails',
        value: [{ primary: 'True', type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
      },
      { op: 'Replace', path: 'emails[type eq "work"].primary', value: 'True' },
      {
        op: 'Replace',
        path: 'emails[type eq "work"]',
        value: { Primary: 'True', type: 'work', value: 'Test_User_fd0ea19b@testuser.com' },
      },
    ]) {
      expect({ operation, after: patch(before, operation) }).toEqual({ operation, after: before });
    }
  });

  it('answers a PATCH of the read-only groups with 400 mutability: memberships are written on the groups', () => {
    for (const path of ['groups', `${ScimUrn.User}:groups`, 'groups[value eq "g"]']) {
      const err = expectScimError(() => patch(createdUser(), { op: 'Add', path, value: [{ value: 'g' }] }), 400);
      expect({ path, scimType: err.scimType, detail: err.detail }).toEqual({
        path,
        scimType: 'mutability',
        detail: expect.stringContaining('groups'),
      });
    }
  });

  it('treats removing something absent as done', () => {
    const before = createdUser();
    expect(patch(before, { op: 'Remove', path: 'phoneNumbers[type eq "fax"]' })).toEqual(before);
    expect(patch(before, { op: 'Remove', path: 'title' })).toEqual(before);
  });

  it('never changes its input, even when a later operation fails', () => {
    const before = createdUser();
    const snapshot = structuredClone(before);
    expectScimError(
      () =>
        patch(
          before,
          { op: 'Replace', path: 'title', value: 'Changed' },
          { op: 'Replace', path: 'active', value: 'perhaps' },
        ),
      400,
      'invalidValue',
    );
    expect(before).toEqual(snapshot);
  });

  it('does not let a no-path key reach Object.prototype', () => {
    expectScimError(
      () =>
        patch(createdUser(), {
          op: 'Replace',
          value: JSON.parse('{"__proto__.polluted": "yes", "__proto__": {"x": 1}}'),
        }),
      400,
      'invalidPath',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it.each([
    [
      'an unknown op',
      { schemas: [ScimUrn.PatchOp], Operations: [{ op: 'merge', path: 'title', value: 'x' }] },
      'invalidSyntax',
    ],
    ['no Operations', { schemas: [ScimUrn.PatchOp] }, 'invalidSyntax'],
    ['no PatchOp schema', { Operations: [{ op: 'add', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    ['a remove without a path', { schemas: [ScimUrn.PatchOp], Operations: [{ op: 'remove' }] }, 'noTarget'],
    [
      'a path that is a number',
      { schemas: [ScimUrn.PatchOp], Operations: [{ op: 'add', path: 7, value: 'x' }] },
      'invalidPath',
    ],
    ['an array body', [], 'invalidSyntax'],
  ])('rejects %s with 400', (_label, body, scimType) => {
    expectScimError(() => parsePatchRequest(body), 400, scimType);
  });

  it.each([
    ['a wrong type for userName', { op: 'replace', path: 'userName', value: 42 }, 'invalidValue'],
    ['removing userName', { op: 'remove', path: 'userName' }, 'invalidValue'],
    ['changing id', { op: 'replace', path: 'id', value: 'other' }, 'mutability'],
    ['a malformed value filter', { op: 'replace', path: 'emails[type eq ].value', value: 'x' }, 'invalidPath'],
    [
      'an unknown sub-attribute after a filter',
      { op: 'replace', path: 'emails[type eq "work"].colour', value: 'x' },
      'invalidPath',
    ],
    ['a no-path value that is not an object', { op: 'replace', value: 'x' }, 'invalidSyntax'],
    ['a manager that is not an id', { op: 'replace', path: `${E}:manager`, value: { value: 12 } }, 'invalidValue'],
  ])('rejects %s with 400', (_label, operation, scimType) => {
    expectScimError(() => patch(createdUser(), operation), 400, scimType);
  });
});
