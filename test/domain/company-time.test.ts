import {
  addDays,
  deleteAtMs,
  hireDayStartMs,
  leaveMomentMs,
  provisionAtMs,
  toGraphDateTime,
} from '../../domain/company-time';
import { CompanyPolicies } from '../../domain/policies';

const policies = (overrides: Record<string, unknown> = {}) => CompanyPolicies.parse(overrides);
const at = (iso: string) => Date.parse(iso);

describe('hireDayStartMs and leaveMomentMs', () => {
  it('place the documented examples in UTC', () => {
    expect(hireDayStartMs({ hireDate: '2026-12-01' }, policies())).toBe(at('2026-12-01T00:00:00Z'));
    expect(leaveMomentMs({ offboardedDate: '2027-03-31' }, policies())).toBe(at('2027-03-31T23:59:59Z'));
  });

  it('follow Stockholm winter and summer time', () => {
    const tz = policies({ timeZone: 'Europe/Stockholm' });
    expect(hireDayStartMs({ hireDate: '2027-01-10' }, tz)).toBe(at('2027-01-09T23:00:00Z'));
    expect(hireDayStartMs({ hireDate: '2027-08-10' }, tz)).toBe(at('2027-08-09T22:00:00Z'));
  });

  it('end a leave day that is a DST switch day at local 23:59:59', () => {
    const tz = policies({ timeZone: 'Europe/Stockholm' });
    expect(leaveMomentMs({ offboardedDate: '2027-03-28' }, tz)).toBe(at('2027-03-28T23:59:59+02:00'));
    expect(leaveMomentMs({ offboardedDate: '2026-10-25' }, tz)).toBe(at('2026-10-25T23:59:59+01:00'));
  });

  it('give null when HR has no date', () => {
    expect(hireDayStartMs({ hireDate: null }, policies())).toBeNull();
    expect(leaveMomentMs({ offboardedDate: null }, policies())).toBeNull();
  });

  it('agree with the value written to employeeLeaveDateTime', () => {
    const ms = leaveMomentMs({ offboardedDate: '2027-03-14' }, policies({ timeZone: 'America/New_York' }));
    expect(toGraphDateTime(ms!)).toBe('2027-03-15T03:59:59Z');
  });
});

describe('provisionAtMs', () => {
  it('means "create at once" without a lead-time policy', () => {
    expect(provisionAtMs({ hireDate: '2026-12-01' }, policies())).toBeNull();
  });

  it('means "create at once" when HR has no hire date to count from', () => {
    expect(provisionAtMs({ hireDate: null }, policies({ provisionLeadDays: 7 }))).toBeNull();
  });

  it('is the start of the day N days before the hire date', () => {
    expect(provisionAtMs({ hireDate: '2026-12-01' }, policies({ provisionLeadDays: 7 }))).toBe(
      at('2026-11-24T00:00:00Z'),
    );
    expect(provisionAtMs({ hireDate: '2026-12-01' }, policies({ provisionLeadDays: 0 }))).toBe(
      at('2026-12-01T00:00:00Z'),
    );
  });

  it('counts calendar days across a DST change, not 24-hour blocks', () => {
    // Hire on Monday 2027-03-29 (summer time), create a week earlier on 2027-03-22 (still winter time).
    const ms = provisionAtMs(
      { hireDate: '2027-03-29' },
      policies({ timeZone: 'Europe/Stockholm', provisionLeadDays: 7 }),
    );
    expect(ms).toBe(at('2027-03-22T00:00:00+01:00'));
  });
});

describe('deleteAtMs', () => {
  it('is the leave moment N calendar days later, or null when the policy is off', () => {
    const offboarded = { offboardedDate: '2027-03-31' };
    expect(deleteAtMs(offboarded, policies({ deleteAfterLeaveDays: 30 }))).toBe(at('2027-04-30T23:59:59Z'));
    expect(deleteAtMs(offboarded, policies())).toBeNull();
    expect(deleteAtMs({ offboardedDate: null }, policies({ deleteAfterLeaveDays: 30 }))).toBeNull();
  });
});

describe('addDays and toGraphDateTime', () => {
  it('move calendar days across month and leap-year ends', () => {
    expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('drop milliseconds and always write UTC with Z', () => {
    expect(toGraphDateTime(at('2026-12-01T10:20:30.999+02:00'))).toBe('2026-12-01T08:20:30Z');
  });
});
