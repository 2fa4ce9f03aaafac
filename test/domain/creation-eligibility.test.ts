import {
  checkCreationEligibility,
  CreationProblemCode,
  describeMissingFields,
  isOnVerifiedDomain,
  missingCreationFields,
} from '../../domain/creation-eligibility';
import { hrEmployee } from './hr-fixtures';

const tenantDomains = ['contoso.com', 'contoso.onmicrosoft.com'];

describe('checkCreationEligibility', () => {
  it('allows the create when work email, first name and last name exist and the domain is verified', () => {
    expect(checkCreationEligibility(hrEmployee(), tenantDomains)).toEqual({
      eligible: true,
      userPrincipalName: 'ada@contoso.com',
    });
  });

  it.each([
    ['workEmail', /no work email/],
    ['firstName', /no first name/],
    ['lastName', /no last name/],
  ])('refuses when %s is missing and names the field', (field, reason) => {
    const result = checkCreationEligibility(hrEmployee({ [field]: null }), tenantDomains);
    expect(result.eligible).toBe(false);
    if (result.eligible) return;
    expect(result.problems.map((p) => p.code)).toEqual([CreationProblemCode.MissingFields]);
    expect(result.reason).toMatch(reason);
  });

  it('names every missing field in one sentence', () => {
    const result = checkCreationEligibility(hrEmployee({ workEmail: '', lastName: '  ' }), tenantDomains);
    expect(result).toMatchObject({
      eligible: false,
      reason:
        'HR has no work email and no last name for this employee; ' +
        'Entra needs a work email, a first name and a last name to create the user.',
    });
  });

  it('refuses a work email on a domain the tenant has not verified, listing the verified ones', () => {
    const result = checkCreationEligibility(hrEmployee({ workEmail: 'ada@fabrikam.com' }), tenantDomains);
    expect(result).toMatchObject({
      eligible: false,
      problems: [{ code: CreationProblemCode.DomainNotVerified }],
    });
    if (result.eligible) return;
    expect(result.reason).toBe(
      'The work email ada@fabrikam.com is on fabrikam.com, which is not a verified domain of the connected Entra ' +
        'tenant (it has contoso.com and contoso.onmicrosoft.com).',
    );
  });

  it('compares domains without regard to case', () => {
    expect(checkCreationEligibility(hrEmployee({ workEmail: 'ADA@Contoso.COM' }), tenantDomains)).toEqual({
      eligible: true,
      userPrincipalName: 'ada@contoso.com',
    });
    expect(checkCreationEligibility(hrEmployee(), ['CONTOSO.COM']).eligible).toBe(true);
  });

  it('requires an exact domain match: subdomains and look-alikes are other domains', () => {
    for (const workEmail of ['ada@sales.contoso.com', 'ada@contoso.com.evil.net', 'ada@notcontoso.com']) {
      expect(checkCreationEligibility(hrEmployee({ workEmail }), tenantDomains)).toMatchObject({
        eligible: false,
        problems: [{ code: CreationProblemCode.DomainNotVerified }],
      });
    }
  });

  it('refuses when the tenant has no verified domains, and says so', () => {
    const result = checkCreationEligibility(hrEmployee(), []);
    expect(result).toMatchObject({ eligible: false });
    if (!result.eligible) expect(result.reason).toMatch(/it has none/);
  });

  it('refuses a work email whose alias Entra does not allow in a userPrincipalName', () => {
    const result = checkCreationEligibility(hrEmployee({ workEmail: 'ada+hr@contoso.com' }), tenantDomains);
    expect(result).toMatchObject({ eligible: false, problems: [{ code: CreationProblemCode.InvalidUpnAlias }] });
    if (!result.eligible) expect(result.reason).toMatch(/ada\+hr@contoso\.com cannot be a userPrincipalName.*"\+"/);
  });

  it('reports every problem at once', () => {
    const result = checkCreationEligibility(
      hrEmployee({ firstName: null, workEmail: 'ada+hr@fabrikam.com' }),
      tenantDomains,
    );
    expect(result.eligible ? [] : result.problems.map((p) => p.code)).toEqual([
      CreationProblemCode.MissingFields,
      CreationProblemCode.DomainNotVerified,
      CreationProblemCode.InvalidUpnAlias,
    ]);
  });

  it('does not let name characters block a create', () => {
    const ivan = hrEmployee({ firstName: 'Иван', lastName: 'Петров', workEmail: 'ivan.petrov@contoso.com' });
    expect(checkCreationEligibility(ivan, tenantDomains).eligible).toBe(true);
  });
});

describe('missingCreationFields and describeMissingFields', () => {
  it('list the missing fields in the documented order', () => {
    const missing = missingCreationFields({ workEmail: null, firstName: null, lastName: null });
    expect(missing).toEqual(['workEmail', 'firstName', 'lastName']);
    expect(describeMissingFields(missing)).toMatch(/^HR has no work email, no first name and no last name/);
  });

  it('say nothing when nothing is missing', () => {
    expect(missingCreationFields(hrEmployee())).toEqual([]);
    expect(describeMissingFields([])).toBe('');
  });
});

describe('isOnVerifiedDomain', () => {
  it('answers whether the work email belongs to the tenant', () => {
    expect(isOnVerifiedDomain('ada@contoso.com', tenantDomains)).toBe(true);
    expect(isOnVerifiedDomain('ada@fabrikam.com', tenantDomains)).toBe(false);
  });
});
