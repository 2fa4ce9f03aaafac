import { ScimUrn } from '../../domain/scim/constants';
import type { ScimError } from '../../domain/scim/errors';
import { finaliseGroup } from '../../domain/scim/group';
import { foldGroupPatch } from '../../domain/scim/group-patch';
import { parsePatchRequest } from '../../domain/scim/patch-request';

const fold = (...operations: object[]) =>
  foldGroupPatch(parsePatchRequest({ schemas: [ScimUrn.PatchOp], Operations: operations }));

describe("group PATCH in Entra's dialects", () => {
  it('renames a group', () => {
    expect(fold({ op: 'Replace', path: 'displayName', value: 'Sales' }).displayName).toBe('Sales');
    expect(fold({ op: 'replace', value: { displayName: 'Sales 2', meta: { version: 'x' } } }).displayName).toBe(
      'Sales 2',
    );
  });

  it('adds members from a value list', () => {
    const change = fold({ op: 'Add', path: 'members', value: [{ $ref: null, value: 'u1' }, { value: 'u2' }] });
    expect([...change.addMembers]).toEqual(['u1', 'u2']);
    expect(change.replaceMembers).toBeUndefined();
  });

  it('removes only the listed members when the default job removes by value', () => {
    const change = fold({ op: 'Remove', path: 'members', value: [{ $ref: null, value: 'u1' }] });
    expect([...change.removeMembers]).toEqual(['u1']);
    expect(change.replaceMembers).toBeUndefined();
  });

  it('removes a member selected by a filter path', () => {
    expect([...fold({ op: 'remove', path: 'members[value eq "u2"]' }).removeMembers]).toEqual(['u2']);
  });

  it('nets an add followed by a remove of the same member to a removal only', () => {
    const change = fold(
      { op: 'Add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] },
      { op: 'Remove', path: 'members', value: [{ value: 'u1' }] },
    );
    expect([...change.addMembers]).toEqual(['u2']);
    expect([...change.removeMembers]).toEqual(['u1']);
  });

  it('empties the group on a remove of "members" without a value', () => {
    expect(fold({ op: 'remove', path: 'members' }).replaceMembers).toEqual(new Set());
  });

  it.each([
    ['a member without an id', { op: 'add', path: 'members', value: [{ display: 'x' }] }, 'invalidValue'],
    ['removing the display name', { op: 'remove', path: 'displayName' }, 'invalidValue'],
    ['a filter on something other than value', { op: 'remove', path: 'members[display eq "x"]' }, 'invalidPath'],
    ['a rename to a number', { op: 'replace', path: 'displayName', value: 5 }, 'invalidValue'],
  ])('rejects %s with 400', (_label, operation, scimType) => {
    try {
      fold(operation);
    } catch (err) {
      expect((err as ScimError).scimType).toBe(scimType);
      return;
    }
    throw new Error('expected a ScimError');
  });
});

describe('a group created the way Entra sends it', () => {
  it('accepts a Microsoft schema URN it does not know and keeps distinct member ids', () => {
    expect(
      finaliseGroup({
        schemas: [ScimUrn.Group, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        members: [{ value: 'u1' }, { value: 'u1' }, { value: 'u2', display: 'ignored' }],
        meta: { resourceType: 'Group' },
      }),
    ).toEqual({
      displayName: 'displayName',
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      memberIds: ['u1', 'u2'],
    });
  });

  it('keeps displayName and externalId exactly as sent, spaces and an empty externalId included', () => {
    expect(finaliseGroup({ displayName: ' Sales  EMEA ', externalId: '' })).toEqual({
      displayName: ' Sales  EMEA ',
      externalId: '',
      memberIds: [],
    });
  });
});
