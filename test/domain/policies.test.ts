import { applyPolicyChange, CompanyPolicies, defaultCompanyPolicies } from '../../domain/policies';

const current = CompanyPolicies.parse({ timeZone: 'Europe/Stockholm', provisionLeadDays: 7 });

describe('applyPolicyChange', () => {
  it('changes only the policies it names, and a null is a value, not "unchanged"', () => {
    const result = applyPolicyChange(current, { disableAccountAtLeave: true, provisionLeadDays: null });
    expect(result).toEqual({
      ok: true,
      policies: { ...current, disableAccountAtLeave: true, provisionLeadDays: null },
    });
  });

  it('accepts every policy at its bounds', () => {
    const result = applyPolicyChange(defaultCompanyPolicies, {
      timeZone: 'America/Los_Angeles',
      provisionLeadDays: 365,
      disableAccountAtLeave: true,
      revokeSessionsAtLeave: true,
      deleteAfterLeaveDays: 0,
      phoneDefaultCountry: 'SE',
      scimDeletedUserRetentionDays: 3650,
    });
    expect(result.ok).toBe(true);
  });

  it.each([
    ['timeZone', 'Mars/Olympus_Mons', 'IANA time zone'],
    ['timeZone', 'UTC\u0000', 'IANA time zone'],
    ['timeZone', 3, ''],
    ['provisionLeadDays', -1, ''],
    ['provisionLeadDays', 366, ''],
    ['provisionLeadDays', 1.5, ''],
    ['provisionLeadDays', '7', ''],
    ['disableAccountAtLeave', 'yes', ''],
    ['disableAccountAtLeave', null, ''],
    ['revokeSessionsAtLeave', 1, ''],
    ['deleteAfterLeaveDays', 3651, ''],
    ['deleteAfterLeaveDays', -1, ''],
    ['phoneDefaultCountry', 'se', 'ISO 3166-1'],
    ['phoneDefaultCountry', 'SWE', 'ISO 3166-1'],
    ['scimDeletedUserRetentionDays', 0, ''],
    ['scimDeletedUserRetentionDays', 3651, ''],
  ])('refuses %s = %j, naming the field', (field, value, words) => {
    const result = applyPolicyChange(current, { [field]: value });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]!.field).toBe(field);
    expect(result.problems[0]!.message).toContain(words);
  });

  it('names every unknown policy and every bad value of one change', () => {
    const result = applyPolicyChange(current, { deleteAfterDays: 30, timeZone: 'Nowhere', provisionLeadDays: -3 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field).sort()).toEqual(['deleteAfterDays', 'provisionLeadDays', 'timeZone']);
    expect(result.problems.find((p) => p.field === 'deleteAfterDays')!.message).toBe('is not a policy');
  });

  it('refuses __proto__ from a JSON body as an unknown policy', () => {
    const result = applyPolicyChange(current, JSON.parse('{"__proto__": {"timeZone": "UTC"}}'));
    expect(result).toEqual({ ok: false, problems: [{ field: '__proto__', message: 'is not a policy' }] });
  });

  it.each([null, [], 'timeZone=UTC', 7])('refuses a change that is not an object of policies (%j)', (change) => {
    expect(applyPolicyChange(current, change)).toEqual({
      ok: false,
      problems: [{ field: '(body)', message: 'must be an object of policies by name' }],
    });
  });
});
