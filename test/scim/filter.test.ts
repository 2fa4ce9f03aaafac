import { ScimUrn } from '../../domain/scim/constants';
import { ScimError } from '../../domain/scim/errors';
import { parseScimFilter } from '../../domain/scim/filter';

function expectInvalidFilter(type: 'User' | 'Group', text: string) {
  try {
    parseScimFilter(type, text);
  } catch (err) {
    expect(err).toBeInstanceOf(ScimError);
    expect((err as ScimError).status).toBe(400);
    expect((err as ScimError).scimType).toBe('invalidFilter');
    return;
  }
  throw new Error(`expected "${text}" to be rejected`);
}

describe('SCIM filters', () => {
  it("reads Entra's test-connection filter on userName", () => {
    expect(parseScimFilter('User', 'userName eq "8c7bd1d1-3f3e-4a0f-9e0d-2f1f1b9a4c11"')).toEqual({
      op: 'eq',
      target: { extension: undefined, name: 'userName', sub: undefined, type: 'string', caseExact: false },
      value: '8c7bd1d1-3f3e-4a0f-9e0d-2f1f1b9a4c11',
    });
  });

  it('accepts attribute names and operators in any case', () => {
    const f = parseScimFilter('User', 'USERNAME Eq "a@b.com" AND externalid EQ "x"');
    expect(f).toMatchObject({
      op: 'and',
      filters: [
        { op: 'eq', target: { name: 'userName' }, value: 'a@b.com' },
        { op: 'eq', target: { name: 'externalId' }, value: 'x' },
      ],
    });
  });

  it('keeps an escaped quote inside the value instead of ending the string', () => {
    expect(parseScimFilter('User', 'userName eq "x\\" or 1=1"')).toMatchObject({ op: 'eq', value: 'x" or 1=1' });
  });

  it('compares the work email of one element, not any email and any work type', () => {
    expect(parseScimFilter('User', 'emails[type eq "work"].value eq "Ada@Contoso.com"')).toEqual({
      op: 'some',
      attribute: 'emails',
      extension: undefined,
      filter: {
        op: 'and',
        filters: [
          { op: 'eq', target: expect.objectContaining({ name: 'emails', sub: 'type' }), value: 'work' },
          { op: 'eq', target: expect.objectContaining({ name: 'emails', sub: 'value' }), value: 'Ada@Contoso.com' },
        ],
      },
    });
  });

  it('reads a URN-qualified manager reference check and a group member check', () => {
    expect(parseScimFilter('User', `id eq "U" and ${ScimUrn.EnterpriseUser}:manager eq "M"`)).toMatchObject({
      op: 'and',
      filters: [
        { op: 'eq', target: { name: 'id' } },
        { op: 'eq', target: { name: 'manager', sub: 'value', extension: ScimUrn.EnterpriseUser }, value: 'M' },
      ],
    });
    expect(parseScimFilter('Group', 'id eq "G" and members eq "U"')).toMatchObject({
      op: 'and',
      filters: [{ op: 'eq' }, { op: 'some', attribute: 'members', filter: { op: 'eq', target: { sub: 'value' } } }],
    });
  });

  it('reads booleans sent as strings', () => {
    expect(parseScimFilter('User', 'active eq "False"')).toMatchObject({ op: 'eq', value: false });
  });

  it.each([
    ['garbage', 'userName eq "x" garbage'],
    ['an unknown attribute', 'favouriteColour eq "blue"'],
    ['an unsupported operator', 'userName gt "a"'],
    ['a missing value', 'userName eq'],
    ['SQL in place of a value', 'userName eq x; DROP TABLE scim_users'],
    ['a complex attribute compared whole', 'name eq "Ada"'],
    ['a boolean compared with text', 'active eq "maybe"'],
    ['a filter that is far too long', `userName eq "${'a'.repeat(3000)}"`],
    ['too many terms', Array.from({ length: 70 }, (_, i) => `userName eq "${i}"`).join(' or ')],
  ])('rejects %s with 400 invalidFilter', (_label, text) => {
    expectInvalidFilter('User', text);
  });
});
