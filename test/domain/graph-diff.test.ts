import { applyGraphPatch, diffGraphUser, isEmptyPatch } from '../../domain/graph-diff';
import { mapHrToGraph } from '../../domain/graph-mapping';
import type { GraphUserProperties } from '../../domain/graph-user';
import { hrEmployee } from './hr-fixtures';

const utc = { timeZone: 'UTC' };
const desiredFor = (changes: Record<string, unknown> = {}) => mapHrToGraph(hrEmployee(changes), utc).properties;

describe('diffGraphUser', () => {
  const pushed = desiredFor();

  it('yields an empty patch when nothing changed', () => {
    const patch = diffGraphUser(pushed, desiredFor());
    expect(patch).toEqual({});
    expect(isEmptyPatch(patch)).toBe(true);
  });

  it('yields only the one property that changed', () => {
    expect(diffGraphUser(pushed, desiredFor({ title: 'Principal Engineer' }))).toEqual({
      jobTitle: 'Principal Engineer',
    });
  });

  it('yields every property a name change touches', () => {
    expect(diffGraphUser(pushed, desiredFor({ lastName: 'King' }))).toEqual({
      surname: 'King',
      displayName: 'Ada King',
      mailNickname: 'ada.king',
    });
  });

  it('clears a property with null when HR clears it', () => {
    expect(diffGraphUser(pushed, desiredFor({ department: '' }))).toEqual({ department: null });
  });

  it('clears the work phone with an empty list and compares phone lists by value', () => {
    expect(diffGraphUser(pushed, desiredFor({ workPhone: null }))).toEqual({ businessPhones: [] });
    expect(diffGraphUser({ businessPhones: ['+46701234567'] }, { businessPhones: ['+46701234567'] })).toEqual({});
    expect(diffGraphUser(pushed, desiredFor({ workPhone: '+46709999999' }))).toEqual({
      businessPhones: ['+46709999999'],
    });
  });

  it('never sends displayName, mailNickname or mail as null, even when HR clears the names and email', () => {
    const patch = diffGraphUser(pushed, desiredFor({ firstName: null, lastName: null, workEmail: null }));
    expect(patch).toEqual({ givenName: null, surname: null });
    const forced = diffGraphUser(pushed, { displayName: null, mail: '' } as unknown as GraphUserProperties);
    expect(forced).toEqual({});
  });

  it('sends the whole desired state for a user Joiner has not written yet', () => {
    const desired = desiredFor();
    expect(diffGraphUser(undefined, desired)).toEqual(desired);
    expect(diffGraphUser({}, desired)).toEqual(desired);
  });

  it('sends a clear when it does not know what Graph holds, and skips it once it does', () => {
    expect(diffGraphUser({}, { jobTitle: null })).toEqual({ jobTitle: null });
    expect(diffGraphUser({ jobTitle: null }, { jobTitle: null })).toEqual({});
  });

  it('leaves alone the properties the desired state does not mention', () => {
    expect(diffGraphUser(pushed, { jobTitle: 'Engineer' })).toEqual({});
  });

  it('reschedules the leave date and cancels it with null', () => {
    const leaving = desiredFor({ offboardedDate: '2027-03-31' });
    expect(diffGraphUser(pushed, leaving)).toEqual({ employeeLeaveDateTime: '2027-03-31T23:59:59Z' });
    const cancelled = desiredFor({ offboardedDate: null });
    expect(diffGraphUser(leaving, cancelled)).toEqual({ employeeLeaveDateTime: null });
  });
});

describe('applyGraphPatch', () => {
  it('records a written patch so the same change is not sent twice', () => {
    const pushed = desiredFor();
    const desired = desiredFor({ department: null, workPhone: '+46709999999' });
    const next = applyGraphPatch(pushed, diffGraphUser(pushed, desired));
    expect(diffGraphUser(next, desired)).toEqual({});
    expect(pushed.department).toBe('R&D');
  });

  it('does not share arrays with the patch it was given', () => {
    const patch = { businessPhones: ['+1'] };
    const next = applyGraphPatch(undefined, patch);
    patch.businessPhones.push('+2');
    expect(next.businessPhones).toEqual(['+1']);
  });
});
